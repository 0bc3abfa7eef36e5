"""Controller conformance, written from the CSI v1.12 spec (sections
"Controller Service RPC" and their error tables), the way csi-sanity
exercises a controller: arguments are checked first, calls are idempotent,
missing objects give NOT_FOUND where the spec says so, ListVolumes pages,
and what ControllerGetCapabilities advertises is what answers.

Every test runs for each StorageClass parameter set the driver offers:
shared subdir, shared volume, object bucket, object prefix."""
import grpc
import pytest

from emulator import KEY
from integration_fixtures import csi_pb2

RPC = csi_pb2.ControllerServiceCapability.RPC
MOUNT = csi_pb2.VolumeCapability(mount=csi_pb2.VolumeCapability.MountVolume(),
                                 access_mode=csi_pb2.VolumeCapability.AccessMode(mode=1))  # SINGLE_NODE_WRITER
NODE = "c-conformance/node-1"
GB = 10 ** 9


class Setup:
    def __init__(self, kind, emu, driver, params, missing_id):
        self.kind, self.emu, self.driver, self.params, self.missing_id = kind, emu, driver, params, missing_id
        self.ctl = driver.controller
        self.seq = 0

    def create(self, name=None, required=GB, **kw):
        self.seq += 1
        req = csi_pb2.CreateVolumeRequest(name=name or "conf-%s-%d" % (self.kind, self.seq),
                                          volume_capabilities=[MOUNT], parameters=self.params,
                                          capacity_range=csi_pb2.CapacityRange(required_bytes=required), **kw)
        return self.ctl.CreateVolume(req, timeout=60).volume


def wait_done(emu, reply):
    for rid in [reply.get("request_id")] + reply.get("request_ids", []):
        if rid:
            emu.wait_request(rid)


@pytest.fixture(params=["shared-subdir", "shared-volume", "object-bucket", "object-prefix"])
def setup(request, start_emulator, start_driver, emu_dir):
    host = emu_dir / "host"
    emu = start_emulator("--host-root", str(host), "--provisioning-delay-ms", "100", "--retry-after", "0")
    kind = request.param
    params = {"type": kind.split("-")[0], "mode": kind.split("-")[1]}
    missing = {"shared-subdir": "shared/s-missing000/none", "shared-volume": "shared/s-missing000",
               "object-bucket": "object/missing-bucket-000", "object-prefix": "object/missing-bucket-000/x"}[kind]
    if kind == "shared-subdir":
        vol = emu.create(size=10, name="conformance-parent")
        wait_done(emu, vol)
        wait_done(emu, emu.ok("POST", "/storage/attach", {"storage_id": vol["storage_id"], "cluster_ids": ["c-conf"]},
                              expect=202))
        params["storageId"] = vol["storage_id"]
    if kind.startswith("object"):
        emu.ok("POST", "/object-storage/enable")
    if kind == "object-prefix":
        emu.ok("PUT", "/object-storage/bucket/create/conformance-bucket", expect=201)
        params["bucket"] = "conformance-bucket"
    driver = start_driver("--mode", "controller", "--tensorpool-engine", emu.url, "--host-root", str(host),
                          env={"TENSORPOOL_KEY": KEY})
    return Setup(kind, emu, driver, params, missing)


def code(fn, req):
    with pytest.raises(grpc.RpcError) as e:
        fn(req, timeout=60)
    return e.value.code()


def test_capabilities_are_consistent(setup):
    caps = {c.rpc.type for c in setup.ctl.ControllerGetCapabilities(
        csi_pb2.ControllerGetCapabilitiesRequest(), timeout=5).capabilities}
    assert RPC.CREATE_DELETE_VOLUME in caps
    # what is not advertised must be UNIMPLEMENTED, not half there
    unadvertised = [(RPC.GET_CAPACITY, setup.ctl.GetCapacity, csi_pb2.GetCapacityRequest()),
                    (RPC.CREATE_DELETE_SNAPSHOT, setup.ctl.CreateSnapshot, csi_pb2.CreateSnapshotRequest(
                        name="s", source_volume_id=setup.missing_id)),
                    (RPC.GET_VOLUME, setup.ctl.ControllerGetVolume, csi_pb2.ControllerGetVolumeRequest(
                        volume_id=setup.missing_id)),
                    (RPC.MODIFY_VOLUME, setup.ctl.ControllerModifyVolume, csi_pb2.ControllerModifyVolumeRequest(
                        volume_id=setup.missing_id))]
    for cap, fn, req in unadvertised:
        if cap not in caps:
            assert code(fn, req) == grpc.StatusCode.UNIMPLEMENTED, cap


