"""Fixtures that start the real tensorpool-csi binary and talk CSI to it.

Each driver gets a short private directory under /tmp (unix socket paths are
limited to 107 bytes), its log in a file, and is stopped by PID at teardown,
where the test also checks that it exited 0 and that the sanitizers were
silent. Binaries come from TP_CSI_BIN / TP_CSI_TESTD (the Makefile points
them at the ASan+UBSan builds).
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build" / "py"))

import csi_pb2  # noqa: E402
import csi_pb2_grpc  # noqa: E402
import testsvc_pb2  # noqa: E402
import testsvc_pb2_grpc  # noqa: E402
from emulator import emu_dir, private_dir, start_emulator, stop_process  # noqa: E402,F401 (fixtures for every test file)

CSI_BIN = os.environ.get("TP_CSI_BIN", str(ROOT / "build" / "asan" / "tensorpool-csi"))
TESTD_BIN = os.environ.get("TP_CSI_TESTD", str(ROOT / "build" / "asan" / "tensorpool-csi-testd"))
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")


def sanitizer_env(extra=None):
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=86")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    env["LSAN_OPTIONS"] = "suppressions=%s" % (ROOT / "tests" / "lsan.supp")
    for key in [k for k in env if k.startswith(("CSI_", "TENSORPOOL_"))]:
        del env[key]
    # hermetic: a driver's background API checks hit a closed local port, never the internet
    env["TENSORPOOL_ENGINE"] = "http://127.0.0.1:9"
    env.update(extra or {})
    return env


def run_cli(args, env=None, stdin=None, timeout=30, binary=None):
    """Runs the binary once (a usage error, `call`, `tp`, ...) and fails the
    test on any sanitizer report, whatever the exit code."""
    res = subprocess.run([binary or CSI_BIN, *args], capture_output=True, text=True, timeout=timeout,
                         env=sanitizer_env(env), input=stdin)
    for mark in SANITIZER_MARKS:
        assert mark not in res.stderr, res.stderr
    assert res.returncode != 86, res.stderr
    return res


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    """One running tensorpool-csi process and a channel to it."""

    def __init__(self, workdir, args, binary, env, endpoint=None, wrapper=None):
        self.dir = workdir
        self.sock = workdir / "plugin" / "csi.sock"
        self.endpoint = endpoint or "unix://%s" % self.sock
        self.log_path = workdir / "driver.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [*(wrapper or []), binary, "--endpoint", self.endpoint, *args],
            stdout=self._log, stderr=subprocess.STDOUT, env=sanitizer_env(env))
        self.channel = grpc.insecure_channel(self.endpoint)
        self.identity = csi_pb2_grpc.IdentityStub(self.channel)
        self.controller = csi_pb2_grpc.ControllerStub(self.channel)
        self.node = csi_pb2_grpc.NodeStub(self.channel)
        self.test = testsvc_pb2_grpc.TestStub(self.channel)
        self.returncode = None

    def wait_ready(self, timeout=15):
        # Connecting before the socket exists would put the channel into
        # reconnect backoff (1 s and growing), so wait for the file first.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("driver exited %d:\n%s" % (self.proc.returncode, self.log()))
            if not self.endpoint.startswith("unix://") or self.sock.is_socket():
                self.identity.Probe(csi_pb2.ProbeRequest(), timeout=timeout, wait_for_ready=True)
                return self
            time.sleep(0.01)
        raise AssertionError("driver not ready in %ss:\n%s" % (timeout, self.log()))

    def raw(self, method):
        """A callable sending raw bytes to method and returning raw bytes."""
        return self.channel.unary_unary(method, request_serializer=None, response_deserializer=None)

    def log(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.returncode is None:
            self.returncode = stop_process(self.proc, sig, timeout, "driver", self.log)
            self.channel.close()
            self._log.close()
        return self.returncode


@pytest.fixture
def workdir():
    yield from private_dir("tpcsi-")


@pytest.fixture
def start_driver(workdir):
    """start_driver(*args, testd=False, env=None, wait=True, wrapper=None) -> Driver.

    wrapper: a command that execs the driver (e.g. ["unshare", "-m",
    "--propagation", "private"] for a private mount namespace); it must exec,
    not fork, so the Driver's pid stays the driver's.

    Teardown stops every driver still running and asserts it exited 0 with
    clean sanitizer output."""
    started = []

    def start(*args, testd=False, env=None, wait=True, endpoint=None, wrapper=None):
        sub = workdir / ("d%d" % len(started))
        sub.mkdir(exist_ok=True)
        d = Driver(sub, list(args), TESTD_BIN if testd else CSI_BIN, env, endpoint, wrapper=wrapper)
        started.append(d)
        return d.wait_ready() if wait else d

    yield start
    for d in started:
        stopped_by_test = d.returncode is not None
        rc = d.stop()
        log = d.log_path.read_text(errors="replace")
        for mark in SANITIZER_MARKS:
            assert mark not in log, log
        if not stopped_by_test:
            assert rc == 0, "driver exit %s:\n%s" % (rc, log)


@pytest.fixture
def driver(start_driver):
    return start_driver("--node-id", "node-1")


@pytest.fixture
def testd(start_driver):
    return start_driver("--node-id", "node-1", testd=True)
