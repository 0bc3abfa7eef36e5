"""The Node service for shared volumes, played as the kubelet plays it:
NodeStage, NodePublish (one or more pods), NodeGetVolumeStats, then
NodeUnpublish and NodeUnstage, against the real binary and the emulator,
which makes an attached volume appear at <host>/mnt/<id> as TensorPool does.

The driver runs in a private mount namespace (unshare -m), so its mounts
never reach this machine's mount table; the tests look at them through
/proc/<pid>/mountinfo and at files through /proc/<pid>/root/..., which
follows the driver's namespace."""
import contextlib
import errno
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import grpc
import pytest

import csi_pb2

PRIVATE = ["unshare", "-m", "--propagation", "private"]
MODE_MNMW, MODE_SNRO, MODE_SNSW = 5, 2, 6


def cap(mode=MODE_MNMW, flags=(), group="", block=False):
    mode_msg = csi_pb2.VolumeCapability.AccessMode(mode=mode)
    if block:
        return csi_pb2.VolumeCapability(block=csi_pb2.VolumeCapability.BlockVolume(), access_mode=mode_msg)
    mount = csi_pb2.VolumeCapability.MountVolume(mount_flags=list(flags), volume_mount_group=group)
    return csi_pb2.VolumeCapability(mount=mount, access_mode=mode_msg)


def code_of(call, req, timeout=30):
    with pytest.raises(grpc.RpcError) as e:
        call(req, timeout=timeout)
    return e.value.code()


class Node:
    """A driver in node mode, the emulator, and kubelet-like paths."""

    def __init__(self, drv, emu, host, kubelet):
        self.drv, self.emu, self.host, self.kubelet = drv, emu, host, kubelet
        self.node = drv.node

    def volume(self, attach=True):
        reply = self.emu.create(10)
        assert self.emu.wait_request(reply["request_id"])["status"] == "COMPLETED"
        sid = reply["storage_id"]
        if attach:
            r = self.emu.ok("POST", "/storage/attach", {"storage_id": sid, "cluster_ids": ["c-test"]}, expect=202)
            assert self.emu.wait_request(r["request_ids"][0])["status"] == "COMPLETED"
            assert (self.host / "mnt" / sid).is_dir()
        return sid

    def staging(self, name="pv-hash"):
        # the kubelet creates the per-volume directory and lets the driver make globalmount
        d = self.kubelet / "plugins/kubernetes.io/csi/csi.tensorpool.dev" / name
        d.mkdir(parents=True, exist_ok=True)
        return str(d / "globalmount")

    def target(self, pod="pod-1", pv="pv-1"):
        d = self.kubelet / "pods" / pod / "volumes/kubernetes.io~csi" / pv
        d.mkdir(parents=True, exist_ok=True)
        return str(d / "mount")

    def stage(self, vid, staging, capability=None, context=None, timeout=30):
        return self.node.NodeStageVolume(csi_pb2.NodeStageVolumeRequest(
            volume_id=vid, staging_target_path=staging, volume_capability=capability or cap(),
            volume_context=context or {}), timeout=timeout)

    def publish(self, vid, staging, target, capability=None, readonly=False):
        return self.node.NodePublishVolume(csi_pb2.NodePublishVolumeRequest(
            volume_id=vid, staging_target_path=staging, target_path=target,
            volume_capability=capability or cap(), readonly=readonly), timeout=30)

    def unpublish(self, vid, target):
        return self.node.NodeUnpublishVolume(
            csi_pb2.NodeUnpublishVolumeRequest(volume_id=vid, target_path=target), timeout=30)

    def unstage(self, vid, staging):
        return self.node.NodeUnstageVolume(
            csi_pb2.NodeUnstageVolumeRequest(volume_id=vid, staging_target_path=staging), timeout=30)

    def stats(self, vid, path):
        return self.node.NodeGetVolumeStats(
            csi_pb2.NodeGetVolumeStatsRequest(volume_id=vid, volume_path=path), timeout=30)

    # ---- the driver's view ----
    def seen(self, path):
        """path as the driver's mount namespace shows it."""
        return "/proc/%d/root%s" % (self.drv.proc.pid, path)

    def mounts(self):
        """{mount point: (root, options)} of the driver's namespace."""
        out = {}
        with open("/proc/%d/mountinfo" % self.drv.proc.pid) as f:
            for line in f:
                fields = line.split()
                out[fields[4]] = (fields[3], fields[5])
        return out

    def mounts_under(self, top):
        return [m for m in self.mounts() if m.startswith(str(top) + "/")]


