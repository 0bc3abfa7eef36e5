"""Node conformance, written from the CSI v1.12 spec ("Node Service RPC"
and its error tables), along the cases csi-sanity checks for a node:
arguments first, the target directory created and removed, NOT_FOUND for
stats of what is not a volume, advertised = implemented, and the whole
stage/publish/unpublish/unstage cycle repeated, each call twice. Runs for
shared whole volumes and shared subdirectories (object volumes come with
the object storage issue). The driver runs in a private mount namespace."""
import grpc
import pytest

from integration_fixtures import csi_pb2
from test_node import PRIVATE, Node, cap

RPC = csi_pb2.NodeServiceCapability.RPC


@pytest.fixture(params=["shared-volume", "shared-subdir"])
def node(request, start_emulator, start_driver, emu_dir, workdir):
    host = emu_dir / "host"
    emu = start_emulator("--host-root", str(host), "--provisioning-delay-ms", "100", "--retry-after", "0")
    drv = start_driver("--mode", "node", "--node-id", "n1", "--cluster-id", "c-test", "--host-root", str(host),
                       wrapper=PRIVATE)
    n = Node(drv, emu, host, workdir / "kubelet")
    sid = n.volume()
    if request.param == "shared-subdir":
        (host / "mnt" / sid / "pvc-sub").mkdir()
        n.vid = "shared/%s/pvc-sub" % sid
    else:
        n.vid = "shared/%s" % sid
    yield n
    assert n.mounts_under(workdir) == []


def code(fn, req):
    with pytest.raises(grpc.RpcError) as e:
        fn(req, timeout=30)
    return e.value.code()


def test_capabilities_are_consistent(node):
    caps = {c.rpc.type for c in node.node.NodeGetCapabilities(csi_pb2.NodeGetCapabilitiesRequest(),
                                                                timeout=5).capabilities}
    assert RPC.STAGE_UNSTAGE_VOLUME in caps and RPC.GET_VOLUME_STATS in caps
    if RPC.EXPAND_VOLUME not in caps:
        assert code(node.node.NodeExpandVolume, csi_pb2.NodeExpandVolumeRequest(
            volume_id=node.vid, volume_path="/x")) == grpc.StatusCode.UNIMPLEMENTED
    info = node.node.NodeGetInfo(csi_pb2.NodeGetInfoRequest(), timeout=5)
    assert info.node_id == "c-test/n1"


def test_arguments_are_checked_first(node):
    s, t = node.staging(), node.target()
    invalid = grpc.StatusCode.INVALID_ARGUMENT
    n = node.node
    assert code(n.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(staging_target_path=s, volume_capability=cap())) == invalid
    assert code(n.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(volume_id=node.vid, volume_capability=cap())) == invalid
    assert code(n.NodeStageVolume, csi_pb2.NodeStageVolumeRequest(volume_id=node.vid, staging_target_path=s)) == invalid
    assert code(n.NodePublishVolume, csi_pb2.NodePublishVolumeRequest(
        target_path=t, staging_target_path=s, volume_capability=cap())) == invalid
    assert code(n.NodePublishVolume, csi_pb2.NodePublishVolumeRequest(
        volume_id=node.vid, staging_target_path=s, volume_capability=cap())) == invalid
    assert code(n.NodePublishVolume, csi_pb2.NodePublishVolumeRequest(
        volume_id=node.vid, target_path=t, staging_target_path=s)) == invalid
    assert code(n.NodeUnpublishVolume, csi_pb2.NodeUnpublishVolumeRequest(target_path=t)) == invalid
    assert code(n.NodeUnpublishVolume, csi_pb2.NodeUnpublishVolumeRequest(volume_id=node.vid)) == invalid
    assert code(n.NodeUnstageVolume, csi_pb2.NodeUnstageVolumeRequest(staging_target_path=s)) == invalid
    assert code(n.NodeUnstageVolume, csi_pb2.NodeUnstageVolumeRequest(volume_id=node.vid)) == invalid
    assert code(n.NodeGetVolumeStats, csi_pb2.NodeGetVolumeStatsRequest(volume_path=t)) == invalid
    assert code(n.NodeGetVolumeStats, csi_pb2.NodeGetVolumeStatsRequest(volume_id=node.vid)) == invalid


def test_stats_of_what_is_not_a_volume_is_not_found(node):
    assert code(node.node.NodeGetVolumeStats, csi_pb2.NodeGetVolumeStatsRequest(
        volume_id=node.vid, volume_path=str(node.kubelet / "no" / "such" / "path"))) == grpc.StatusCode.NOT_FOUND


def test_full_lifecycle_ten_times_each_call_twice(node):
    from pathlib import Path
    for i in range(10):
        s, t = node.staging("hash-%d" % i), node.target("pod-%d" % i)
        for _ in range(2):
            node.stage(node.vid, s)
        for _ in range(2):
            node.publish(node.vid, s, t)
        assert Path(t).is_dir()  # the driver created the target directory
        assert node.stats(node.vid, t).usage
        for _ in range(2):
            node.unpublish(node.vid, t)
        assert not Path(t).exists()  # ... and removed it
        for _ in range(2):
            node.unstage(node.vid, s)
        assert not Path(s).exists()
