"""One log line per RPC, levels, and debug dumps of requests and responses."""
import re

import grpc
import pytest

from conftest import csi_pb2, testsvc_pb2

LINE = re.compile(r"^\S+Z (info|debug|error) +rpc: method=(\S+)( volume_id=(\S+))? code=(\w+) "
                  r"duration_ms=[\d.]+( msg=\"(.*)\")?$")


def rpc_lines(log):
    return [LINE.match(l) for l in log.splitlines() if " rpc: method=" in l]


def test_one_line_per_rpc_with_method_volume_code_duration_message(testd):
    testd.identity.GetPluginInfo(csi_pb2.GetPluginInfoRequest(), timeout=5)
    testd.test.Sleep(testsvc_pb2.SleepRequest(volume_id="vol-9", sleep_ms=1), timeout=5)
    with pytest.raises(grpc.RpcError):
        testd.node.NodeExpandVolume(csi_pb2.NodeExpandVolumeRequest(volume_id="vol-10"), timeout=5)
    lines = rpc_lines(testd.log())
    assert all(lines), testd.log()
    got = [(m.group(2), m.group(4), m.group(5)) for m in lines]
    assert got == [("/csi.v1.Identity/GetPluginInfo", None, "OK"),
                   ("/tensorpool.test.v1.Test/Sleep", "vol-9", "OK"),
                   ("/csi.v1.Node/NodeExpandVolume", None, "UNIMPLEMENTED")]
    assert "not implemented" in lines[2].group(7)


def test_successful_probe_is_logged_at_debug_only(start_driver):
    d = start_driver()
    d.identity.Probe(csi_pb2.ProbeRequest(), timeout=5)
    assert "Probe" not in "".join(l for l in d.log().splitlines() if " rpc: " in l)
    v = start_driver("-v")
    v.identity.Probe(csi_pb2.ProbeRequest(), timeout=5)
    assert any(m.group(1) == "debug" and m.group(2).endswith("/Probe") for m in rpc_lines(v.log()))


def test_warn_level_hides_rpc_lines(start_driver):
    d = start_driver("--log-level", "warn")
    d.identity.GetPluginInfo(csi_pb2.GetPluginInfoRequest(), timeout=5)
    assert " rpc: " not in d.log()


def test_debug_level_prints_request_and_response(start_driver):
    d = start_driver(env={"CSI_LOG_LEVEL": "debug"}, )
    d.node.NodeGetInfo(csi_pb2.NodeGetInfoRequest(), timeout=5)
    log = d.log()
    assert "/csi.v1.Node/NodeGetInfo request {}" in log
    assert re.search(r"/csi.v1.Node/NodeGetInfo response \{\"node_id\":\"[^\"]+\"\}", log)