@pytest.fixture
def n(start_emulator, start_driver, emu_dir, workdir):
    host = emu_dir / "host"
    emu = start_emulator("--host-root", str(host), "--provisioning-delay-ms", "100", "--retry-after", "0")
    drv = start_driver("--mode", "node", "--node-id", "n1", "--cluster-id", "c-test", "--host-root", str(host),
                       wrapper=PRIVATE)
    node = Node(drv, emu, host, workdir / "kubelet")
    yield node
    # whatever a test did, nothing it staged or published may stay mounted
    assert node.mounts_under(workdir) == []


def test_stage_publish_write_unpublish_unstage(n):
    sid = n.volume()
    vid = "shared/" + sid
    staging, target = n.staging(), n.target()
    for _ in range(2):  # every call twice: the kubelet retries
        n.stage(vid, staging)
    assert staging in n.mounts()
    for _ in range(2):
        n.publish(vid, staging, target)
    assert target in n.mounts()
    with open(n.seen(target) + "/hello.txt", "w") as f:
        f.write("from the pod")
    assert (n.host / "mnt" / sid / "hello.txt").read_text() == "from the pod"

    for _ in range(2):
        n.unpublish(vid, target)
    assert target not in n.mounts() and not os.path.exists(n.seen(target))
    for _ in range(2):
        n.unstage(vid, staging)
    assert staging not in n.mounts() and not os.path.exists(n.seen(staging))
    assert (n.host / "mnt" / sid / "hello.txt").exists()  # unmounting never touches the data


def test_two_targets_one_staging_and_read_only(n):
    vid = "shared/" + n.volume()
    staging, rw, ro = n.staging(), n.target("pod-1"), n.target("pod-2")
    n.stage(vid, staging)
    n.publish(vid, staging, rw)
    n.publish(vid, staging, ro, readonly=True)
    n.publish(vid, staging, ro, readonly=True)  # idempotent
    assert "ro" in n.mounts()[ro][1].split(",") and "rw" in n.mounts()[rw][1].split(",")
    with open(n.seen(rw) + "/a", "w") as f:
        f.write("x")
    assert open(n.seen(ro) + "/a").read() == "x"  # both show the one volume
    with pytest.raises(OSError) as e:
        open(n.seen(ro) + "/b", "w")
    assert e.value.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    # the same target with another read-only flag is another publication
    assert code_of(n.node.NodePublishVolume, csi_pb2.NodePublishVolumeRequest(
        volume_id=vid, staging_target_path=staging, target_path=ro, volume_capability=cap(),
        readonly=False)) == grpc.StatusCode.ALREADY_EXISTS
    for t in (rw, ro):
        n.unpublish(vid, t)
    n.unstage(vid, staging)


def test_reader_only_mode_publishes_read_only(n):
    vid = "shared/" + n.volume()
    staging, target = n.staging(), n.target()
    n.stage(vid, staging, cap(MODE_SNRO))
    n.publish(vid, staging, target, cap(MODE_SNRO))
    assert "ro" in n.mounts()[target][1].split(",")
    n.unpublish(vid, target)
    n.unstage(vid, staging)


def test_volume_mount_group(n):
    vid = "shared/" + n.volume()
    staging, target = n.staging(), n.target()
    n.stage(vid, staging)
    n.publish(vid, staging, target, cap(group="4242"))
    st = os.stat(n.seen(target))
    assert st.st_gid == 4242
    assert st.st_mode & stat.S_ISGID and st.st_mode & stat.S_IRWXG == stat.S_IRWXG
    assert code_of(n.node.NodePublishVolume, csi_pb2.NodePublishVolumeRequest(
        volume_id=vid, staging_target_path=staging, target_path=n.target("pod-2"),
        volume_capability=cap(group="wheel"))) == grpc.StatusCode.INVALID_ARGUMENT
    n.unpublish(vid, target)
    n.unstage(vid, staging)


def test_single_node_single_writer(n):
    vid = "shared/" + n.volume()
    staging, t1, t2 = n.staging(), n.target("pod-1"), n.target("pod-2")
    n.stage(vid, staging, cap(MODE_SNSW))
    n.publish(vid, staging, t1, cap(MODE_SNSW))
    n.publish(vid, staging, t1, cap(MODE_SNSW))  # the same target again is fine
    assert code_of(n.node.NodePublishVolume, csi_pb2.NodePublishVolumeRequest(
        volume_id=vid, staging_target_path=staging, target_path=t2,
        volume_capability=cap(MODE_SNSW))) == grpc.StatusCode.FAILED_PRECONDITION
    n.unpublish(vid, t1)
    n.publish(vid, staging, t2, cap(MODE_SNSW))  # once the first is gone
    n.unpublish(vid, t2)
    n.unstage(vid, staging)


