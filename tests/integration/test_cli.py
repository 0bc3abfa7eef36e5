"""The command line: flags, environment variables, usage errors, and the
`call` client."""
import json

import pytest

from conftest import run_cli

FLAGS = ["--endpoint", "--mode", "--node-id", "--driver-name", "--log-level", "--grace-period",
         "--debug-endpoint", "--workers", "--queue-depth", "--cq-threads", "--version", "--help"]
ENVS = ["CSI_ENDPOINT", "CSI_MODE", "CSI_NODE_ID", "CSI_DRIVER_NAME", "CSI_LOG_LEVEL", "CSI_GRACE_PERIOD",
        "CSI_DEBUG_ENDPOINT", "CSI_WORKERS", "CSI_QUEUE_DEPTH", "CSI_CQ_THREADS"]


def run(*args, env=None, stdin=None):
    return run_cli(args, env=env, stdin=stdin)


def test_help_lists_every_flag_and_its_environment_variable():
    res = run("--help")
    assert res.returncode == 0
    for word in FLAGS + ENVS:
        assert word in res.stdout, word


def test_version():
    res = run("--version")
    assert res.returncode == 0 and res.stdout.startswith("tensorpool-csi 0.")


@pytest.mark.parametrize("args,first_line", [
    (["--bogus"], "tensorpool-csi: unknown flag: --bogus"),
    (["--mode"], "tensorpool-csi: missing value for: --mode"),
    (["--mode", "both"], "tensorpool-csi: --mode must be controller, node or all"),
    (["--log-level", "loud"], "tensorpool-csi: --log-level must be error, warn, info or debug"),
    (["--workers", "0"], "tensorpool-csi: --workers must be a whole number from 1 to 1024"),
    (["--grace-period", "-1"], "tensorpool-csi: --grace-period must be a number of seconds from 0 to 3600"),
    (["--driver-name", "-bad-"], "tensorpool-csi: --driver-name must be a DNS-style name"),
    (["--endpoint", "relative.sock"], "tensorpool-csi: --endpoint: endpoint must be unix:///absolute/path"),
    (["extra"], "tensorpool-csi: unexpected argument: extra"),
])
def test_bad_flags_print_one_line_and_usage_and_exit_2(args, first_line):
    res = run(*args)
    assert res.returncode == 2
    lines = res.stderr.splitlines()
    assert lines[0].startswith(first_line), lines[0]
    assert lines[1].startswith("usage: tensorpool-csi")


def test_bad_environment_value_names_the_variable():
    res = run(env={"CSI_MODE": "sideways"})
    assert res.returncode == 2
    assert res.stderr.splitlines()[0] == "tensorpool-csi: CSI_MODE: --mode must be controller, node or all"


def test_environment_configures_the_daemon(start_driver):
    d = start_driver(env={"CSI_MODE": "node", "CSI_NODE_ID": "from-env"})
    res = run("call", "--endpoint", d.endpoint, "NodeGetInfo")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {"node_id": "from-env"}


def test_flag_beats_environment(start_driver):
    d = start_driver("--node-id", "from-flag", env={"CSI_NODE_ID": "from-env"})
    assert json.loads(run("call", "-e", d.endpoint, "Node/NodeGetInfo").stdout) == {"node_id": "from-flag"}


def test_call_prints_the_reply_as_json(driver):
    res = run("call", "--endpoint", driver.endpoint, "/csi.v1.Identity/GetPluginInfo", "{}")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["name"] == "csi.tensorpool.dev"
    res = run("call", "Identity/Probe", env={"CSI_ENDPOINT": driver.endpoint})
    assert json.loads(res.stdout) == {"ready": True}


def test_call_reads_the_request_from_stdin_and_reports_status(driver):
    req = json.dumps({"volumeId": "v1", "volumePath": "/t"})
    res = run("call", "-e", driver.endpoint, "NodeExpandVolume", "-", stdin=req)
    assert res.returncode == 1
    assert res.stderr.startswith("UNIMPLEMENTED: /csi.v1.Node/NodeExpandVolume")


@pytest.mark.parametrize("args,needle", [
    (["NoSuchMethod"], "no CSI method NoSuchMethod"),
    (["GetPluginInfo", "{not json"], "request is not JSON"),
    (["GetPluginInfo", '{"bogus": 1}'], 'csi.v1.GetPluginInfoRequest has no field named "bogus"'),
    (["CreateVolume", '{"capacity_range": {"required_bytes": "lots"}}'], "field required_bytes"),
])
def test_call_rejects_bad_input_with_exit_2(driver, args, needle):
    res = run("call", "-e", driver.endpoint, *args)
    assert res.returncode == 2
    assert needle in res.stderr
