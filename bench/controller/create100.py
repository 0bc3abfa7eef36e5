#!/usr/bin/python3
"""N concurrent CreateVolume (type=shared, mode=volume) through the driver
against the emulator, then N DeleteVolume; prints a Markdown row with the
wall time of each phase and the API calls per volume (emulator stats).

usage: create100.py CSI_ENDPOINT EMULATOR_URL N"""
import concurrent.futures
import json
import sys
import time
import urllib.request
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "build" / "py"))
import csi_pb2  # noqa: E402
import csi_pb2_grpc  # noqa: E402

endpoint, emu, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
stub = csi_pb2_grpc.ControllerStub(grpc.insecure_channel(endpoint))
cap = csi_pb2.VolumeCapability(mount=csi_pb2.VolumeCapability.MountVolume(),
                               access_mode=csi_pb2.VolumeCapability.AccessMode(mode=5))


def stats():
    with urllib.request.urlopen(emu + "/_emulator/stats", timeout=10) as r:
        return json.loads(r.read())


def calls(before, after, prefixes):
    return sum(v - before["by_route"].get(k, 0) for k, v in after["by_route"].items()
               if k.split(" ")[1].startswith(prefixes))


def create(i):
    req = csi_pb2.CreateVolumeRequest(
        name="bench-%03d" % i, volume_capabilities=[cap],
        capacity_range=csi_pb2.CapacityRange(required_bytes=10 ** 9),
        parameters={"type": "shared", "mode": "volume", "onDelete": "delete"})
    return stub.CreateVolume(req, timeout=120).volume.volume_id


def delete(vid):
    stub.DeleteVolume(csi_pb2.DeleteVolumeRequest(volume_id=vid), timeout=120)


def phase(fn, items):
    before, t0 = stats(), time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        out = list(pool.map(fn, items))
    return out, time.monotonic() - t0, before, stats()


ids, t_create, b1, a1 = phase(create, range(n))
_, t_delete, b2, a2 = phase(delete, ids)
print("| %d | %.1f s | %.1f | %.1f | %.1f s | %.1f | %.1f |" % (
    n, t_create, calls(b1, a1, ("/storage/list", "/storage/create", "/storage/info")) / n,
    calls(b1, a1, ("/request/",)) / n, t_delete, calls(b2, a2, ("/storage/",)) / n,
    calls(b2, a2, ("/request/",)) / n))
