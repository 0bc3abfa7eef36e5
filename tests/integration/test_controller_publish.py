"""ControllerPublish/Unpublish, ValidateVolumeCapabilities, ListVolumes and
ControllerExpandVolume against the emulator: attach only when needed (an
attach restarts every node of a cluster), detach only when asked and when no
other node of the cluster still has the volume, and the spec's error codes."""
import grpc
import pytest

import csi_pb2
from emulator import KEY

MOUNT = csi_pb2.VolumeCapability(mount=csi_pb2.VolumeCapability.MountVolume(),
                                 access_mode=csi_pb2.VolumeCapability.AccessMode(mode=5))
BLOCK = csi_pb2.VolumeCapability(block=csi_pb2.VolumeCapability.BlockVolume(),
                                 access_mode=csi_pb2.VolumeCapability.AccessMode(mode=5))
UNKNOWN_MODE = csi_pb2.VolumeCapability(mount=csi_pb2.VolumeCapability.MountVolume(),
                                        access_mode=csi_pb2.VolumeCapability.AccessMode(mode=0))


@pytest.fixture
def emu(start_emulator, emu_dir):
    e = start_emulator("--host-root", str(emu_dir / "host"), "--provisioning-delay-ms", "150", "--retry-after", "0")
    e.host_root = emu_dir / "host"
    return e


@pytest.fixture
def drv(start_driver, emu):
    return start_driver("--mode", "controller", "--tensorpool-engine", emu.url, "--host-root", str(emu.host_root),
                        env={"TENSORPOOL_KEY": KEY})


@pytest.fixture
def ctl(drv):
    return drv.controller


def new_volume(emu, size=10, name=None):
    reply = emu.create(size, name)
    assert emu.wait_request(reply["request_id"])["status"] == "COMPLETED"
    return reply["storage_id"]


def attached(emu, sid):
    emu.admin("PUT", "config", {"list_format": "both"})
    return emu.volumes()[sid]["attached_clusters"]


def routes(emu):
    return emu.admin("GET", "stats")["by_route"]


def code_of(call, *args, **kw):
    with pytest.raises(grpc.RpcError) as e:
        call(*args, timeout=30, **kw)
    return e.value.code(), e.value.details()


def publish(ctl, vid, node, cap=MOUNT, secrets=None):
    return ctl.ControllerPublishVolume(csi_pb2.ControllerPublishVolumeRequest(
        volume_id=vid, node_id=node, volume_capability=cap, secrets=secrets or {}), timeout=30)


def unpublish(ctl, vid, node=""):
    return ctl.ControllerUnpublishVolume(csi_pb2.ControllerUnpublishVolumeRequest(volume_id=vid, node_id=node),
                                         timeout=30)


def test_publish_attaches_once_per_cluster(emu, ctl):
    sid = new_volume(emu)
    got = publish(ctl, "shared/" + sid, "c-one/node-1")
    assert dict(got.publish_context) == {"storageId": sid, "clusterId": "c-one"}
    assert (emu.host_root / "mnt" / sid).is_dir()
    assert routes(emu).get("POST /storage/attach") == 1
    publish(ctl, "shared/" + sid, "c-one/node-1")  # again: idempotent
    publish(ctl, "shared/" + sid, "c-one/node-2")  # same cluster: no restart
    assert routes(emu).get("POST /storage/attach") == 1
    assert attached(emu, sid) == ["c-one"]
    publish(ctl, "shared/" + sid, "c-two/node-1")  # another cluster: its own attach
    assert routes(emu).get("POST /storage/attach") == 2


def test_publish_subdir_and_bucket_contexts(emu, ctl):
    sid = new_volume(emu)
    got = publish(ctl, "shared/%s/team/data" % sid, "c-one/n")
    assert dict(got.publish_context) == {"storageId": sid, "clusterId": "c-one", "subdir": "team/data"}
    code, _ = code_of(ctl.ControllerPublishVolume, csi_pb2.ControllerPublishVolumeRequest(
        volume_id="object/ds-bucket", node_id="c-one/n", volume_capability=MOUNT))
    assert code == grpc.StatusCode.NOT_FOUND  # object storage not enabled yet
    emu.ok("POST", "/object-storage/enable")
    emu.ok("PUT", "/object-storage/bucket/create/ds-bucket", expect=201)
    got = publish(ctl, "object/ds-bucket", "c-one/n")
    assert dict(got.publish_context) == {}
    assert routes(emu).get("POST /storage/attach") == 1
    code, _ = code_of(ctl.ControllerPublishVolume, csi_pb2.ControllerPublishVolumeRequest(
        volume_id="object/no-such-bucket", node_id="c-one/n", volume_capability=MOUNT))
    assert code == grpc.StatusCode.NOT_FOUND


