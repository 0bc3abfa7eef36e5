"""The TensorPool client (through `tensorpool-csi tp`) against the emulator:
every call, every error code, both list formats, key handling, and the
fault test (200 creates and 200 deletes under 20 % injected faults)."""
import concurrent.futures
import json
import os
import subprocess
import time

import pytest

from conftest import CSI_BIN, SANITIZER_MARKS, sanitizer_env
from emulator import KEY

@pytest.fixture
def emu(start_emulator, emu_dir):
    e = start_emulator("--host-root", str(emu_dir / "host"), "--provisioning-delay-ms", "150", "--retry-after", "0")
    e.host_root = emu_dir / "host"
    return e


def tp(emu, *args, key=KEY, env=None, check=True, timeout=60):
    """Runs `tensorpool-csi tp ARGS`; returns parsed JSON stdout (check) or the CompletedProcess."""
    e = {"TENSORPOOL_ENGINE": emu.url}
    if key is not None:
        e["TENSORPOOL_KEY"] = key
    e.update(env or {})
    env_all = sanitizer_env()
    for name in ("TENSORPOOL_KEY", "TENSORPOOL_API_KEY", "TENSORPOOL_ENGINE"):
        env_all.pop(name, None)
    env_all.update(e)
    res = subprocess.run([CSI_BIN, "tp", *args], capture_output=True, text=True, env=env_all, timeout=timeout)
    for mark in SANITIZER_MARKS:
        assert mark not in res.stderr, res.stderr
    if check:
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)
    return res


def fails(emu, *args, **kw):
    res = tp(emu, *args, check=False, **kw)
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert KEY not in res.stderr
    return res.stderr


def routes(emu):
    return emu.admin("GET", "stats")["by_route"]


def test_health_and_authentication(emu):
    assert tp(emu, "health") == {"healthy": True}
    assert fails(emu, "volume-list", key="wrong").startswith("UNAUTHENTICATED (unauthorized")
    assert "no TensorPool API key configured" in fails(emu, "volume-list", key=None)


def test_key_fallback_and_key_file(emu, workdir):
    assert tp(emu, "volume-list", key=None, env={"TENSORPOOL_API_KEY": KEY}) == []
    key_file = workdir / "key"
    key_file.write_text(KEY + "\n")
    assert tp(emu, "--key-file", str(key_file), "volume-list", key="wrong") == []


def test_create_is_ready_and_idempotent_by_name(emu):
    v = tp(emu, "volume-create", "data-1", "10")
    assert v["storage_id"].startswith("s-") and v["name"] == "data-1"
    assert v["size_gb"] == 10 and v["status"] == "READY" and v["deletion_protection"] is False
    again = tp(emu, "volume-create", "data-1", "10")
    assert again["storage_id"] == v["storage_id"]
    assert routes(emu).get("POST /storage/create") == 1
    assert tp(emu, "volume-find", "data-1")["volume"]["storage_id"] == v["storage_id"]
    assert tp(emu, "volume-find", "nope") == {"found": 0}


@pytest.mark.parametrize("fmt", ["text", "structured", "both"])
def test_list_and_info_read_both_formats(emu, fmt):
    a = tp(emu, "volume-create", "vol-a", "3", "protect")
    b = tp(emu, "volume-create", "vol-b", "5")
    tp(emu, "volume-attach", b["storage_id"], "c-one")
    emu.admin("PUT", "config", {"list_format": fmt})
    got = {v["storage_id"]: v for v in tp(emu, "volume-list")}
    assert got[a["storage_id"]] == dict(a, attached_clusters=[])
    assert got[b["storage_id"]]["attached_clusters"] == ["c-one"]
    assert got[a["storage_id"]]["deletion_protection"] is True
    info = tp(emu, "volume-info", b["storage_id"])
    assert (info["name"], info["size_gb"], info["status"], info["attached_clusters"]) == ("vol-b", 5, "READY", ["c-one"])


def test_edit_grows_renames_protects_and_refuses_shrink(emu):
    v = tp(emu, "volume-create", "edit-me", "4")
    tp(emu, "volume-edit", v["storage_id"], "size=8", "name=edited", "protect=yes")
    info = tp(emu, "volume-info", v["storage_id"])
    assert (info["size_gb"], info["name"], info["deletion_protection"]) == (8, "edited", True)
    assert fails(emu, "volume-edit", v["storage_id"], "size=2").startswith("INVALID_ARGUMENT")


def test_attach_and_detach_are_noops_when_already_done(emu):
    v = tp(emu, "volume-create", "att", "1")
    sid = v["storage_id"]
    tp(emu, "volume-attach", sid, "c-abc")
    assert (emu.host_root / "mnt" / sid).is_dir()
    (emu.host_root / "mnt" / sid / "keep.txt").write_text("kept")
    tp(emu, "volume-attach", sid, "c-abc")
    assert routes(emu).get("POST /storage/attach") == 1
    tp(emu, "volume-detach", sid, "c-abc")
    assert not (emu.host_root / "mnt" / sid).exists()
    tp(emu, "volume-detach", sid, "c-abc")
    assert routes(emu).get("POST /storage/detach") == 1
    tp(emu, "volume-attach", sid, "c-abc")
    assert (emu.host_root / "mnt" / sid / "keep.txt").read_text() == "kept"


