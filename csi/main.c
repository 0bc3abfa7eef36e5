/* main.c - tensorpool-csi: the daemon, or `call`, its command-line client. */
#include <string.h>

#include "csi/cli.h"
#include "csi/daemon.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "call") == 0)
        return csi_cli_call(argc - 1, argv + 1);
    return csi_main(argc, argv, NULL, 0);
}
