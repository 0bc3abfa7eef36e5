"""Graceful shutdown: calls in flight finish within the grace period, the
rest are cancelled, the process exits 0, nothing new is accepted."""
import signal
import time

import grpc
import pytest

from conftest import csi_pb2, testsvc_pb2


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_call_in_flight_finishes_then_exit_0(testd, sig):
    fut = testd.test.Sleep.future(testsvc_pb2.SleepRequest(volume_id="v", sleep_ms=1000), timeout=30)
    time.sleep(0.2)
    testd.proc.send_signal(sig)
    assert fut.result().slept_ms >= 1000
    assert testd.stop() == 0
    log = testd.log()
    assert "draining" in log and "stopped" in log
    assert not testd.sock.exists()


def test_calls_past_the_grace_period_are_cancelled(start_driver):
    d = start_driver("--grace-period", "0.3", testd=True)
    fut = d.test.Sleep.future(testsvc_pb2.SleepRequest(volume_id="long", sleep_ms=30000), timeout=60)
    time.sleep(0.2)
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    with pytest.raises(grpc.RpcError):
        fut.result()
    assert d.stop() == 0
    assert time.monotonic() - t0 < 5
    assert "grace period of 300 ms over" in d.log()


def test_no_new_calls_once_draining(start_driver):
    d = start_driver("--grace-period", "5", testd=True)
    fut = d.test.Sleep.future(testsvc_pb2.SleepRequest(volume_id="hold", sleep_ms=1500), timeout=30)
    time.sleep(0.2)
    d.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    with pytest.raises(grpc.RpcError) as e:
        d.identity.Probe(csi_pb2.ProbeRequest(), timeout=2)
    assert e.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
    assert fut.result().slept_ms >= 1500
    assert d.stop() == 0
