"""Worker pool, per-volume in-flight locks, deadlines and cancellation, seen
through the test-only Sleep handler of tensorpool-csi-testd."""
import re
import subprocess
import statistics
import time

import grpc
import pytest

from conftest import csi_pb2, testsvc_pb2


def sleep_req(vol, ms):
    return testsvc_pb2.SleepRequest(volume_id=vol, sleep_ms=ms)


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def rpc_lines(log, method="Sleep"):
    return [l for l in log.splitlines() if " rpc: method=" in l and method in l]


def test_probe_stays_fast_while_8_calls_block_for_2s(testd):
    slow = [testd.test.Sleep.future(sleep_req("slow-%d" % i, 2000), timeout=30) for i in range(8)]
    time.sleep(0.2)
    latencies = []
    for _ in range(300):
        t0 = time.perf_counter()
        assert testd.identity.Probe(csi_pb2.ProbeRequest(), timeout=5).ready.value
        latencies.append(time.perf_counter() - t0)
    assert not any(f.done() for f in slow), "the slow calls must still be blocked while Probe is measured"
    p99 = statistics.quantiles(latencies, n=100)[98]
    assert p99 < 0.010, "Probe p99 %.2f ms behind 8 blocked calls" % (p99 * 1000)
    for f in slow:
        assert f.result().slept_ms >= 2000


def test_second_call_on_the_same_volume_is_aborted(testd):
    first = testd.test.Sleep.future(sleep_req("vol-a", 1000), timeout=10)
    time.sleep(0.2)
    with pytest.raises(grpc.RpcError) as e:
        testd.test.Sleep(sleep_req("vol-a", 0), timeout=5)
    assert e.value.code() == grpc.StatusCode.ABORTED
    assert "vol-a" in e.value.details() and "in progress" in e.value.details()
    testd.test.Sleep(sleep_req("vol-b", 0), timeout=5)  # other volumes are not blocked
    first.result()
    testd.test.Sleep(sleep_req("vol-a", 0), timeout=5)  # the lock is released after the call


def test_full_worker_pool_answers_unavailable(start_driver):
    d = start_driver("--workers", "2", "--queue-depth", "1", testd=True)
    accepted = [d.test.Sleep.future(sleep_req("p-%d" % i, 1000), timeout=10) for i in range(3)]
    time.sleep(0.3)
    t0 = time.monotonic()
    with pytest.raises(grpc.RpcError) as e:
        d.test.Sleep(sleep_req("p-extra", 0), timeout=5)
    assert e.value.code() == grpc.StatusCode.UNAVAILABLE
    assert time.monotonic() - t0 < 0.5, "refusal must be immediate, not queued"
    assert [f.result().slept_ms >= 1000 for f in accepted] == [True] * 3
    d.test.Sleep(sleep_req("p-extra", 0), timeout=5)  # the lock of the refused call was released


def test_handler_sees_the_call_deadline(testd):
    left = testd.test.Sleep(sleep_req("dl", 0), timeout=5).deadline_left_ms
    assert 4000 < left <= 5100  # grpc-timeout is sent rounded up
    no_deadline = testd.test.Sleep(sleep_req("dl", 0)).deadline_left_ms  # capped at 10 minutes
    assert 590000 < no_deadline <= 600000


def test_deadline_stops_the_handler_and_frees_the_volume(testd):
    with pytest.raises(grpc.RpcError) as e:
        testd.test.Sleep(sleep_req("dl-vol", 10000), timeout=0.3)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert wait_for(lambda: "code=DEADLINE_EXCEEDED" in testd.log(), 2), testd.log()
    line = [l for l in rpc_lines(testd.log()) if "DEADLINE_EXCEEDED" in l][0]
    assert float(re.search(r"duration_ms=([\d.]+)", line).group(1)) < 2000
    testd.test.Sleep(sleep_req("dl-vol", 0), timeout=5)


def test_client_cancel_stops_the_handler_and_frees_the_volume(testd):
    fut = testd.test.Sleep.future(sleep_req("c-vol", 10000), timeout=30)
    time.sleep(0.3)
    assert fut.cancel()
    assert wait_for(lambda: "code=CANCELLED" in testd.log(), 2), testd.log()
    line = [l for l in rpc_lines(testd.log()) if "CANCELLED" in l][0]
    assert "volume_id=c-vol" in line
    assert float(re.search(r"duration_ms=([\d.]+)", line).group(1)) < 2000
    testd.test.Sleep(sleep_req("c-vol", 0), timeout=5)


def test_call_cancelled_while_queued_frees_its_volume_at_once(start_driver):
    d = start_driver("--workers", "1", "--queue-depth", "4", testd=True)
    busy = d.test.Sleep.future(sleep_req("busy", 1500), timeout=10)
    time.sleep(0.2)
    with pytest.raises(grpc.RpcError) as e:
        d.test.Sleep(sleep_req("queued", 10), timeout=0.3)  # waits behind "busy", then times out
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    t0 = time.monotonic()
    fut = d.test.Sleep.future(sleep_req("queued", 0), timeout=10)  # not ABORTED: the lock went with the call
    assert fut.result().slept_ms == 0
    assert time.monotonic() - t0 < 2.0
    assert busy.result().slept_ms >= 1500


def test_nul_byte_in_an_id_is_rejected_not_truncated(testd):
    # SleepRequest{volume_id = "vol\0one"} by hand: the id must not become "vol"
    payload = b"\x0a\x07vol\x00one"
    with pytest.raises(grpc.RpcError) as e:
        testd.raw("/tensorpool.test.v1.Test/Sleep")(payload, timeout=5)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "volume_id contains a NUL byte" in e.value.details()


def test_a_deadline_centuries_away_is_no_deadline(testd):
    # "grpc-timeout: 99999999H" (~11,000 years) is legal and overflows naive
    # nanosecond arithmetic; gRPC clients clamp it, so curl sends it raw.
    # The ASan+UBSan server would report the overflow; the fixture checks.
    res = subprocess.run(["curl", "-s", "--unix-socket", str(testd.sock), "--http2-prior-knowledge",
                          "-H", "content-type: application/grpc", "-H", "te: trailers",
                          "-H", "grpc-timeout: 99999999H", "--data-binary", "@-", "-o", "/dev/null",
                          "-w", "%{http_code}", "http://localhost/csi.v1.Identity/Probe"],
                         input=b"\0\0\0\0\0", capture_output=True, timeout=10)
    assert res.stdout == b"200"
    assert testd.identity.Probe(csi_pb2.ProbeRequest(), timeout=5).ready.value