def test_volume_stats(n):
    sid = n.volume()
    vid = "shared/" + sid
    staging, target = n.staging(), n.target()
    n.stage(vid, staging)
    n.publish(vid, staging, target)
    for path in (target, staging):
        r = n.stats(vid, path)
        units = {u.unit: u for u in r.usage}
        b, i = units[csi_pb2.VolumeUsage.BYTES], units[csi_pb2.VolumeUsage.INODES]
        assert b.total > 0 and 0 <= b.available <= b.total and 0 <= b.used <= b.total
        assert i.total > 0 and i.used >= 1
        assert not r.volume_condition.abnormal and r.volume_condition.message == "ok"
    assert code_of(n.node.NodeGetVolumeStats, csi_pb2.NodeGetVolumeStatsRequest(
        volume_id=vid, volume_path=str(n.kubelet))) == grpc.StatusCode.NOT_FOUND
    assert code_of(n.node.NodeGetVolumeStats, csi_pb2.NodeGetVolumeStatsRequest(
        volume_id=vid, volume_path="relative")) == grpc.StatusCode.INVALID_ARGUMENT
    n.unpublish(vid, target)
    n.unstage(vid, staging)


def test_subdir_volume_stages_the_directory(n):
    sid = n.volume()
    (n.host / "mnt" / sid / "data").mkdir()
    vid = "shared/%s/data" % sid
    staging, target = n.staging(), n.target()
    n.stage(vid, staging)
    n.publish(vid, staging, target)
    with open(n.seen(target) + "/f", "w") as f:
        f.write("sub")
    assert (n.host / "mnt" / sid / "data" / "f").read_text() == "sub"
    # another volume at a staging path already in use
    assert code_of(n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(
        volume_id="shared/" + sid, staging_target_path=staging,
        volume_capability=cap())) == grpc.StatusCode.ALREADY_EXISTS
    n.unpublish(vid, target)
    n.unstage(vid, staging)
    assert code_of(n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(
        volume_id="shared/%s/missing" % sid, staging_target_path=n.staging("other"),
        volume_capability=cap())) == grpc.StatusCode.NOT_FOUND


def test_volumes_not_served_here(n):
    sid = n.volume(attach=False)
    got = code_of(n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(
        volume_id="shared/" + sid, staging_target_path=n.staging(), volume_capability=cap()))
    assert got == grpc.StatusCode.FAILED_PRECONDITION
    got = code_of(n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(
        volume_id="object/my-bucket", staging_target_path=n.staging(), volume_capability=cap()))
    assert got == grpc.StatusCode.FAILED_PRECONDITION
    got = code_of(n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(
        volume_id="nonsense", staging_target_path=n.staging(), volume_capability=cap()))
    assert got == grpc.StatusCode.NOT_FOUND
    # publishing what was never staged
    vid = "shared/" + n.volume()
    got = code_of(n.node.NodePublishVolume, csi_pb2.NodePublishVolumeRequest(
        volume_id=vid, staging_target_path=n.staging("never"), target_path=n.target(), volume_capability=cap()))
    assert got == grpc.StatusCode.FAILED_PRECONDITION


