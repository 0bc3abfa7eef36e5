#!/usr/bin/python3
"""Makes N calls of every kind the server answers (OK, UNIMPLEMENTED,
INVALID_ARGUMENT, unknown method) so valgrind sees every path run."""
import sys
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "build" / "py"))
import csi_pb2  # noqa: E402

endpoint, total = sys.argv[1], int(sys.argv[2])
ch = grpc.insecure_channel(endpoint)
grpc.channel_ready_future(ch).result(timeout=120)


def unary(path, resp=None):
    return ch.unary_unary(path, request_serializer=lambda m: m if isinstance(m, bytes) else m.SerializeToString(),
                          response_deserializer=resp)


calls = [
    (unary("/csi.v1.Identity/GetPluginInfo"), csi_pb2.GetPluginInfoRequest()),
    (unary("/csi.v1.Identity/Probe"), csi_pb2.ProbeRequest()),
    (unary("/csi.v1.Identity/GetPluginCapabilities"), csi_pb2.GetPluginCapabilitiesRequest()),
    (unary("/csi.v1.Node/NodeGetInfo"), csi_pb2.NodeGetInfoRequest()),
    (unary("/csi.v1.Controller/ControllerGetCapabilities"), csi_pb2.ControllerGetCapabilitiesRequest()),
    (unary("/csi.v1.Controller/CreateVolume"),
     csi_pb2.CreateVolumeRequest(name="v", secrets={"k": "s"}, parameters={"a": "b"})),
    (unary("/csi.v1.Node/NodeUnpublishVolume"), b"\x0a\x02\xff\xfe"),
    (unary("/csi.v1.Identity/Probe"), b"\xff\xff\xff"),
    (unary("/csi.v1.Nope/Nothing"), b""),
]
codes = {}
t0 = time.monotonic()
for i in range(total):
    fn, req = calls[i % len(calls)]
    try:
        fn(req, timeout=30)
        code = "OK"
    except grpc.RpcError as e:
        code = e.code().name
    codes[code] = codes.get(code, 0) + 1
print("valgrind client: %d calls in %.1fs: %s" % (total, time.monotonic() - t0,
                                                   ", ".join("%s=%d" % kv for kv in sorted(codes.items()))))
ch.close()
