/* main.c - tensorpool-csi: the daemon, or its command-line clients: `call`
 * (CSI) and `tp` (the TensorPool API). */
#include <string.h>

#include "csi/cli.h"
#include "csi/cli_tp.h"
#include "csi/daemon.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "call") == 0)
        return csi_cli_call(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "tp") == 0)
        return csi_cli_tp(argc - 1, argv + 1);
    return csi_main(argc, argv, NULL, 0, NULL);
}
