/* testd_main.c - tensorpool-csi-testd: the real daemon plus the test
 * service; with TP_CSI_FAKE_MOUNTER=1 it mounts nothing and records the
 * mount calls instead (read back through Test/MounterCalls). */
#include <stdlib.h>

#include "csi/daemon.h"
#include "node/mount.h"
#include "tests/support/test_service.h"

int main(int argc, char **argv)
{
    struct csi_service *extra[] = {&test_service};
    struct mnt_fake *fake = getenv("TP_CSI_FAKE_MOUNTER") ? mnt_fake_new() : NULL;
    struct mnt mounter = {&mnt_fake_ops, fake};
    test_service.data = fake;
    int rc = csi_main(argc, argv, extra, 1, fake ? &mounter : NULL);
    mnt_fake_free(fake);
    return rc;
}
