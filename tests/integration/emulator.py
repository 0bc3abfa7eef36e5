"""The TensorPool API emulator as a test fixture: start_emulator(*flags)
starts build/tp-emulator on a free port in a private directory and stops it
by PID at teardown (asserting exit 0). Used by the emulator's own tests and
by the TensorPool client tests."""
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EMU_BIN = os.environ.get("TP_EMULATOR_BIN", str(ROOT / "build" / "tp-emulator"))
KEY = "emu-test-key"
FAST = ("--provisioning-delay-ms", "200", "--retry-after", "0")


def stop_process(proc, sig, timeout, what, log):
    """Signals proc by PID and waits for it; kills it and fails the test if
    it does not exit within timeout. Returns its exit code."""
    if proc.poll() is None:
        os.kill(proc.pid, sig)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("%s did not stop within %ss:\n%s" % (what, timeout, log()))


class Emulator:
    """One running tp-emulator process."""

    def __init__(self, workdir, name, args):
        self.dir = workdir
        self.port_file = workdir / ("%s.port" % name)
        self.log_path = workdir / ("%s.log" % name)
        self._log = open(self.log_path, "wb")
        env = {k: v for k, v in os.environ.items() if k != "TENSORPOOL_KEY"}
        self.proc = subprocess.Popen(
            [EMU_BIN, "--port", "0", "--port-file", str(self.port_file), *args],
            stdout=self._log, stderr=subprocess.STDOUT, env=env)
        self.returncode = None
        self.port = self._wait_port()
        self.url = "http://127.0.0.1:%d" % self.port

    def _wait_port(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("emulator exited %d:\n%s" % (self.proc.returncode, self.log()))
            if self.port_file.exists():
                text = self.port_file.read_text().strip()
                if text:
                    return int(text)
            time.sleep(0.01)
        raise AssertionError("emulator did not publish its port:\n" + self.log())

    def log(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def raw(self, method, path, body=None, key=KEY, timeout=5.0, headers=None):
        """(status, headers dict with lower-case names, raw body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        hdrs = dict(headers or {})
        if key is not None:
            hdrs["Authorization"] = "Bearer " + key
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def call(self, method, path, body=None, **kw):
        """(status, headers, parsed JSON body or None when empty)."""
        status, headers, data = self.raw(method, path, body, **kw)
        return status, headers, (json.loads(data) if data else None)

    def ok(self, method, path, body=None, expect=200, **kw):
        status, _, reply = self.call(method, path, body, **kw)
        assert status == expect, (method, path, status, reply)
        return reply

    def create(self, size=10, name=None, **extra):
        body = {"size": size, "name": name, "deletion_protection": False}
        body.update(extra)
        return self.ok("POST", "/storage/create", body, expect=202)

    def wait_request(self, request_id, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.ok("GET", "/request/info/" + request_id)
            if info["status"] in ("COMPLETED", "FAILED"):
                return info
            time.sleep(0.03)
        raise AssertionError("request %s never ended" % request_id)

    def volumes(self):
        """The structured volume list (needs list-format structured or both)."""
        return {v["storage_id"]: v for v in self.ok("GET", "/storage/list")["volumes"]}

    def admin(self, method, path, body=None):
        return self.ok(method, "/_emulator/" + path, body, key=None)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.returncode is None:
            self.returncode = stop_process(self.proc, sig, timeout, "emulator", self.log)
            self._log.close()
        return self.returncode


def private_dir(prefix):
    """A fresh directory under /tmp (short: unix socket paths are limited to
    107 bytes), removed afterwards; for fixtures to `yield from`."""
    d = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def emu_dir():
    yield from private_dir("tpemu-")


@pytest.fixture
def start_emulator(emu_dir):
    """start_emulator(*args, state=True, key=True) -> Emulator.

    state=True adds --state <dir>/state.json; key=True adds --api-key.
    Teardown stops every emulator still running and asserts exit 0."""
    started = []

    def start(*args, state=True, key=True):
        full = list(args)
        if state:
            full += ["--state", str(emu_dir / "state.json")]
        if key:
            full += ["--api-key", KEY]
        emu = Emulator(emu_dir, "emu%d" % len(started), full)
        started.append(emu)
        return emu

    yield start
    for emu in started:
        stopped_by_test = emu.returncode is not None
        rc = emu.stop()
        if not stopped_by_test:
            assert rc == 0, "emulator exit %s:\n%s" % (rc, emu.log())