def test_publish_errors(emu, ctl):
    sid = new_volume(emu)
    req = csi_pb2.ControllerPublishVolumeRequest
    cases = [
        (req(volume_id="shared/s-nosuchvol0", node_id="c-one/n", volume_capability=MOUNT), "NOT_FOUND"),
        (req(volume_id="not-an-id", node_id="c-one/n", volume_capability=MOUNT), "NOT_FOUND"),
        (req(volume_id="shared/" + sid, node_id="node-without-cluster", volume_capability=MOUNT), "NOT_FOUND"),
        (req(volume_id="shared/" + sid, node_id="c-one/n"), "INVALID_ARGUMENT"),
        (req(volume_id="shared/" + sid, node_id="c-one/n", volume_capability=BLOCK), "INVALID_ARGUMENT"),
        (req(volume_id="shared/" + sid, node_id="c-one/n", volume_capability=UNKNOWN_MODE), "INVALID_ARGUMENT"),
        (req(volume_id="", node_id="c-one/n", volume_capability=MOUNT), "INVALID_ARGUMENT"),
        (req(volume_id="shared/" + sid, node_id="", volume_capability=MOUNT), "INVALID_ARGUMENT"),
    ]
    for r, want in cases:
        code, details = code_of(ctl.ControllerPublishVolume, r)
        assert code.name == want, (r, code, details)
    code, details = code_of(ctl.ControllerPublishVolume, req(volume_id="shared/" + sid, node_id="n7",
                                                             volume_capability=MOUNT))
    assert "node ids look like c-<cluster>/<node>" in details
    assert routes(emu).get("POST /storage/attach") is None


def test_api_key_from_secrets(emu, ctl):
    sid = new_volume(emu)
    code, details = code_of(ctl.ControllerPublishVolume, csi_pb2.ControllerPublishVolumeRequest(
        volume_id="shared/" + sid, node_id="c-one/n", volume_capability=MOUNT, secrets={"apiKey": "wrong"}))
    assert code == grpc.StatusCode.UNAUTHENTICATED
    assert "wrong" not in details
    publish(ctl, "shared/" + sid, "c-one/n", secrets={"apiKey": KEY})


def test_unpublish_never_detaches_by_default(emu, ctl):
    sid = new_volume(emu)
    publish(ctl, "shared/" + sid, "c-one/n1")
    unpublish(ctl, "shared/" + sid, "c-one/n1")
    unpublish(ctl, "shared/" + sid, "c-one/n1")  # twice: OK
    unpublish(ctl, "shared/" + sid)  # every node: OK
    unpublish(ctl, "not-an-id", "c-one/n1")  # malformed: OK
    assert routes(emu).get("POST /storage/detach") is None
    assert (emu.host_root / "mnt" / sid).is_dir()
    code, _ = code_of(ctl.ControllerUnpublishVolume, csi_pb2.ControllerUnpublishVolumeRequest(node_id="c-one/n1"))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_detach_option_waits_for_last_node_of_cluster(emu, ctl):
    sid = new_volume(emu)
    vid = "shared/%s/dir;detach" % sid
    publish(ctl, vid, "c-one/n1")
    publish(ctl, vid, "c-one/n2")
    publish(ctl, vid, "c-two/n1")
    unpublish(ctl, vid, "c-one/n1")
    assert routes(emu).get("POST /storage/detach") is None  # n2 still uses it
    unpublish(ctl, vid, "c-one/n2")
    assert routes(emu).get("POST /storage/detach") == 1
    assert attached(emu, sid) == ["c-two"]
    unpublish(ctl, vid, "c-one/n2")  # twice: OK, no second detach
    unpublish(ctl, vid)  # all nodes: detaches c-two
    assert routes(emu).get("POST /storage/detach") == 2
    assert not (emu.host_root / "mnt" / sid).exists()


