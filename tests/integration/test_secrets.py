"""Secrets never reach the log, at any level, nor a status message.

Every request type of the registered CSI services that has a csi_secret
field is sent with each secret filled with a unique marker (in map keys and
values). The fields are found from the proto's own csi_secret option, so a
new secret field in a later spec is covered without editing this test."""
import grpc
import pytest

from conftest import csi_pb2


def secret_requests():
    """(method path, request message) for every method whose request has
    csi_secret fields, each filled with markers."""
    out = []
    for svc in csi_pb2.DESCRIPTOR.services_by_name.values():
        if svc.name == "SnapshotMetadata":
            continue  # streaming; not served
        for m in svc.methods:
            cls = getattr(csi_pb2, m.input_type.name)
            secret = [f for f in m.input_type.fields if f.GetOptions().Extensions[csi_pb2.csi_secret]]
            if not secret:
                continue
            req = cls()
            for f in m.input_type.fields:
                if f.name.endswith("_id") and f.type == f.TYPE_STRING and f not in secret:
                    setattr(req, f.name, "vol-%s" % m.name.lower())
            if "name" in m.input_type.fields_by_name:
                req.name = "name-%s" % m.name.lower()
            for f in secret:
                marker = "S3CR3T-%s-%s" % (m.name, f.name)
                if f.message_type is not None:  # map<string,string>
                    getattr(req, f.name)[marker + "-key"] = marker + "-value"
                else:
                    setattr(req, f.name, marker)
            out.append(("/csi.v1.%s/%s" % (svc.name, m.name), req))
    return out


def test_every_secret_field_of_csi_is_exercised():
    fields = sum(len([f for f in r.DESCRIPTOR.fields if f.GetOptions().Extensions[csi_pb2.csi_secret]])
                 for _, r in secret_requests())
    assert fields >= 15  # request-side csi_secret fields of csi.v1 (v1.12)


@pytest.mark.parametrize("level", ["debug", "info", "warn", "error"])
def test_secrets_never_reach_the_log(start_driver, level):
    d = start_driver("--log-level", level, "--mode", "all")
    for path, req in secret_requests():
        call = d.channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                     response_deserializer=None)
        try:
            call(req, timeout=5)
        except grpc.RpcError as e:
            assert "S3CR3T" not in (e.details() or "")
    rc = d.stop()
    assert rc == 0
    log = d.log()
    assert "S3CR3T" not in log
    if level == "debug":
        served = [p for p, _ in secret_requests() if "GroupController" not in p]
        for path in served:
            assert "%s request" % path in log
        assert log.count("***stripped***") >= len(served)