def test_argument_errors(n):
    vid = "shared/" + n.volume()
    s, t = n.staging(), n.target()
    bad = [
        (n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(staging_target_path=s, volume_capability=cap())),
        (n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(volume_id=vid, volume_capability=cap())),
        (n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(volume_id=vid, staging_target_path="rel",
                                                                volume_capability=cap())),
        (n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(volume_id=vid, staging_target_path=s)),
        (n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(volume_id=vid, staging_target_path=s,
                                                                volume_capability=cap(block=True))),
        (n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(volume_id=vid, staging_target_path=s,
                                                                volume_capability=cap(mode=0))),
        (n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(volume_id=vid, staging_target_path=s,
                                                                volume_capability=cap(flags=["a,b"]))),
        (n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(volume_id=vid, staging_target_path=s,
                                                                volume_capability=cap(flags=["=1"]))),
        (n.node.NodePublishVolume, csi_pb2.NodePublishVolumeRequest(volume_id=vid, target_path=t,
                                                                    volume_capability=cap())),
        (n.node.NodePublishVolume, csi_pb2.NodePublishVolumeRequest(volume_id=vid, staging_target_path=s,
                                                                    volume_capability=cap())),
        (n.node.NodePublishVolume, csi_pb2.NodePublishVolumeRequest(volume_id=vid, staging_target_path=s,
                                                                    target_path=t)),
        (n.node.NodePublishVolume, csi_pb2.NodePublishVolumeRequest(volume_id=vid, staging_target_path=s,
                                                                    target_path=t, volume_capability=cap(block=True))),
        (n.node.NodeUnpublishVolume, csi_pb2.NodeUnpublishVolumeRequest(volume_id=vid)),
        (n.node.NodeUnpublishVolume, csi_pb2.NodeUnpublishVolumeRequest(target_path=t)),
        (n.node.NodeUnstageVolume, csi_pb2.NodeUnstageVolumeRequest(volume_id=vid)),
        (n.node.NodeUnstageVolume, csi_pb2.NodeUnstageVolumeRequest(staging_target_path=s)),
        (n.node.NodeGetVolumeStats, csi_pb2.NodeGetVolumeStatsRequest(volume_id=vid)),
        (n.node.NodeGetVolumeStats, csi_pb2.NodeGetVolumeStatsRequest(volume_path=s)),
    ]
    for i, (call, req) in enumerate(bad):
        assert code_of(call, req) == grpc.StatusCode.INVALID_ARGUMENT, i
    assert n.mounts_under(n.kubelet) == []


def test_unpublish_and_unstage_of_nothing_are_ok(n):
    vid = "shared/" + n.volume()
    n.unpublish(vid, n.target())
    n.unstage(vid, n.staging())


def test_nfs_source_fails_within_the_deadline(n):
    """An unattached volume whose volume context names an NFS server makes
    the driver run mount(8) for nfs4. This machine cannot mount NFS (no
    kernel NFS client, no mount.nfs), so the call must end with an error
    code, not hang, and well within its deadline."""
    vid = "shared/" + n.volume(attach=False)
    staging = n.staging()
    t0 = time.monotonic()
    code = code_of(n.node.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(
        volume_id=vid, staging_target_path=staging, volume_capability=cap(flags=["nconnect=4", "soft"]),
        volume_context={"server": "127.0.0.1", "share": "/export"}), timeout=20)
    assert code not in (grpc.StatusCode.OK, grpc.StatusCode.DEADLINE_EXCEEDED)
    assert time.monotonic() - t0 < 20
    assert staging not in n.mounts()
    n.unstage(vid, staging)


def test_paths_outside_the_kubelet_dir_are_refused(start_emulator, start_driver, emu_dir, workdir):
    host = emu_dir / "host"
    emu = start_emulator("--host-root", str(host), "--provisioning-delay-ms", "100", "--retry-after", "0")
    kubelet = workdir / "kubelet"
    drv = start_driver("--mode", "node", "--node-id", "n1", "--cluster-id", "c-test", "--host-root", str(host),
                       "--kubelet-dir", str(kubelet), wrapper=PRIVATE)
    n = Node(drv, emu, host, kubelet)
    sid = n.volume()
    req = csi_pb2.NodeStageVolumeRequest(volume_id="shared/" + sid, staging_target_path=str(workdir / "elsewhere"),
                                         volume_capability=cap())
    assert code_of(n.node.NodeStageVolume, req) == grpc.StatusCode.INVALID_ARGUMENT
    staging = n.staging()
    n.stage("shared/" + sid, staging)  # below the kubelet dir: fine
    n.unstage("shared/" + sid, staging)


def test_a_non_root_user_in_the_mount_group_can_write(n):
    """What fsGroup gives a pod: uid 4321, not the owner, writes through the
    publish because its supplementary group is the volume_mount_group."""
    vid = "shared/" + n.volume()
    s, t = n.staging(), n.target()
    os.chmod(n.kubelet.parent, 0o755)  # the test's private directory: let uid 4321 walk to the target
    n.stage(vid, s, capability=cap(group="5678"))
    n.publish(vid, s, t, capability=cap(group="5678"))
    pid = n.drv.proc.pid
    res = subprocess.run(["nsenter", "-t", str(pid), "-m", "setpriv", "--reuid=4321", "--regid=4321",
                          "--groups=5678", "sh", "-c", "echo written > %s/by-4321.txt" % t],
                         capture_output=True, text=True, timeout=10)
    assert res.returncode == 0, res.stderr
    res = subprocess.run(["nsenter", "-t", str(pid), "-m", "setpriv", "--reuid=4321", "--regid=4321",
                          "--clear-groups", "sh", "-c", "echo no > %s/denied.txt" % t],
                         capture_output=True, text=True, timeout=10)
    assert res.returncode != 0  # without the group: no write
    n.unpublish(vid, t)
    n.unstage(vid, s)


