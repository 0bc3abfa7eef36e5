"""Owning the endpoint: permissions, parent directory, stale sockets, a
second instance, things in the way, the debug TCP listener."""
import os
import socket
import stat
import time

import grpc

from conftest import csi_pb2, free_port, run_cli


def run_once(args, timeout=15):
    return run_cli(args, timeout=timeout)


def test_socket_is_0660_whatever_the_umask_in_a_created_directory(start_driver, workdir):
    old = os.umask(0)
    try:
        d = start_driver()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(d.sock).st_mode) == 0o660
    assert d.sock.parent.is_dir()


def test_stale_socket_is_replaced(start_driver, workdir):
    path = workdir / "d0" / "plugin" / "csi.sock"
    path.parent.mkdir(parents=True)
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()
    assert path.is_socket()
    d = start_driver()
    assert d.identity.Probe(csi_pb2.ProbeRequest(), timeout=5).ready.value


def test_second_instance_refuses_and_first_keeps_serving(driver):
    t0 = time.monotonic()
    res = run_once(["--endpoint", driver.endpoint])
    assert res.returncode == 1
    assert "another instance is already serving" in res.stderr
    assert time.monotonic() - t0 < 10
    assert driver.sock.is_socket()
    assert driver.identity.Probe(csi_pb2.ProbeRequest(), timeout=5).ready.value


def test_regular_file_in_the_way_is_left_alone(workdir):
    path = workdir / "not-a-socket"
    path.write_text("precious")
    res = run_once(["--endpoint", "unix://%s" % path])
    assert res.returncode == 1 and "is not a socket" in res.stderr
    assert path.read_text() == "precious"


def test_socket_is_removed_on_shutdown(driver):
    assert driver.stop() == 0
    assert not driver.sock.exists()


def test_debug_tcp_listener_serves_the_same_services(start_driver):
    port = free_port()
    d = start_driver("--debug-endpoint", "tcp://127.0.0.1:%d" % port)
    with grpc.insecure_channel("127.0.0.1:%d" % port) as ch:
        info = ch.unary_unary("/csi.v1.Identity/GetPluginInfo",
                              request_serializer=lambda m: m.SerializeToString(),
                              response_deserializer=csi_pb2.GetPluginInfoResponse.FromString)
        assert info(csi_pb2.GetPluginInfoRequest(), timeout=5, wait_for_ready=True).name == "csi.tensorpool.dev"
    assert d.identity.Probe(csi_pb2.ProbeRequest(), timeout=5).ready.value


def test_tcp_listener_must_be_loopback():
    for bad in ["tcp://0.0.0.0:1234", "tcp://10.1.2.3:1234", "tcp://127.0.0.1"]:
        res = run_once(["--debug-endpoint", bad])
        assert res.returncode == 2, bad
        assert res.stderr.splitlines()[0].startswith("tensorpool-csi: --debug-endpoint:")
