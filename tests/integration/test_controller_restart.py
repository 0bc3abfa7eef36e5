"""A controller killed in the middle of a CreateVolume loses nothing: the
provisioner's retry, served by a new controller, finds the volume by name
instead of creating a second one."""
import signal
import time

import grpc
import pytest

from conftest import csi_pb2
from emulator import KEY

CAP = csi_pb2.VolumeCapability(mount=csi_pb2.VolumeCapability.MountVolume(),
                               access_mode=csi_pb2.VolumeCapability.AccessMode(mode=5))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_create_interrupted_by_a_restart_makes_one_volume(start_emulator, start_driver, sig):
    emu = start_emulator("--provisioning-delay-ms", "3000", "--retry-after", "0")
    args = ("--mode", "controller", "--tensorpool-engine", emu.url, "--grace-period", "0")
    req = csi_pb2.CreateVolumeRequest(name="pvc-restart", volume_capabilities=[CAP],
                                      capacity_range=csi_pb2.CapacityRange(required_bytes=10 ** 9),
                                      parameters={"type": "shared", "mode": "volume"})
    first = start_driver(*args, env={"TENSORPOOL_KEY": KEY})
    fut = first.controller.CreateVolume.future(req, timeout=60)
    deadline = time.monotonic() + 10
    while not emu.admin("GET", "stats")["by_route"].get("POST /storage/create") and time.monotonic() < deadline:
        time.sleep(0.05)
    first.proc.send_signal(sig)  # the create was sent; its answer never reaches the CO
    first.stop()
    with pytest.raises(grpc.RpcError):
        fut.result()
    second = start_driver(*args, env={"TENSORPOOL_KEY": KEY})
    vol = second.controller.CreateVolume(req, timeout=60).volume
    assert vol.volume_id.startswith("shared/s-")
    assert emu.admin("GET", "stats")["by_route"]["POST /storage/create"] == 1
    names = [v["name"] for v in emu.ok("GET", "/storage/list")["volumes"]]
    assert names == ["pvc-restart"]