DEADFS = str(Path(__file__).resolve().parents[2] / "build" / "deadfs")


def wait_mounted(n, path, want=True, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (str(path) in n.mounts()) == want:
            return True
        time.sleep(0.02)
    return False


@contextlib.contextmanager
def fuse_published(n):
    """A volume whose directory a FUSE daemon serves (in the driver's mount
    namespace), staged and published. Yields (vid, staging, target, source,
    pid, daemon); the daemon is killed on exit, leaving the mounts dead."""
    sid = n.volume()
    vid, src = "shared/" + sid, n.host / "mnt" / sid
    pid = str(n.drv.proc.pid)
    fuse = subprocess.Popen(["nsenter", "-t", pid, "-m", DEADFS, str(src)])
    try:
        assert wait_mounted(n, src)
        s, t = n.staging(), n.target()
        n.stage(vid, s)
        n.publish(vid, s, t)
        yield vid, s, t, src, pid, fuse
    finally:
        fuse.send_signal(signal.SIGCONT)
        fuse.kill()
        fuse.wait()


def published_then_killed(n):
    """fuse_published, then the daemon killed: the staging and target mounts
    are dead. Returns (vid, staging, target, source, pid)."""
    with fuse_published(n) as (vid, s, t, src, pid, _):
        pass
    time.sleep(1.5)  # FUSE's attribute cache (1 s) answers stat until it expires
    return vid, s, t, src, pid


def test_dead_mounts_are_repaired_and_reported(n):
    """A FUSE daemon serving the volume's directory is killed: staging and
    target turn into dead mounts (ENOTCONN), as after a crashed FUSE session
    or a lost NFS server. Stats report it; NodeStage and NodePublish repair."""
    vid, s, t, src, pid = published_then_killed(n)
    with pytest.raises(OSError) as e:
        os.listdir(n.seen(t))
    assert e.value.errno == errno.ENOTCONN
    cond = n.stats(vid, t).volume_condition
    assert cond.abnormal and cond.message
    # the volume comes back at its usual place (TensorPool remounts it)
    subprocess.run(["nsenter", "-t", pid, "-m", "umount", "-l", str(src)], check=True)
    n.stage(vid, s)
    n.publish(vid, s, t)
    with open(n.seen(t) + "/after-repair.txt", "w") as f:
        f.write("repaired")
    assert (src / "after-repair.txt").read_text() == "repaired"
    assert not n.stats(vid, t).volume_condition.abnormal
    n.unpublish(vid, t)
    n.unstage(vid, s)


def test_nfs_mount_call_through_the_fake_mounter(start_emulator, start_driver, emu_dir, workdir):
    """This machine has no kernel NFS client, so the exact NFS mount call
    (source, options merged with the StorageClass mountOptions, target) is
    checked through the mount layer's test implementation: the test daemon
    records the calls instead of mounting (TP_CSI_FAKE_MOUNTER=1)."""
    import testsvc_pb2
    emu = start_emulator("--host-root", str(emu_dir / "host"), "--provisioning-delay-ms", "100", "--retry-after", "0")
    drv = start_driver("--mode", "node", "--node-id", "n1", "--cluster-id", "c-test", "--host-root",
                       str(emu_dir / "host"), testd=True, env={"TP_CSI_FAKE_MOUNTER": "1"})
    n = Node(drv, emu, emu_dir / "host", workdir / "kubelet")
    sid = n.volume(attach=False)  # not under the host root: the NFS path is taken
    staging = n.staging()
    context = {"server": "10.0.0.5", "share": "/exports/tp"}
    flags = ["nconnect=4", "noatime", "timeo=100"]
    for _ in range(2):  # the second call finds it staged
        n.stage("shared/%s/dir-a" % sid, staging, capability=cap(flags=flags), context=context)
    calls = drv.test.MounterCalls(testsvc_pb2.MounterCallsRequest(), timeout=5).calls.splitlines()
    mounts = [c for c in calls if c.startswith("mount ")]
    assert mounts == ["mount nfs4 10.0.0.5:/exports/tp/dir-a %s vers=4.1,rsize=1048576,wsize=1048576,hard,"
                      "noresvport,retrans=2,nconnect=4,noatime,timeo=100" % staging]
    for bad in (["suid"], ["hard", "soft"], ["nconnect=2", "nconnect=4"], ["a,b"]):
        req = csi_pb2.NodeStageVolumeRequest(volume_id="shared/%s/dir-b" % sid, staging_target_path=n.staging("x"),
                                             volume_capability=cap(flags=bad), volume_context=context)
        assert code_of(n.node.NodeStageVolume, req) == grpc.StatusCode.INVALID_ARGUMENT, bad


def test_stats_tell_a_lost_mount_from_someone_elses(n):
    a, b = "shared/" + n.volume(), "shared/" + n.volume()
    s, t = n.staging(), n.target()
    n.stage(a, s)
    n.publish(a, s, t)
    assert code_of(n.node.NodeGetVolumeStats, csi_pb2.NodeGetVolumeStatsRequest(
        volume_id=b, volume_path=t)) == grpc.StatusCode.NOT_FOUND  # a's mount, not b's
    subprocess.run(["nsenter", "-t", str(n.drv.proc.pid), "-m", "umount", t], check=True)  # lost by hand
    cond = n.stats(a, t).volume_condition
    assert cond.abnormal and "not mounted" in cond.message
    n.publish(a, s, t)  # mounts it again
    assert not n.stats(a, t).volume_condition.abnormal
    n.unpublish(a, t)
    n.unstage(a, s)


def test_host_mount_patterns_are_configurable(start_emulator, start_driver, emu_dir, workdir):
    host = emu_dir / "host"
    emu = start_emulator("--host-root", str(host), "--provisioning-delay-ms", "100", "--retry-after", "0")
    drv = start_driver("--mode", "node", "--node-id", "n1", "--cluster-id", "c-test", "--host-root", str(host),
                       "--host-mount-patterns", "data/tp-{id}/root,mnt/{id}", wrapper=PRIVATE)
    n = Node(drv, emu, host, workdir / "kubelet")
    sid = n.volume(attach=False)
    (host / "data" / ("tp-%s" % sid) / "root").mkdir(parents=True)  # the first pattern matches
    s = n.staging()
    n.stage("shared/" + sid, s)
    with open(n.seen(s) + "/via-pattern.txt", "w") as f:
        f.write("x")
    assert (host / "data" / ("tp-%s" % sid) / "root" / "via-pattern.txt").exists()
    n.unstage("shared/" + sid, s)


def test_bad_host_mount_patterns_are_a_usage_error():
    from conftest import run_cli
    for bad in ("/abs/{id}", "mnt/no-token", "mnt/{id}/{id}", "../{id}"):
        res = run_cli(["--host-mount-patterns", bad])
        assert res.returncode == 2 and "--host-mount-patterns" in res.stderr.splitlines()[0], bad


def test_dead_mounts_are_unpublished_and_unstaged_without_a_trace(n):
    vid, s, t, src, pid = published_then_killed(n)
    n.unpublish(vid, t)
    n.unstage(vid, s)
    assert str(t) not in n.mounts() and str(s) not in n.mounts()
    assert not Path(t).exists() and not Path(s).exists()
    subprocess.run(["nsenter", "-t", pid, "-m", "umount", "-l", str(src)], check=True)


def test_a_hung_mount_does_not_hang_stats_or_the_plugin(n):
    """A FUSE daemon that stops answering (SIGSTOP) stands for a hung NFS
    server: NodeGetVolumeStats answers "abnormal" within its deadline, and
    other calls (Probe, another volume) are not held up."""
    with fuse_published(n) as (vid, s, t, src, pid, fuse):
        fuse.send_signal(signal.SIGSTOP)
        t0 = time.monotonic()
        cond = n.node.NodeGetVolumeStats(csi_pb2.NodeGetVolumeStatsRequest(volume_id=vid, volume_path=t),
                                         timeout=4).volume_condition
        assert cond.abnormal and time.monotonic() - t0 < 4
        assert n.drv.identity.Probe(csi_pb2.ProbeRequest(), timeout=2).ready.value
        other = "shared/" + n.volume()
        s2 = n.staging("other")
        n.stage(other, s2)
        n.unstage(other, s2)
    time.sleep(1.5)
    n.unpublish(vid, t)
    n.unstage(vid, s)
    subprocess.run(["nsenter", "-t", pid, "-m", "umount", "-l", str(src)], check=True)