def test_create_checks_arguments_first(setup):
    ctl = setup.ctl
    assert code(ctl.CreateVolume, csi_pb2.CreateVolumeRequest(
        volume_capabilities=[MOUNT], parameters=setup.params)) == grpc.StatusCode.INVALID_ARGUMENT
    assert code(ctl.CreateVolume, csi_pb2.CreateVolumeRequest(
        name="conf-nocaps", parameters=setup.params)) == grpc.StatusCode.INVALID_ARGUMENT
    block = csi_pb2.VolumeCapability(block=csi_pb2.VolumeCapability.BlockVolume(),
                                     access_mode=csi_pb2.VolumeCapability.AccessMode(mode=1))
    assert code(ctl.CreateVolume, csi_pb2.CreateVolumeRequest(
        name="conf-block", volume_capabilities=[block], parameters=setup.params)) == grpc.StatusCode.INVALID_ARGUMENT


def test_create_is_idempotent_and_honours_capacity(setup):
    v = setup.create(name="conf-idem", required=2 * GB)
    assert v.volume_id
    assert v.capacity_bytes == 0 or v.capacity_bytes >= 2 * GB  # 0: "unknown" per spec
    again = setup.create(name="conf-idem", required=2 * GB)
    assert (again.volume_id, dict(again.volume_context)) == (v.volume_id, dict(v.volume_context))
    assert "apiKey" not in str(v.volume_context) and KEY not in str(v.volume_context)


def test_same_name_with_an_incompatible_size_is_already_exists(setup):
    if setup.kind.startswith("object"):
        pytest.skip("object volume sizes are recorded with the S3 client (object storage issue)")
    setup.create(name="conf-size", required=GB)
    assert code(setup.ctl.CreateVolume, csi_pb2.CreateVolumeRequest(
        name="conf-size", volume_capabilities=[MOUNT], parameters=setup.params,
        capacity_range=csi_pb2.CapacityRange(required_bytes=50 * GB))) == grpc.StatusCode.ALREADY_EXISTS
    setup.create(name="conf-size", required=GB)  # the compatible retry still succeeds


def test_expansion_is_remembered(setup):
    v = setup.create(name="conf-grow", required=GB)
    setup.ctl.ControllerExpandVolume(csi_pb2.ControllerExpandVolumeRequest(
        volume_id=v.volume_id, capacity_range=csi_pb2.CapacityRange(required_bytes=4 * GB)), timeout=60)
    if setup.kind.startswith("shared"):
        again = setup.create(name="conf-grow", required=4 * GB)  # the volume is now 4 GB
        assert again.volume_id == v.volume_id and again.capacity_bytes >= 4 * GB


def test_delete_checks_arguments_and_is_idempotent(setup):
    ctl = setup.ctl
    assert code(ctl.DeleteVolume, csi_pb2.DeleteVolumeRequest()) == grpc.StatusCode.INVALID_ARGUMENT
    ctl.DeleteVolume(csi_pb2.DeleteVolumeRequest(volume_id=setup.missing_id), timeout=60)
    ctl.DeleteVolume(csi_pb2.DeleteVolumeRequest(volume_id="not-a-volume-id-at-all"), timeout=60)
    v = setup.create()
    for _ in range(2):
        ctl.DeleteVolume(csi_pb2.DeleteVolumeRequest(volume_id=v.volume_id), timeout=60)


def test_validate_capabilities(setup):
    ctl = setup.ctl
    v = setup.create()
    assert code(ctl.ValidateVolumeCapabilities, csi_pb2.ValidateVolumeCapabilitiesRequest(
        volume_capabilities=[MOUNT])) == grpc.StatusCode.INVALID_ARGUMENT
    assert code(ctl.ValidateVolumeCapabilities, csi_pb2.ValidateVolumeCapabilitiesRequest(
        volume_id=v.volume_id)) == grpc.StatusCode.INVALID_ARGUMENT
    assert code(ctl.ValidateVolumeCapabilities, csi_pb2.ValidateVolumeCapabilitiesRequest(
        volume_id=setup.missing_id, volume_capabilities=[MOUNT])) == grpc.StatusCode.NOT_FOUND
    got = ctl.ValidateVolumeCapabilities(csi_pb2.ValidateVolumeCapabilitiesRequest(
        volume_id=v.volume_id, volume_capabilities=[MOUNT], volume_context=v.volume_context), timeout=60)
    assert list(got.confirmed.volume_capabilities) == [MOUNT]