def test_detach_option_keeps_storage_used_by_another_volume_id(emu, ctl):
    sid = new_volume(emu)
    publish(ctl, "shared/%s/a;detach" % sid, "c-one/n1")
    publish(ctl, "shared/%s/b" % sid, "c-one/n2")
    unpublish(ctl, "shared/%s/a;detach" % sid, "c-one/n1")
    assert routes(emu).get("POST /storage/detach") is None


def test_detach_option_without_record_does_not_detach(emu, drv, ctl):
    sid = new_volume(emu)
    rid = emu.ok("POST", "/storage/attach", {"storage_id": sid, "cluster_ids": ["c-one"]}, expect=202)
    emu.wait_request(rid["request_ids"][0])
    unpublish(ctl, "shared/%s;detach" % sid, "c-one/n1")  # as after a controller restart
    unpublish(ctl, "shared/%s;detach" % sid)
    assert routes(emu).get("POST /storage/detach") is None
    assert attached(emu, sid) == ["c-one"]
    assert "not detaching %s from cluster c-one: no record" % sid in drv.log()


def validate(ctl, vid, caps, **kw):
    return ctl.ValidateVolumeCapabilities(csi_pb2.ValidateVolumeCapabilitiesRequest(
        volume_id=vid, volume_capabilities=caps, **kw), timeout=30)


def test_validate_capabilities(emu, ctl):
    sid = new_volume(emu)
    params = {"type": "shared", "mode": "volume"}
    got = validate(ctl, "shared/" + sid, [MOUNT], volume_context={"a": "b"}, parameters=params)
    assert got.HasField("confirmed")
    assert dict(got.confirmed.volume_context) == {"a": "b"} and dict(got.confirmed.parameters) == params
    # parameters of another kind of volume, or unknown ones, are not confirmed
    assert not validate(ctl, "shared/" + sid, [MOUNT], parameters={"type": "shared"}).HasField("confirmed")
    assert list(got.confirmed.volume_capabilities) == [MOUNT]
    for caps in ([MOUNT, BLOCK], [UNKNOWN_MODE]):
        got = validate(ctl, "shared/" + sid, caps)
        assert not got.HasField("confirmed") and got.message
    # a subdir of a volume not attached where the controller runs: TensorPool's word is taken
    assert validate(ctl, "shared/%s/not-visible-here" % sid, [MOUNT]).HasField("confirmed")
    for vid in ("shared/s-nosuchvol0", "nonsense", "object/no-bucket"):
        code, _ = code_of(ctl.ValidateVolumeCapabilities,
                          csi_pb2.ValidateVolumeCapabilitiesRequest(volume_id=vid, volume_capabilities=[MOUNT]))
        assert code == grpc.StatusCode.NOT_FOUND, vid
    publish(ctl, "shared/" + sid, "c-one/n")  # the directory becomes visible on the host
    (emu.host_root / "mnt" / sid / "present").mkdir()
    assert validate(ctl, "shared/%s/present" % sid, [MOUNT]).HasField("confirmed")
    code, _ = code_of(ctl.ValidateVolumeCapabilities,
                      csi_pb2.ValidateVolumeCapabilitiesRequest(volume_id="shared/%s/missing" % sid,
                                                                volume_capabilities=[MOUNT]))
    assert code == grpc.StatusCode.NOT_FOUND
    code, _ = code_of(ctl.ValidateVolumeCapabilities,
                      csi_pb2.ValidateVolumeCapabilitiesRequest(volume_id="shared/" + sid))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_list_volumes_pagination(emu, ctl):
    sids = sorted(new_volume(emu, size=s) for s in (1, 2, 3))
    emu.ok("POST", "/object-storage/enable")
    emu.ok("PUT", "/object-storage/bucket/create/bkt-one", expect=201)
    everything = ctl.ListVolumes(csi_pb2.ListVolumesRequest(), timeout=30)
    ids = [e.volume.volume_id for e in everything.entries]
    assert ids == sorted(["shared/" + s for s in sids] + ["object/bkt-one"]) and not everything.next_token
    caps = {e.volume.volume_id: e.volume.capacity_bytes for e in everything.entries}
    assert caps["shared/" + sids[0]] in (1e9, 2e9, 3e9) and caps["object/bkt-one"] == 0
    walked, token = [], ""
    while True:
        page = ctl.ListVolumes(csi_pb2.ListVolumesRequest(max_entries=1, starting_token=token), timeout=30)
        assert len(page.entries) == 1
        walked.append(page.entries[0].volume.volume_id)
        token = page.next_token
        if not token:
            break
    assert walked == ids
    for bad in ("x", "-1", "99", "1.5"):
        code, _ = code_of(ctl.ListVolumes, csi_pb2.ListVolumesRequest(starting_token=bad))
        assert code == grpc.StatusCode.ABORTED, bad
    code, _ = code_of(ctl.ListVolumes, csi_pb2.ListVolumesRequest(max_entries=-1))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def expand(ctl, vid, required, limit=0, cap=None):
    return ctl.ControllerExpandVolume(csi_pb2.ControllerExpandVolumeRequest(
        volume_id=vid, capacity_range=csi_pb2.CapacityRange(required_bytes=required, limit_bytes=limit),
        volume_capability=cap), timeout=30)


