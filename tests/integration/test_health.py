"""Probe follows the TensorPool API's reachability in controller mode:
not ready once it has been unreachable for --unready-after, ready again
when it answers; node mode does not depend on it."""
import time

from conftest import csi_pb2, free_port
from emulator import KEY


def ready(driver):
    return driver.identity.Probe(csi_pb2.ProbeRequest(), timeout=5).ready.value


def wait_ready(driver, want, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready(driver) == want:
            return True
        time.sleep(0.1)
    return False


def test_probe_follows_api_reachability(start_emulator, start_driver):
    port = free_port()
    emu = start_emulator("--port", str(port))
    d = start_driver("--mode", "controller", "--tensorpool-engine", emu.url, "--unready-after", "1",
                     env={"TENSORPOOL_KEY": KEY})
    assert ready(d)
    time.sleep(1.5)
    assert ready(d), "a reachable API keeps Probe ready"
    assert emu.stop() == 0
    assert wait_ready(d, False), "Probe must turn not-ready once the API is gone for 1 s"
    assert "TensorPool API unreachable" in d.log()
    start_emulator("--port", str(port))
    assert wait_ready(d, True), "Probe must recover when the API answers again"


def test_node_mode_probe_ignores_the_api(start_driver):
    d = start_driver("--mode", "node", "--node-id", "c-x/n1", "--tensorpool-engine", "http://127.0.0.1:9",
                     "--unready-after", "0.5")
    time.sleep(1.2)
    assert ready(d)


def test_shutdown_does_not_wait_for_a_hanging_api(start_emulator, start_driver):
    emu = start_emulator("--hang-rate", "1", "--hang-ms", "20000")
    d = start_driver("--mode", "controller", "--tensorpool-engine", emu.url, "--unready-after", "4",
                     env={"TENSORPOOL_KEY": KEY})
    time.sleep(1.0)  # a health check is now stuck in a 20 s answer
    t0 = time.monotonic()
    assert d.stop() == 0
    assert time.monotonic() - t0 < 4, "the in-flight API call must be abandoned at shutdown"
