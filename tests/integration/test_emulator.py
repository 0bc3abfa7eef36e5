"""Tests of the TensorPool API emulator (build/tp-emulator).

The driver's TensorPool client is tested against this emulator, so these tests
pin down the wire contract it promises: paths, status codes, body fields, the
text formats inside "message", the async request life cycle, host directories,
persistence and fault injection. Each test starts its own emulator on a free
port (--port 0 --port-file) in a private temporary directory; the fixture stops
every emulator by PID with SIGTERM, asserts it exited 0 and removes the
directory. HTTP goes through http.client only (one connection per call), so a
dropped connection shows up as an exception, not a retry.
"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from emulator import EMU_BIN, FAST, KEY
TABLE_HEADER = "| ID | Name | Size (GB) | Status | Attached clusters | Deletion protection |"


@pytest.fixture
def emu(start_emulator):
    return start_emulator(*FAST)


def parse_table(message):
    """Rows of the list table as dicts keyed by the header cells."""
    lines = message.split("\n")
    assert re.fullmatch(r"Storage volumes \(\d+\):", lines[0]), lines[0]
    assert lines[1] == TABLE_HEADER
    assert lines[2] == "|---|---|---|---|---|---|"
    head = [c.strip() for c in lines[1].strip("|").split("|")]
    rows = [dict(zip(head, (c.strip() for c in ln.strip("|").split("|")))) for ln in lines[3:]]
    assert int(lines[0].split("(")[1].split(")")[0]) == len(rows)
    return {r["ID"]: r for r in rows}


def wait_for(predicate, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


# ---- command line ----

def test_help_and_bad_flags(emu_dir):
    out = subprocess.run([EMU_BIN, "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    for flag in ("--port", "--port-file", "--state", "--api-key", "--host-root", "--data-dir",
                 "--provisioning-delay-ms", "--retry-after", "--balance", "--list-format",
                 "--s3-endpoint", "--s3-region", "--s3-access-key", "--s3-secret-key", "--seed",
                 "--latency-ms", "--error-rate", "--rate-429", "--drop-rate", "--drop-after-rate",
                 "--hang-rate", "--hang-ms", "--fail-rate", "--log", "EMULATOR EXTENSION",
                 "/_emulator/faults", "/_emulator/config", "/_emulator/stats", "/_emulator/reset",
                 "/_emulator/buckets/{name}/objects", "mnt/<storage_id>"):
        assert flag in out.stdout, flag
    env = {k: v for k, v in os.environ.items() if k != "TENSORPOOL_KEY"}
    for args in (["--api-key", "k", "--port", "x"], ["--api-key", "k", "--error-rate", "2"],
                 ["--api-key", "k", "--list-format", "xml"], ["--api-key", "k", "--nope"], []):
        out = subprocess.run([EMU_BIN, *args], capture_output=True, text=True, timeout=10, env=env)
        assert out.returncode == 2, (args, out)
        first = out.stderr.splitlines()[0]
        assert first.startswith("tp-emulator: ") and "usage:" in out.stderr, out.stderr


def test_api_key_from_environment(emu_dir):
    port_file = emu_dir / "p"
    proc = subprocess.Popen([EMU_BIN, "--port", "0", "--port-file", str(port_file)],
                            env=dict(os.environ, TENSORPOOL_KEY="from-env"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: port_file.exists() and port_file.read_text().strip(), what="port file")
        conn = http.client.HTTPConnection("127.0.0.1", int(port_file.read_text()), timeout=5)
        conn.request("GET", "/storage/list", headers={"Authorization": "Bearer from-env"})
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(10) == 0


def test_corrupt_state_file_is_refused(emu_dir):
    state = emu_dir / "state.json"
    for text in ("{not json", '{"version": 2, "volumes": [], "requests": []}',
                 '{"version": 1, "volumes": [{"storage_id": 3}], "requests": []}'):
        state.write_text(text)
        out = subprocess.run([EMU_BIN, "--api-key", "k", "--state", str(state)],
                             capture_output=True, text=True, timeout=10)
        assert out.returncode == 1, out
        assert "state file" in out.stderr and "corrupt" in out.stderr, out.stderr


# ---- auth, routing, errors ----

def test_auth_and_routing(emu):
    assert emu.ok("GET", "/healthz", key=None) == {"status": "ok"}
    for key in (None, "wrong-key", ""):
        status, _, reply = emu.call("GET", "/storage/list", key=key)
        assert status == 401 and reply == {"message": "Invalid or missing API key"}
    status, _, _ = emu.call("GET", "/storage/list", key=None, headers={"Authorization": KEY})
    assert status == 401
    assert emu.ok("POST", "/health", {"package_version": "0.0.9", "uname": "x"}) == {"message": ""}
    status, _, reply = emu.call("GET", "/no/such/path")
    assert status == 404 and reply == {"detail": "Not Found"}
    status, headers, _ = emu.call("GET", "/storage/create")
    assert status == 405 and "POST" in headers["allow"]
    assert emu.ok("GET", "/_emulator/stats", key=None)["total"] >= 1


def test_malformed_bodies_get_422(emu):
    cases = [
        (b"{not json", None),
        (b"", None),
        (b"[1, 2]", None),
        ({"name": "x"}, "size"),
        ({"size": "10"}, "size"),
        ({"size": 10.5}, "size"),
        ({"size": 0}, "size"),
        ({"size": 1, "deletion_protection": "yes"}, "deletion_protection"),
        ({"size": 1, "name": 7}, "name"),
    ]
    for body, field in cases:
        status, _, reply = emu.call("POST", "/storage/create", body)
        assert status == 422, (body, status, reply)
        detail = reply["detail"]
        assert isinstance(detail, list) and detail
        assert all({"loc", "msg", "type"} <= set(d) for d in detail)
        assert detail[0]["loc"][0] == "body"
        if field:
            assert ["body", field] in [d["loc"] for d in detail], reply
    status, _, reply = emu.call("POST", "/storage/attach", {"storage_id": "s-x", "cluster_ids": "c-1"})
    assert status == 422 and reply["detail"][0]["loc"] == ["body", "cluster_ids"]
    status, _, reply = emu.call("POST", "/storage/detach", {"storage_id": "s-x"})
    assert status == 422 and reply["detail"][0]["loc"] == ["body", "cluster_id"]
    assert emu.volumes() == {}


# ---- storage life cycle ----

def test_create_request_lifecycle(start_emulator, emu_dir):
    # PENDING for the first 400 ms, PROCESSING until 1.2 s.
    emu = start_emulator("--provisioning-delay-ms", "1200", "--retry-after", "1")
    started = time.monotonic()
    created = emu.create(size=10, name="vol-a")
    assert re.fullmatch(r"s-[a-z0-9]{10}", created["storage_id"])
    assert re.fullmatch(r"req_[a-z0-9]{12}", created["request_id"])
    assert isinstance(created["message"], str)
    sid, rid = created["storage_id"], created["request_id"]

    status, headers, info = emu.call("GET", "/request/info/" + rid)
    assert status == 200 and time.monotonic() - started < 0.35
    assert info["status"] == "PENDING" and headers["retry-after"] == "1"
    assert info["request_type"] == "STORAGE_CREATE" and info["object_id"] == sid
    assert info["external_message"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", info["created_at"])
    assert emu.volumes()[sid]["status"] == "CREATING"

    time.sleep(max(0, started + 0.55 - time.monotonic()))
    status, headers, info = emu.call("GET", "/request/info/" + rid)
    assert info["status"] == "PROCESSING" and headers["retry-after"] == "1"
    assert emu.volumes()[sid]["status"] == "CREATING"

    info = emu.wait_request(rid)
    status, headers, info = emu.call("GET", "/request/info/" + rid)
    assert info["status"] == "COMPLETED" and "retry-after" not in headers
    assert emu.volumes()[sid] == {"storage_id": sid, "name": "vol-a", "size_gb": 10,
                                  "status": "READY", "deletion_protection": False,
                                  "attached_clusters": []}
    assert (emu_dir / "data" / sid).is_dir()
    status, _, reply = emu.call("GET", "/request/info/req_doesnotexist")
    assert status == 404 and "message" in reply


def test_effects_happen_without_polling(emu):
    sid = emu.create(size=3)["storage_id"]
    time.sleep(0.5)
    table = parse_table(emu.ok("GET", "/storage/list")["message"])
    assert table[sid]["Status"] == "READY"


def test_duplicate_names_are_allowed(emu):
    a = emu.create(size=1, name="same")["storage_id"]
    b = emu.create(size=1, name="same")["storage_id"]
    assert a != b and {emu.volumes()[a]["name"], emu.volumes()[b]["name"]} == {"same"}


def test_list_and_info_formats(start_emulator):
    emu = start_emulator(*FAST, "--list-format", "text")
    assert emu.ok("GET", "/storage/list") == {"message": "No storage volumes found."}
    a = emu.create(size=10, name="my-name")
    b = emu.create(size=20, deletion_protection=True)
    emu.wait_request(a["request_id"])
    emu.wait_request(b["request_id"])
    sa, sb = a["storage_id"], b["storage_id"]
    rid = emu.ok("POST", "/storage/attach", {"storage_id": sa, "cluster_ids": ["c-1"]},
                 expect=202)["request_ids"][0]
    emu.wait_request(rid)
    rid = emu.ok("POST", "/storage/attach", {"storage_id": sa, "cluster_ids": ["c-2"]},
                 expect=202)["request_ids"][0]
    emu.wait_request(rid)

    for path in ("/storage/list", "/storage/list?include_org=True", "/storage/list?include_org=true"):
        reply = emu.ok("GET", path)
        assert set(reply) == {"message"}
        rows = parse_table(reply["message"])
        assert rows[sa] == {"ID": sa, "Name": "my-name", "Size (GB)": "10", "Status": "READY",
                            "Attached clusters": "c-1, c-2", "Deletion protection": "No"}
        assert rows[sb] == {"ID": sb, "Name": "-", "Size (GB)": "20", "Status": "READY",
                            "Attached clusters": "-", "Deletion protection": "Yes"}
    info = emu.ok("GET", "/storage/info/" + sa)
    assert info == {"message": "Storage volume %s\nID: %s\nName: my-name\nSize: 10 GB\n"
                               "Status: READY\nAttached clusters: c-1, c-2\n"
                               "Deletion protection: No" % (sa, sa)}

    assert emu.admin("PUT", "config", {"list_format": "structured"})["list_format"] == "structured"
    reply = emu.ok("GET", "/storage/list")
    assert parse_table(reply["message"]).keys() == {sa, sb}
    vols = {v["storage_id"]: v for v in reply["volumes"]}
    assert vols[sb] == {"storage_id": sb, "name": None, "size_gb": 20, "status": "READY",
                        "deletion_protection": True, "attached_clusters": []}
    info = emu.ok("GET", "/storage/info/" + sb)
    assert "Name: -\n" in info["message"] and "Attached clusters: -\n" in info["message"]
    assert info["storage_info"] == vols[sb]
    assert vols[sa]["attached_clusters"] == ["c-1", "c-2"]
    status, _, reply = emu.call("GET", "/storage/info/s-nosuchvol0")
    assert status == 404 and "message" in reply

    emu.admin("PUT", "config", {"list_format": "both"})
    assert "volumes" in emu.ok("GET", "/storage/list")
    status, _, reply = emu.call("PUT", "/_emulator/config", {"list_format": "xml"}, key=None)
    assert status == 422


def test_edit_grow_rename_and_refuse_shrink(emu):
    created = emu.create(size=10, name="before")
    sid = created["storage_id"]
    emu.wait_request(created["request_id"])
    status, _, reply = emu.call("PATCH", "/storage/edit/" + sid, {"size_gb": 5})
    assert status == 400 and "cannot shrink" in reply["message"]
    for body in ({}, b"", {"size_gb": "20"}, {"tp_storage_name": None}):
        status, _, reply = emu.call("PATCH", "/storage/edit/" + sid, body)
        assert status == 422, (body, reply)
    status, _, _ = emu.call("PATCH", "/storage/edit/s-nosuchvol0", {"size_gb": 50})
    assert status == 404

    reply = emu.ok("PATCH", "/storage/edit/" + sid,
                   {"size_gb": 25, "tp_storage_name": "after", "deletion_protection": True},
                   expect=202)
    assert set(reply) >= {"request_id", "message"}
    assert emu.volumes()[sid]["size_gb"] == 10  # applied when the request completes
    info = emu.wait_request(reply["request_id"])
    assert info["request_type"] == "STORAGE_EDIT" and info["status"] == "COMPLETED"
    vol = emu.volumes()[sid]
    assert (vol["size_gb"], vol["name"], vol["deletion_protection"]) == (25, "after", True)


def test_deletion_protection_and_destroy(emu, emu_dir):
    created = emu.create(size=1, deletion_protection=True)
    sid = created["storage_id"]
    emu.wait_request(created["request_id"])
    status, _, reply = emu.call("DELETE", "/storage/" + sid)
    assert status == 409
    assert reply == {"message": "Deletion protection is enabled for storage volume %s" % sid}
    rid = emu.ok("PATCH", "/storage/edit/" + sid, {"deletion_protection": False},
                 expect=202)["request_id"]
    emu.wait_request(rid)

    reply = emu.ok("DELETE", "/storage/" + sid, expect=202)
    assert reply["storage_id"] == sid and reply["request_id"] and reply["message"]
    assert emu.volumes()[sid]["status"] == "DELETING"
    status, _, _ = emu.call("DELETE", "/storage/" + sid)
    assert status == 409
    info = emu.wait_request(reply["request_id"])
    assert info["request_type"] == "STORAGE_DESTROY" and info["status"] == "COMPLETED"
    assert sid not in emu.volumes()
    assert not (emu_dir / "data" / sid).exists()
    status, _, _ = emu.call("DELETE", "/storage/" + sid)
    assert status == 404


def test_attach_detach_host_directories(start_emulator, emu_dir):
    host = emu_dir / "host"
    emu = start_emulator(*FAST, "--host-root", str(host))
    created = emu.create(size=5)
    sid = created["storage_id"]
    data, mnt = emu_dir / "data" / sid, host / "mnt" / sid
    emu.wait_request(created["request_id"])
    assert data.is_dir() and not mnt.exists()

    def attach(cluster, expect=202):
        status, _, reply = emu.call("POST", "/storage/attach",
                                    {"storage_id": sid, "cluster_ids": [cluster]})
        assert status == expect, reply
        return reply

    def detach(cluster, expect=202):
        status, _, reply = emu.call("POST", "/storage/detach",
                                    {"storage_id": sid, "cluster_id": cluster})
        assert status == expect, reply
        return reply

    reply = attach("c-one")
    assert reply["storage_id"] == sid and reply["cluster_ids"] == ["c-one"]
    assert len(reply["request_ids"]) == 1 and reply["message"]
    attach("c-one", expect=409)  # attach already pending
    info = emu.wait_request(reply["request_ids"][0])
    assert info["request_type"] == "STORAGE_ATTACH" and info["status"] == "COMPLETED"
    assert mnt.is_dir() and not data.exists()
    (mnt / "keep.txt").write_text("survives detach")
    attach("c-one", expect=409)
    emu.wait_request(attach("c-two")["request_ids"][0])
    assert emu.volumes()[sid]["attached_clusters"] == ["c-one", "c-two"]

    status, _, reply = emu.call("DELETE", "/storage/" + sid)
    assert status == 409 and "detach" in reply["message"]

    status, _, _ = emu.call("POST", "/storage/attach", {"storage_id": sid, "cluster_ids": []})
    assert status == 400
    status, _, _ = emu.call("POST", "/storage/attach",
                            {"storage_id": sid, "cluster_ids": ["c-3", "c-4"]})
    assert status == 400
    attach("not-a-cluster", expect=404)
    status, _, _ = emu.call("POST", "/storage/attach",
                            {"storage_id": "s-nosuchvol0", "cluster_ids": ["c-1"]})
    assert status == 404
    status, _, _ = emu.call("POST", "/storage/detach",
                            {"storage_id": "s-nosuchvol0", "cluster_id": "c-1"})
    assert status == 404
    detach("c-three", expect=409)

    reply = detach("c-one")
    assert reply["storage_id"] == sid and reply["cluster_id"] == "c-one" and reply["request_id"]
    info = emu.wait_request(reply["request_id"])
    assert info["request_type"] == "STORAGE_DETACH" and info["status"] == "COMPLETED"
    assert mnt.is_dir()  # still attached to c-two
    emu.wait_request(detach("c-two")["request_id"])
    assert not mnt.exists() and (data / "keep.txt").read_text() == "survives detach"
    assert emu.volumes()[sid]["attached_clusters"] == []

    emu.wait_request(attach("c-one")["request_ids"][0])
    assert (mnt / "keep.txt").read_text() == "survives detach"
    emu.wait_request(detach("c-one")["request_id"])
    emu.wait_request(emu.ok("DELETE", "/storage/" + sid, expect=202)["request_id"])
    assert not mnt.exists() and not data.exists()


def test_attach_needs_ready_volume(start_emulator):
    emu = start_emulator("--provisioning-delay-ms", "3000", "--retry-after", "0")
    sid = emu.create(size=1)["storage_id"]
    status, _, reply = emu.call("POST", "/storage/attach", {"storage_id": sid, "cluster_ids": ["c-1"]})
    assert status == 409 and "CREATING" in reply["message"]


def test_balance_402(start_emulator):
    # 24 h of 10 GB at $0.10/GB/month is about $0.033; of 1 GB about $0.0033.
    emu = start_emulator(*FAST, "--balance", "0.01")
    status, _, reply = emu.call("POST", "/storage/create", {"size": 10})
    assert status == 402 and reply["message"].startswith("Insufficient balance")
    assert emu.volumes() == {}
    emu.create(size=1)
    emu.admin("PUT", "config", {"balance": None})
    emu.create(size=10000)
    assert emu.admin("GET", "config")["balance"] is None
    emu.admin("PUT", "config", {"balance": 0})
    status, _, _ = emu.call("POST", "/storage/create", {"size": 1})
    assert status == 402


def test_failed_requests_remove_created_volume(start_emulator):
    emu = start_emulator(*FAST, "--fail-rate", "1")
    created = emu.create(size=2)
    info = emu.wait_request(created["request_id"])
    assert info["status"] == "FAILED" and info["external_message"]
    assert created["storage_id"] not in emu.volumes()
    status, _, _ = emu.call("GET", "/storage/info/" + created["storage_id"])
    assert status == 404

    emu.admin("PUT", "faults", {"fail_rate": 0})
    created = emu.create(size=2)
    emu.wait_request(created["request_id"])
    sid = created["storage_id"]
    emu.admin("PUT", "faults", {"fail_rate": 1})
    rid = emu.ok("DELETE", "/storage/" + sid, expect=202)["request_id"]
    assert emu.wait_request(rid)["status"] == "FAILED"
    assert emu.volumes()[sid]["status"] == "READY"  # a failed destroy leaves it usable


# ---- object storage ----

def test_object_storage_and_buckets(start_emulator):
    emu = start_emulator(*FAST, "--s3-endpoint", "http://127.0.0.1:9999", "--s3-region", "eu-x",
                         "--s3-access-key", "AKEMU", "--s3-secret-key", "SKEMU")
    status, _, reply = emu.call("GET", "/object-storage/credentials")
    assert status == 404 and reply == {"message": "Object storage is not enabled"}
    status, _, reply = emu.call("PUT", "/object-storage/bucket/create/early")
    assert status in (400, 404) and reply["message"]

    creds = emu.ok("POST", "/object-storage/enable")
    want = {"org_id": "org-emulator", "access_key_id": "AKEMU", "secret_access_key": "SKEMU",
            "endpoint": "http://127.0.0.1:9999", "region": "eu-x", "status": "ACTIVE"}
    assert {k: creds[k] for k in want} == want and creds["message"] == "Object storage enabled"
    again = emu.ok("POST", "/object-storage/enable")
    assert {k: again[k] for k in want} == want and again["created_at"] == creds["created_at"]
    got = emu.ok("GET", "/object-storage/credentials")
    assert {k: got[k] for k in want} == want

    assert emu.ok("GET", "/object-storage/bucket/list") == {"buckets": []}
    reply = emu.ok("PUT", "/object-storage/bucket/create/data-set.1", expect=201)
    assert reply["message"]
    status, _, reply = emu.call("PUT", "/object-storage/bucket/create/data-set.1")
    assert status == 409 and reply["message"]
    for bad in ("ab", "x" * 64, "Upper", "under_score", "-dash", "dash-", "two..dots",
                "192.168.1.2", "sp%20ace"):
        status, _, reply = emu.call("PUT", "/object-storage/bucket/create/" + bad)
        assert status == 400 and reply["message"], bad
    emu.ok("PUT", "/object-storage/bucket/create/abc", expect=201)
    emu.ok("PUT", "/object-storage/bucket/create/" + "y" * 63, expect=201)
    assert emu.ok("GET", "/object-storage/bucket/list")["buckets"] == ["abc", "data-set.1", "y" * 63]

    emu.admin("POST", "buckets/abc/objects", {"count": 3})
    status, _, reply = emu.call("DELETE", "/object-storage/bucket/delete/abc")
    assert status == 409 and reply["message"]
    emu.admin("POST", "buckets/abc/objects", {"count": 0})
    status, headers, body = emu.raw("DELETE", "/object-storage/bucket/delete/abc")
    assert status == 204 and body == b""
    status, _, _ = emu.call("DELETE", "/object-storage/bucket/delete/abc")
    assert status == 404
    status, _, _ = emu.call("POST", "/_emulator/buckets/nope/objects", {"count": 1}, key=None)
    assert status == 404

    assert emu.ok("DELETE", "/object-storage/disable")["message"]
    status, _, _ = emu.call("GET", "/object-storage/credentials")
    assert status == 404


# ---- persistence ----

def test_restart_keeps_state(start_emulator, emu_dir):
    emu = start_emulator("--provisioning-delay-ms", "200", "--retry-after", "0")
    done = emu.create(size=4, name="done")
    emu.wait_request(done["request_id"])
    emu.ok("POST", "/object-storage/enable")
    emu.ok("PUT", "/object-storage/bucket/create/kept", expect=201)
    emu.admin("PUT", "config", {"provisioning_delay_ms": 1200})
    pending = emu.create(size=6, name="pending")
    assert emu.stop() == 0
    state = json.loads((emu_dir / "state.json").read_text())
    assert state["version"] == 1

    emu2 = start_emulator("--provisioning-delay-ms", "200", "--retry-after", "0")
    vols = emu2.volumes()
    assert vols[done["storage_id"]]["status"] == "READY"
    assert vols[pending["storage_id"]]["status"] == "CREATING"
    info = emu2.ok("GET", "/request/info/" + pending["request_id"])
    assert info["status"] in ("PENDING", "PROCESSING")
    assert emu2.wait_request(pending["request_id"])["status"] == "COMPLETED"
    assert emu2.volumes()[pending["storage_id"]]["status"] == "READY"
    assert emu2.ok("GET", "/object-storage/bucket/list")["buckets"] == ["kept"]
    assert emu2.ok("GET", "/request/info/" + done["request_id"])["status"] == "COMPLETED"


# ---- fault injection ----

def no_volumes_after_reset(emu):
    emu.admin("PUT", "faults", {})
    return emu.volumes() == {}


def test_fault_error_and_429_have_no_effect(start_emulator):
    emu = start_emulator(*FAST, "--seed", "11", "--error-rate", "1")
    seen = set()
    for _ in range(12):
        status, _, reply = emu.call("POST", "/storage/create", {"size": 1})
        assert status in (500, 502, 503) and reply["message"]
        seen.add(status)
    assert len(seen) > 1, seen
    assert no_volumes_after_reset(emu)

    emu.admin("PUT", "faults", {"rate_429": 1})
    status, headers, reply = emu.call("POST", "/storage/create", {"size": 1})
    assert status == 429 and headers["retry-after"] == "1"
    assert reply == {"message": "Rate limit exceeded"}
    assert no_volumes_after_reset(emu)
    # Faults never touch the open and admin endpoints.
    emu.admin("PUT", "faults", {"error_rate": 1})
    assert emu.ok("GET", "/healthz", key=None) == {"status": "ok"}
    assert emu.admin("GET", "faults")["error_rate"] == 1


def test_fault_drops(start_emulator):
    emu = start_emulator(*FAST, "--drop-rate", "1")
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        emu.call("POST", "/storage/create", {"size": 1})
    assert no_volumes_after_reset(emu)

    emu.admin("PUT", "faults", {"drop_after_rate": 1})
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        emu.call("POST", "/storage/create", {"size": 1, "name": "dropped-after"})
    emu.admin("PUT", "faults", {})
    assert [v["name"] for v in emu.volumes().values()] == ["dropped-after"]


def test_fault_hang_applies_effect_and_blocks_only_its_client(start_emulator):
    emu = start_emulator(*FAST)
    emu.admin("PUT", "faults", {"hang_rate": 1, "hang_ms": 1500})
    started = time.monotonic()
    with pytest.raises(socket.timeout):
        emu.call("POST", "/storage/create", {"size": 1, "name": "hung"}, timeout=0.5)
    # A second client is served while the first reply is still held back.
    assert emu.ok("GET", "/healthz", key=None) == {"status": "ok"}
    assert time.monotonic() - started < 1.2
    emu.admin("PUT", "faults", {})
    assert [v["name"] for v in emu.volumes().values()] == ["hung"]


def test_latency(start_emulator):
    emu = start_emulator(*FAST, "--latency-ms", "300")
    started = time.monotonic()
    emu.ok("GET", "/storage/list")
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    emu.ok("GET", "/healthz", key=None)
    assert time.monotonic() - started < 0.3


def fault_sequence(emu, n=24):
    out = []
    for _ in range(n):
        try:
            out.append(emu.call("GET", "/storage/list")[0])
        except (http.client.HTTPException, ConnectionError):
            out.append("drop")
    return out


def test_same_seed_same_faults(start_emulator):
    rates = ("--error-rate", "0.3", "--rate-429", "0.2", "--drop-rate", "0.2")
    emu = start_emulator(*FAST, "--seed", "7", *rates)
    first = fault_sequence(emu)
    assert {200, 429, "drop"} <= set(first) and set(first) & {500, 502, 503}, first
    emu.admin("PUT", "faults", {"error_rate": 0.3, "rate_429": 0.2, "drop_rate": 0.2, "seed": 7})
    assert fault_sequence(emu) == first
    emu.admin("PUT", "faults", {"error_rate": 0.3, "rate_429": 0.2, "drop_rate": 0.2, "seed": 8})
    assert fault_sequence(emu) != first
    other = start_emulator(*FAST, "--seed", "7", *rates, state=False)
    assert fault_sequence(other) == first
    status, _, _ = emu.call("PUT", "/_emulator/faults", {"error_rate": 2}, key=None)
    assert status == 422
    status, _, _ = emu.call("PUT", "/_emulator/faults", {"eror_rate": 0.1}, key=None)
    assert status == 422


def test_stats_count_authenticated_api_requests(start_emulator):
    emu = start_emulator(*FAST)
    emu.admin("POST", "reset")
    assert emu.admin("GET", "stats") == {"total": 0, "by_route": {}}
    for _ in range(3):
        emu.ok("GET", "/storage/list")
    emu.create(size=1)
    emu.call("GET", "/storage/list", key="bad")  # 401: not counted
    emu.ok("GET", "/healthz", key=None)  # open endpoint: not counted
    emu.admin("PUT", "faults", {"error_rate": 1})
    status, _, _ = emu.call("POST", "/storage/create", {"size": 1})
    assert status >= 500
    stats = emu.admin("GET", "stats")
    assert stats == {"total": 5, "by_route": {"GET /storage/list": 3, "POST /storage/create": 2}}
    emu.admin("POST", "reset")
    assert emu.admin("GET", "stats")["total"] == 0
