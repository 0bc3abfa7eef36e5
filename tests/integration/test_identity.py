"""Identity service answers, and which services each --mode registers."""
import subprocess

import grpc
import pytest

from conftest import CSI_BIN, csi_pb2

CONTROLLER = csi_pb2.PluginCapability.Service.CONTROLLER_SERVICE
ONLINE = csi_pb2.PluginCapability.VolumeExpansion.ONLINE


def code_of(fn, req):
    with pytest.raises(grpc.RpcError) as e:
        fn(req, timeout=5)
    return e.value.code()


def test_get_plugin_info_reports_default_name_and_build_version(driver):
    info = driver.identity.GetPluginInfo(csi_pb2.GetPluginInfoRequest(), timeout=5)
    version = subprocess.run([CSI_BIN, "--version"], capture_output=True, text=True).stdout.split()[1]
    assert info.name == "csi.tensorpool.dev"
    assert info.vendor_version == version and version.startswith("0.")


def test_driver_name_comes_from_flag_or_environment(start_driver):
    d = start_driver("--driver-name", "csi.example.com")
    assert d.identity.GetPluginInfo(csi_pb2.GetPluginInfoRequest(), timeout=5).name == "csi.example.com"
    e = start_driver(env={"CSI_DRIVER_NAME": "files.example.org"})
    assert e.identity.GetPluginInfo(csi_pb2.GetPluginInfoRequest(), timeout=5).name == "files.example.org"


@pytest.mark.parametrize("mode,controller", [("all", True), ("controller", True), ("node", False)])
def test_plugin_capabilities_follow_mode(start_driver, mode, controller):
    d = start_driver("--mode", mode)
    got = d.identity.GetPluginCapabilities(csi_pb2.GetPluginCapabilitiesRequest(), timeout=5)
    services = [c.service.type for c in got.capabilities if c.HasField("service")]
    expansion = [c.volume_expansion.type for c in got.capabilities if c.HasField("volume_expansion")]
    assert services == ([CONTROLLER] if controller else [])
    assert expansion == ([ONLINE] if controller else [])


def test_probe_is_ready_once_serving(driver):
    assert driver.identity.Probe(csi_pb2.ProbeRequest(), timeout=5).ready.value is True


def test_node_mode_serves_node_not_controller(start_driver):
    d = start_driver("--mode", "node", "--node-id", "n-7")
    assert d.node.NodeGetInfo(csi_pb2.NodeGetInfoRequest(), timeout=5).node_id == "n-7"
    caps = d.node.NodeGetCapabilities(csi_pb2.NodeGetCapabilitiesRequest(), timeout=5).capabilities
    rpc = csi_pb2.NodeServiceCapability.RPC
    assert [c.rpc.type for c in caps] == [rpc.STAGE_UNSTAGE_VOLUME, rpc.GET_VOLUME_STATS, rpc.VOLUME_CONDITION,
                                          rpc.VOLUME_MOUNT_GROUP, rpc.SINGLE_NODE_MULTI_WRITER]
    got = code_of(d.controller.ControllerGetCapabilities, csi_pb2.ControllerGetCapabilitiesRequest())
    assert got == grpc.StatusCode.UNIMPLEMENTED


def test_controller_mode_serves_controller_not_node(start_driver):
    d = start_driver("--mode", "controller")
    caps = d.controller.ControllerGetCapabilities(csi_pb2.ControllerGetCapabilitiesRequest(), timeout=5)
    rpc = csi_pb2.ControllerServiceCapability.RPC
    assert sorted(c.rpc.type for c in caps.capabilities) == sorted([
        rpc.CREATE_DELETE_VOLUME, rpc.PUBLISH_UNPUBLISH_VOLUME, rpc.LIST_VOLUMES, rpc.EXPAND_VOLUME,
        rpc.SINGLE_NODE_MULTI_WRITER])
    assert code_of(d.node.NodeGetInfo, csi_pb2.NodeGetInfoRequest()) == grpc.StatusCode.UNIMPLEMENTED


def test_all_mode_serves_both(driver):
    assert driver.node.NodeGetInfo(csi_pb2.NodeGetInfoRequest(), timeout=5).node_id == "node-1"
    driver.controller.ControllerGetCapabilities(csi_pb2.ControllerGetCapabilitiesRequest(), timeout=5)
