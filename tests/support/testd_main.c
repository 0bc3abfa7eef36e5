/* testd_main.c - tensorpool-csi-testd: the real daemon plus the test service. */
#include "csi/daemon.h"
#include "tests/support/test_service.h"

int main(int argc, char **argv)
{
    struct csi_service *extra[] = {&test_service};
    return csi_main(argc, argv, extra, 1);
}