def test_destroy_errors_and_success(emu):
    p = tp(emu, "volume-create", "protected", "1", "protect")
    assert "deletion protection is enabled" in fails(emu, "volume-destroy", p["storage_id"])
    a = tp(emu, "volume-create", "attached", "1")
    tp(emu, "volume-attach", a["storage_id"], "c-x")
    assert fails(emu, "volume-destroy", a["storage_id"]).startswith("FAILED_PRECONDITION (conflict)")
    tp(emu, "volume-detach", a["storage_id"], "c-x")
    tp(emu, "volume-destroy", a["storage_id"])
    assert fails(emu, "volume-info", a["storage_id"]).startswith("NOT_FOUND")
    assert fails(emu, "volume-destroy", a["storage_id"]).startswith("NOT_FOUND")
    assert fails(emu, "volume-info", "bad/id").startswith("INVALID_ARGUMENT")


def test_insufficient_balance_and_failed_requests(emu):
    emu.admin("PUT", "config", {"balance": 0.01})
    assert fails(emu, "volume-create", "costly", "1000").startswith("RESOURCE_EXHAUSTED (insufficient balance)")
    emu.admin("PUT", "config", {"balance": None})
    emu.admin("PUT", "faults", {"fail_rate": 1.0, "seed": 7})
    assert "request failed" in fails(emu, "volume-create", "doomed", "1")
    emu.admin("PUT", "faults", {})
    assert tp(emu, "volume-find", "doomed") == {"found": 0}


def test_request_wait_polls_to_completion(emu):
    rid = emu.create(size=1, name="raw")["request_id"]
    assert tp(emu, "request-wait", rid)["request_type"] == "STORAGE_CREATE"


def test_object_storage_and_buckets(emu):
    assert fails(emu, "object-credentials").startswith("NOT_FOUND")
    creds = tp(emu, "object-enable")
    assert creds["secret_access_key"] == "***stripped***" and creds["access_key_id"]
    assert tp(emu, "--show-secrets", "object-credentials")["secret_access_key"] == "tp-emulator-secret-key"
    tp(emu, "bucket-create", "ds-bucket")
    assert tp(emu, "bucket-list") == ["ds-bucket"]
    assert fails(emu, "bucket-create", "ds-bucket").startswith("FAILED_PRECONDITION (conflict)")
    assert fails(emu, "bucket-create", "Bad_Name").startswith("INVALID_ARGUMENT")
    emu.call("POST", "/_emulator/buckets/ds-bucket/objects", {"count": 2}, key=None)
    assert fails(emu, "bucket-delete", "ds-bucket").startswith("FAILED_PRECONDITION (conflict)")
    tp(emu, "bucket-create", "empty-bucket")
    tp(emu, "bucket-delete", "empty-bucket")
    assert fails(emu, "bucket-delete", "empty-bucket").startswith("NOT_FOUND")


def retry_like_a_co(emu, *args, tries=6):
    """The CO retries a failed CreateVolume/DeleteVolume; so does this."""
    for _ in range(tries):
        res = tp(emu, "--request-timeout", "1", *args, check=False, timeout=120)
        if res.returncode == 0 or "NOT_FOUND" in res.stderr:
            return res
    raise AssertionError("%s kept failing: %s" % (args, res.stderr))


def test_200_creates_and_deletes_under_20_percent_faults(emu, capsys):
    n = 200
    faults = {"error_rate": 0.05, "rate_429": 0.04, "drop_rate": 0.04, "drop_after_rate": 0.04,
              "hang_rate": 0.03, "hang_ms": 1500, "seed": int(os.environ.get("TP_FAULT_SEED", "2026"))}
    emu.admin("PUT", "config", {"provisioning_delay_ms": 50})
    emu.admin("PUT", "faults", faults)
    names = ["fault-%03d" % i for i in range(n)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda name: retry_like_a_co(emu, "volume-create", name, "1"), names))
    stats_create = emu.admin("GET", "stats")
    emu.admin("PUT", "faults", {})
    vols = tp(emu, "volume-list")
    assert sorted(v["name"] for v in vols) == names  # each name exactly once
    assert all(v["status"] == "READY" for v in vols)
    emu.admin("PUT", "faults", faults)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda v: retry_like_a_co(emu, "volume-destroy", v["storage_id"]), vols))
    stats_all = emu.admin("GET", "stats")
    emu.admin("PUT", "faults", {})
    deadline = time.monotonic() + 10
    while tp(emu, "volume-list") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tp(emu, "volume-list") == []
    with capsys.disabled():
        print("\nfault test: %d volumes, %.1f API calls per create, %.1f per delete (20%% faults, seed %d)"
              % (n, stats_create["total"] / n, (stats_all["total"] - stats_create["total"]) / n, faults["seed"]))
