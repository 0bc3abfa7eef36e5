#!/usr/bin/python3
"""Makes N calls of every kind the server answers (OK, UNIMPLEMENTED,
INVALID_ARGUMENT, unknown method) so valgrind sees every path run."""
import concurrent.futures
import sys
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "build" / "py"))
import csi_pb2  # noqa: E402
import testsvc_pb2  # noqa: E402

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


def sleep_call(i):
    """Blocking calls that overlap on volumes, overflow the pool, time out or get cancelled."""
    req = testsvc_pb2.SleepRequest(volume_id="v%d" % (i % 8), sleep_ms=300)
    fut = unary("/tensorpool.test.v1.Test/Sleep").future(req, timeout=0.2 if i % 4 == 0 else 30)
    if i % 4 == 1:
        time.sleep(0.05)
        fut.cancel()
    try:
        fut.result()
        return "OK"
    except grpc.FutureCancelledError:
        return "CANCELLED"
    except grpc.RpcError as e:
        return e.code().name


with concurrent.futures.ThreadPoolExecutor(8) as pool:
    for code in pool.map(sleep_call, range(48)):
        codes["Sleep " + code] = codes.get("Sleep " + code, 0) + 1
print("valgrind client: %d calls + 48 Sleep calls in %.1fs: %s"
      % (total, time.monotonic() - t0, ", ".join("%s=%d" % kv for kv in sorted(codes.items()))))
ch.close()
