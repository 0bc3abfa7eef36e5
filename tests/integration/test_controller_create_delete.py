"""CreateVolume and DeleteVolume against the TensorPool emulator: every mode and onDelete, the
argument checks, idempotency (no second TensorPool create), TensorPool errors as CSI codes, the
API key kept out of the log, and 20 create/delete cycles under injected API faults."""
import concurrent.futures
import time

import grpc
import pytest

from conftest import csi_pb2
from emulator import KEY

GB = 10 ** 9
MNT = csi_pb2.VolumeCapability.AccessMode.MULTI_NODE_MULTI_WRITER
RETRIED = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.ABORTED)


@pytest.fixture
def env(start_emulator, start_driver, emu_dir):
    host = emu_dir / "host"
    emu = start_emulator("--host-root", str(host), "--provisioning-delay-ms", "150", "--retry-after", "0")
    drv = start_driver("--mode", "controller", "--tensorpool-engine", emu.url, "--host-root", str(host),
                       env={"TENSORPOOL_KEY": KEY})
    emu.host = host
    return emu, drv


def cap(block=False, mode=MNT):
    vc = csi_pb2.VolumeCapability(access_mode=csi_pb2.VolumeCapability.AccessMode(mode=mode))
    if block:
        vc.block.SetInParent()
    else:
        vc.mount.SetInParent()
    return vc


def create(drv, name, params, required=0, limit=0, caps=None, secrets=None, timeout=30):
    req = csi_pb2.CreateVolumeRequest(name=name, parameters=params,
                                      volume_capabilities=[cap()] if caps is None else caps,
                                      secrets=secrets or {})
    if required or limit:
        req.capacity_range.required_bytes = required
        req.capacity_range.limit_bytes = limit
    return drv.controller.CreateVolume(req, timeout=timeout).volume


def delete(drv, volume_id, secrets=None, timeout=30):
    drv.controller.DeleteVolume(csi_pb2.DeleteVolumeRequest(volume_id=volume_id, secrets=secrets or {}),
                                timeout=timeout)


def fails(fn, *args, **kw):
    with pytest.raises(grpc.RpcError) as e:
        fn(*args, **kw)
    return e.value.code(), e.value.details()


def creates(emu):
    return emu.admin("GET", "stats")["by_route"].get("POST /storage/create", 0)


def attached_volume(emu, name="holder"):
    """A TensorPool volume attached to a cluster, so it appears at <host>/mnt/<id>."""
    sid = emu.create(size=1, name=name)
    emu.wait_request(sid["request_id"])
    sid = sid["storage_id"]
    reply = emu.ok("POST", "/storage/attach", {"storage_id": sid, "cluster_ids": ["c-test"]}, expect=202)
    emu.wait_request(reply["request_ids"][0])
    assert (emu.host / "mnt" / sid).is_dir()
    return sid


VOLUME = {"type": "shared", "mode": "volume", "onDelete": "delete"}


def test_volume_mode_creates_once_and_rounds_to_gb(env):
    emu, drv = env
    v = create(drv, "pvc-a", VOLUME, required=GB + 1)
    assert v.volume_id.startswith("shared/s-") and v.volume_id.endswith(";d=delete")
    assert v.capacity_bytes == 2 * GB
    sid = v.volume_id[len("shared/"):].split(";")[0]
    assert dict(v.volume_context) == {"type": "shared", "mode": "volume", "storageId": sid}
    again = create(drv, "pvc-a", VOLUME, required=2 * GB)
    assert again.volume_id == v.volume_id and again.capacity_bytes == 2 * GB
    assert creates(emu) == 1
    code, msg = fails(create, drv, "pvc-a", VOLUME, required=5 * GB)
    assert code == grpc.StatusCode.ALREADY_EXISTS and "exists with 2 GB" in msg
    assert create(drv, "pvc-none", {"mode": "volume"}).capacity_bytes == GB  # no range: 1 GB
    code, msg = fails(create, drv, "pvc-b", VOLUME, required=GB + 1, limit=GB + 500)
    assert code == grpc.StatusCode.OUT_OF_RANGE and "GB" in msg
    code, _ = fails(create, drv, "pvc-c", VOLUME, limit=10)
    assert code == grpc.StatusCode.OUT_OF_RANGE
    assert create(drv, "pvc-d", VOLUME, required=GB, limit=GB).capacity_bytes == GB
    delete(drv, v.volume_id)
    assert sid not in emu.volumes()
    delete(drv, v.volume_id)  # twice: OK