def test_list_volumes_pages_and_refuses_bad_tokens(setup):
    ctl = setup.ctl
    made = {setup.create().volume_id for _ in range(3)}
    full = ctl.ListVolumes(csi_pb2.ListVolumesRequest(), timeout=60)
    everything = [e.volume.volume_id for e in full.entries]
    if setup.kind in ("shared-volume", "object-bucket"):  # subdirs and prefixes are not enumerated
        assert made <= set(everything)
    paged, token = [], ""
    for _ in range(len(everything) + 1):
        page = ctl.ListVolumes(csi_pb2.ListVolumesRequest(max_entries=1, starting_token=token), timeout=60)
        assert len(page.entries) <= 1
        paged += [e.volume.volume_id for e in page.entries]
        token = page.next_token
        if not token:
            break
    assert paged == everything
    assert code(ctl.ListVolumes, csi_pb2.ListVolumesRequest(starting_token="no-such-token")) == grpc.StatusCode.ABORTED
    assert code(ctl.ListVolumes, csi_pb2.ListVolumesRequest(max_entries=-1)) == grpc.StatusCode.INVALID_ARGUMENT


def test_publish_and_unpublish(setup):
    ctl = setup.ctl
    v = setup.create()
    bad = [csi_pb2.ControllerPublishVolumeRequest(node_id=NODE, volume_capability=MOUNT),
           csi_pb2.ControllerPublishVolumeRequest(volume_id=v.volume_id, volume_capability=MOUNT),
           csi_pb2.ControllerPublishVolumeRequest(volume_id=v.volume_id, node_id=NODE)]
    for req in bad:
        assert code(ctl.ControllerPublishVolume, req) == grpc.StatusCode.INVALID_ARGUMENT
    assert code(ctl.ControllerPublishVolume, csi_pb2.ControllerPublishVolumeRequest(
        volume_id=setup.missing_id, node_id=NODE, volume_capability=MOUNT)) == grpc.StatusCode.NOT_FOUND
    if setup.kind.startswith("shared"):  # object volumes need no node
        assert code(ctl.ControllerPublishVolume, csi_pb2.ControllerPublishVolumeRequest(
            volume_id=v.volume_id, node_id="no-such-node", volume_capability=MOUNT)) == grpc.StatusCode.NOT_FOUND
    req = csi_pb2.ControllerPublishVolumeRequest(volume_id=v.volume_id, node_id=NODE, volume_capability=MOUNT,
                                                 volume_context=v.volume_context)
    first = ctl.ControllerPublishVolume(req, timeout=60)
    assert ctl.ControllerPublishVolume(req, timeout=60).publish_context == first.publish_context
    assert code(ctl.ControllerUnpublishVolume, csi_pb2.ControllerUnpublishVolumeRequest(
        node_id=NODE)) == grpc.StatusCode.INVALID_ARGUMENT
    for _ in range(2):
        ctl.ControllerUnpublishVolume(csi_pb2.ControllerUnpublishVolumeRequest(volume_id=v.volume_id, node_id=NODE),
                                      timeout=60)


def test_expand(setup):
    ctl = setup.ctl
    v = setup.create(required=GB)
    assert code(ctl.ControllerExpandVolume, csi_pb2.ControllerExpandVolumeRequest(
        capacity_range=csi_pb2.CapacityRange(required_bytes=2 * GB))) == grpc.StatusCode.INVALID_ARGUMENT
    assert code(ctl.ControllerExpandVolume, csi_pb2.ControllerExpandVolumeRequest(
        volume_id=v.volume_id)) == grpc.StatusCode.INVALID_ARGUMENT
    assert code(ctl.ControllerExpandVolume, csi_pb2.ControllerExpandVolumeRequest(
        volume_id=setup.missing_id,
        capacity_range=csi_pb2.CapacityRange(required_bytes=2 * GB))) == grpc.StatusCode.NOT_FOUND
    got = ctl.ControllerExpandVolume(csi_pb2.ControllerExpandVolumeRequest(
        volume_id=v.volume_id, capacity_range=csi_pb2.CapacityRange(required_bytes=3 * GB)), timeout=60)
    assert got.capacity_bytes >= 3 * GB and not got.node_expansion_required


def test_validate_does_not_confirm_foreign_parameters(setup):
    v = setup.create()
    got = setup.ctl.ValidateVolumeCapabilities(csi_pb2.ValidateVolumeCapabilitiesRequest(
        volume_id=v.volume_id, volume_capabilities=[MOUNT], parameters={"bogus": "1"}), timeout=60)
    assert not got.HasField("confirmed") and "bogus" in got.message
    got = setup.ctl.ValidateVolumeCapabilities(csi_pb2.ValidateVolumeCapabilitiesRequest(
        volume_id=v.volume_id, volume_capabilities=[MOUNT], parameters=setup.params), timeout=60)
    assert got.HasField("confirmed")