def size_gb(emu, sid):
    emu.admin("PUT", "config", {"list_format": "both"})
    return emu.volumes()[sid]["size_gb"]


def test_expand_volume(emu, ctl):
    sid = new_volume(emu, size=5)
    got = expand(ctl, "shared/" + sid, 7_500_000_000)
    assert (got.capacity_bytes, got.node_expansion_required) == (8_000_000_000, False)
    assert size_gb(emu, sid) == 8
    got = expand(ctl, "shared/" + sid, 2_000_000_000)  # shrink: the current size
    assert got.capacity_bytes == 8_000_000_000 and size_gb(emu, sid) == 8
    got = expand(ctl, "shared/%s/dir" % sid, 3_000_000_000)
    assert got.capacity_bytes == 3_000_000_000
    code, _ = code_of(ctl.ControllerExpandVolume, csi_pb2.ControllerExpandVolumeRequest(
        volume_id="shared/" + sid, capacity_range=csi_pb2.CapacityRange(required_bytes=9_500_000_000,
                                                                        limit_bytes=9_700_000_000)))
    assert code == grpc.StatusCode.OUT_OF_RANGE
    assert size_gb(emu, sid) == 8
    code, _ = code_of(ctl.ControllerExpandVolume, csi_pb2.ControllerExpandVolumeRequest(volume_id="shared/" + sid))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    code, _ = code_of(ctl.ControllerExpandVolume, csi_pb2.ControllerExpandVolumeRequest(
        volume_id="shared/" + sid, capacity_range=csi_pb2.CapacityRange(required_bytes=1), volume_capability=BLOCK))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    for vid in ("shared/s-nosuchvol0", "garbage"):
        code, _ = code_of(ctl.ControllerExpandVolume, csi_pb2.ControllerExpandVolumeRequest(
            volume_id=vid, capacity_range=csi_pb2.CapacityRange(required_bytes=1)))
        assert code == grpc.StatusCode.NOT_FOUND, vid


def test_no_surprise_detach_after_a_controller_restart(emu, drv, start_driver):
    """n1 published (and attached) under the first controller; after a
    restart n2 publishes and unpublishes with ;detach: n1 is unknown to the
    new controller, so it must not detach (regression: controller review)."""
    sid = new_volume(emu, name="shared-after-restart")
    publish(drv.controller, "shared/%s/a;detach" % sid, "c-one/n1")
    assert drv.stop() == 0
    second = start_driver("--mode", "controller", "--tensorpool-engine", emu.url, "--host-root",
                          str(emu.host_root), env={"TENSORPOOL_KEY": KEY})
    publish(second.controller, "shared/%s/b;detach" % sid, "c-one/n2")
    unpublish(second.controller, "shared/%s/b;detach" % sid, "c-one/n2")
    assert routes(emu).get("POST /storage/detach", 0) == 0
    assert attached(emu, sid)