def test_argument_checks(env):
    _, drv = env
    cases = [
        (dict(name="", params=VOLUME), "name"),
        (dict(name="bad/name", params=VOLUME), "characters"),
        (dict(name="..", params=VOLUME), "name"),
        (dict(name="x", params=VOLUME, caps=[]), "volume_capabilities"),
        (dict(name="x", params=VOLUME, caps=[cap(block=True)]), "block access is not supported"),
        (dict(name="x", params=VOLUME, caps=[cap(mode=0)]), "access_mode"),
        (dict(name="x", params={"mode": "volume", "sizeGB": "3"}), "sizeGB"),
        (dict(name="x", params=VOLUME, required=5, limit=4), "limit_bytes"),
    ]
    for kw, word in cases:
        name, params = kw.pop("name"), kw.pop("params")
        code, msg = fails(create, drv, name, params, **kw)
        assert code == grpc.StatusCode.INVALID_ARGUMENT, (name, params, kw, msg)
        assert word in msg, (word, msg)
    req = csi_pb2.CreateVolumeRequest(name="x", parameters=VOLUME, volume_capabilities=[cap()])
    req.volume_content_source.snapshot.snapshot_id = "snap"
    code, msg = fails(drv.controller.CreateVolume, req, timeout=10)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "cloning and snapshots" in msg
    code, _ = fails(delete, drv, "")
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    delete(drv, "not-an-id")  # unknown ids are success
    delete(drv, "shared/s-nosuch;d=delete")


def test_subdir_mode(env):
    emu, drv = env
    sid = attached_volume(emu)
    before = creates(emu)
    params = {"storageId": sid, "onDelete": "delete"}
    v = create(drv, "pvc-dir", params, required=3 * GB)
    assert v.volume_id == "shared/%s/pvc-dir;d=delete" % sid and v.capacity_bytes == 3 * GB
    assert dict(v.volume_context) == {"type": "shared", "mode": "subdir", "storageId": sid, "dir": "pvc-dir"}
    d = emu.host / "mnt" / sid / "pvc-dir"
    assert d.is_dir()
    (d / "data.txt").write_text("x")
    assert create(drv, "pvc-dir", params, required=3 * GB).volume_id == v.volume_id
    assert creates(emu) == before  # no TensorPool call
    delete(drv, v.volume_id)
    assert not d.exists()
    delete(drv, v.volume_id)

    kept = create(drv, "pvc-keep", {"storageId": sid})
    delete(drv, kept.volume_id)
    assert (emu.host / "mnt" / sid / "pvc-keep").is_dir()

    arch = create(drv, "pvc-arch", {"storageId": sid, "onDelete": "archive"})
    (emu.host / "mnt" / sid / "pvc-arch" / "f").write_text("keep me")
    delete(drv, arch.volume_id)
    assert (emu.host / "mnt" / sid / "archived-pvc-arch" / "f").read_text() == "keep me"
    create(drv, "pvc-arch", {"storageId": sid, "onDelete": "archive"})
    delete(drv, arch.volume_id)  # archived-pvc-arch is taken: a time suffix is added
    assert len(list((emu.host / "mnt" / sid).glob("archived-pvc-arch-*"))) == 1
    delete(drv, arch.volume_id)  # source gone: OK

    code, msg = fails(create, drv, "pvc-x", {"storageId": "s-notattached"})
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "not attached" in msg
    # a volume TensorPool knows but this host cannot reach: refused; one it does not know: OK
    other = emu.create(size=1, name="elsewhere")
    emu.wait_request(other["request_id"])
    code, msg = fails(delete, drv, "shared/%s/pvc-y;d=delete" % other["storage_id"])
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "not attached" in msg
    delete(drv, "shared/s-gone123/pvc-y;d=delete")
    code, msg = fails(delete, drv, "shared/%s;d=delete" % sid)  # still attached
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "destroying" in msg


def test_bucket_and_prefix_modes(env):
    emu, drv = env
    emu.ok("POST", "/object-storage/enable")
    b = create(drv, "PVC_Data.1", {"type": "object", "onDelete": "delete"})
    bucket = b.volume_id[len("object/"):].split(";")[0]
    assert bucket.startswith("pvc-data-1-") and len(bucket) == len("pvc-data-1-") + 8
    assert dict(b.volume_context) == {"type": "object", "mode": "bucket", "bucket": bucket}
    assert create(drv, "PVC_Data.1", {"type": "object", "onDelete": "delete"}).volume_id == b.volume_id
    plain = create(drv, "pvc-plain", {"type": "object"})
    assert plain.volume_id == "object/pvc-plain"
    long_name = "a" * 100
    assert len(create(drv, long_name, {"type": "object"}).volume_id) == len("object/") + 63

    p = create(drv, "pvc-p", {"type": "object", "mode": "prefix", "bucket": "pvc-plain"})
    assert p.volume_id == "object/pvc-plain/pvc-p"
    assert dict(p.volume_context) == {"type": "object", "mode": "prefix", "bucket": "pvc-plain", "prefix": "pvc-p"}
    code, msg = fails(create, drv, "pvc-p", {"type": "object", "mode": "prefix", "bucket": "nosuch"})
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "bucket nosuch does not exist" in msg
    delete(drv, p.volume_id)  # retain
    code, msg = fails(delete, drv, "object/pvc-plain/pvc-p;d=delete")
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "S3 client" in msg

    emu.call("POST", "/_emulator/buckets/%s/objects" % bucket, {"count": 1}, key=None)
    code, msg = fails(delete, drv, b.volume_id)
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "not empty" in msg
    emu.call("POST", "/_emulator/buckets/%s/objects" % bucket, {"count": 0}, key=None)
    delete(drv, b.volume_id)
    delete(drv, b.volume_id)
    delete(drv, "object/pvc-plain")  # retain: the bucket stays
    code, _ = fails(create, drv, "pvc-p2", {"type": "object", "mode": "prefix", "bucket": bucket})
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    create(drv, "pvc-p2", {"type": "object", "mode": "prefix", "bucket": "pvc-plain"})


