"""The generic dispatcher: unknown methods, unparsable requests, invalid
UTF-8, unimplemented methods and oversized messages get the right codes."""
import grpc
import pytest

from conftest import csi_pb2


def call_raw(driver, method, payload):
    with pytest.raises(grpc.RpcError) as e:
        driver.raw(method)(payload, timeout=5)
    return e.value


def test_unknown_method_is_unimplemented(driver):
    err = call_raw(driver, "/csi.v1.Nope/Nothing", b"")
    assert err.code() == grpc.StatusCode.UNIMPLEMENTED


def test_unregistered_service_is_unimplemented(driver):
    req = csi_pb2.CreateVolumeGroupSnapshotRequest(name="g").SerializeToString()
    err = call_raw(driver, "/csi.v1.GroupController/CreateVolumeGroupSnapshot", req)
    assert err.code() == grpc.StatusCode.UNIMPLEMENTED


def test_unparsable_request_is_invalid_argument(driver):
    err = call_raw(driver, "/csi.v1.Identity/GetPluginInfo", b"\xff\xff\xff\xff")
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "csi.v1.GetPluginInfoRequest" in err.details()


def test_invalid_utf8_is_rejected_without_echoing_it(driver):
    # NodeUnpublishVolumeRequest{volume_id = "\xff\xfe-bad"} written by hand:
    # the Python protobuf runtime refuses to serialize invalid UTF-8.
    bad = b"\xff\xfe-bad"
    payload = bytes([0x0A, len(bad)]) + bad
    err = call_raw(driver, "/csi.v1.Node/NodeUnpublishVolume", payload)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "volume_id" in err.details() and "UTF-8" in err.details()
    assert "-bad" not in err.details()
    assert "-bad" not in driver.log()


def test_invalid_utf8_in_a_map_names_the_field(driver):
    # NodeStageVolumeRequest{volume_id="v", volume_context={"k": "\xc0\xaf"}}
    entry = b"\x0a\x01k" + b"\x12\x02\xc0\xaf"
    payload = b"\x0a\x01v" + bytes([0x32, len(entry)]) + entry
    err = call_raw(driver, "/csi.v1.Node/NodeStageVolume", payload)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "volume_context" in err.details() and "UTF-8" in err.details()


def test_known_but_unimplemented_method_is_unimplemented(driver):
    with pytest.raises(grpc.RpcError) as e:
        driver.node.NodeExpandVolume(csi_pb2.NodeExpandVolumeRequest(volume_id="v1"), timeout=5)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "/csi.v1.Node/NodeExpandVolume" in e.value.details()


def test_oversized_request_is_resource_exhausted(driver):
    req = csi_pb2.CreateVolumeRequest(name="big", parameters={"k": "x" * (5 << 20)})
    with pytest.raises(grpc.RpcError) as e:
        driver.controller.CreateVolume(req, timeout=10)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_overlong_volume_id_is_invalid_argument_before_locking(testd):
    from conftest import testsvc_pb2
    with pytest.raises(grpc.RpcError) as e:
        testd.test.Sleep(testsvc_pb2.SleepRequest(volume_id="v" * 129), timeout=5)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "128" in e.value.details()