def test_tensorpool_errors_and_the_key_stays_secret(env):
    emu, drv = env
    code, _ = fails(create, drv, "pvc-k", VOLUME, secrets={"apiKey": "wrong"})
    assert code == grpc.StatusCode.UNAUTHENTICATED
    emu.admin("PUT", "config", {"balance": 0.01})
    code, msg = fails(create, drv, "pvc-costly", VOLUME, required=1000 * GB)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "balance" in msg
    emu.admin("PUT", "config", {"balance": None})
    prot = create(drv, "pvc-prot", dict(VOLUME, deletionProtection="true"))
    code, msg = fails(delete, drv, prot.volume_id)
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "deletion protection is enabled" in msg
    kept = create(drv, "pvc-kept", {"mode": "volume"}, secrets={"apiKey": KEY})
    delete(drv, kept.volume_id)  # retain
    assert kept.volume_id[len("shared/"):] in emu.volumes()
    assert KEY not in drv.log()


def test_volume_create_delete_under_faults(env):
    emu, drv = env
    names = ["fault-%02d" % i for i in range(20)]

    def retried(fn, *args):
        for attempt in range(6):
            try:
                return fn(*args, timeout=60)
            except grpc.RpcError as e:
                if e.code() not in RETRIED or attempt == 5:
                    raise
                time.sleep(0.1)

    emu.admin("PUT", "config", {"provisioning_delay_ms": 50})
    emu.admin("PUT", "faults", {"error_rate": 0.05, "rate_429": 0.04, "drop_rate": 0.04, "drop_after_rate": 0.04,
                                "hang_rate": 0.03, "hang_ms": 1500, "seed": 7})
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        vols = list(pool.map(lambda n: retried(create, drv, n, VOLUME), names))
    emu.admin("PUT", "faults", {})
    listed = emu.volumes()
    assert sorted(v["name"] for v in listed.values()) == names
    emu.admin("PUT", "faults", {"error_rate": 0.05, "rate_429": 0.04, "drop_rate": 0.04, "drop_after_rate": 0.04,
                                "hang_rate": 0.03, "hang_ms": 1500, "seed": 7})
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda v: retried(delete, drv, v.volume_id), vols))
    emu.admin("PUT", "faults", {})
    assert emu.volumes() == {}


def test_subdir_delete_never_leaves_the_volume(env, emu_dir):
    """A writer of the TensorPool volume can plant symlinks; deleting a volume
    must not follow them out (regression: review of the controller)."""
    emu, drv = env
    sid = attached_volume(emu, name="planted")
    root = emu.host / "mnt" / sid
    outside = emu_dir / "outside"
    (outside / "victim").mkdir(parents=True)
    (outside / "victim" / "precious.txt").write_text("keep me")
    (root / "team").symlink_to(outside)  # team/victim now points out of the volume
    code, msg = fails(delete, drv, "shared/%s/team/victim;d=delete" % sid)
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "outside the volume" in msg
    code, _ = fails(delete, drv, "shared/%s/team/victim;d=archive" % sid)
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert (outside / "victim" / "precious.txt").read_text() == "keep me"
    # a planted record directory is refused, not written through
    elsewhere = emu_dir / "elsewhere"
    elsewhere.mkdir()
    (root / ".tensorpool-csi").symlink_to(elsewhere)
    code, _ = fails(create, drv, "pvc-rec", {"storageId": sid}, required=GB)
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert list(elsewhere.iterdir()) == []


def test_subdir_names_of_the_driver_are_refused(env):
    emu, drv = env
    sid = attached_volume(emu, name="names")
    for name in (".tensorpool-csi", ".hidden", "archived-pvc-a"):
        code, _ = fails(create, drv, name, {"storageId": sid})
        assert code == grpc.StatusCode.INVALID_ARGUMENT, name
    for vid in ("shared/%s/.tensorpool-csi;d=delete" % sid, "shared/%s/a%%b" % sid):
        delete(drv, vid)  # not a volume id of ours: OK, and nothing touched
    assert (emu.host / "mnt" / sid).is_dir()
