#!/usr/bin/env bash
# demo.sh - starts tensorpool-csi on a temporary socket and shows what it
# answers, through its own command-line client. Later issues extend it to
# the full volume life cycle against the TensorPool emulator and S3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/tensorpool-csi"
dir=$(mktemp -d /tmp/tpcsi-demo-XXXXXX)
sock="unix://$dir/csi.sock"
log="$dir/driver.log"

"$bin" --endpoint "$sock" --mode all --node-id demo-node --log-level debug >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do [[ -S "$dir/csi.sock" ]] && break; sleep 0.05; done

step() { printf '\n\033[1m$ tensorpool-csi call %s\033[0m\n' "$*"; "$bin" call --endpoint "$sock" "$@" || true; }

echo "tensorpool-csi $("$bin" --version | cut -d' ' -f2) serving on $sock (mode all)"
step GetPluginInfo
step GetPluginCapabilities
step Probe
step NodeGetInfo
step ControllerGetCapabilities
step CreateVolume '{"name": "pvc-demo", "capacity_range": {"required_bytes": 1073741824}, "secrets": {"apiKey": "tp-demo-secret"}}'

kill -TERM "$pid"
wait "$pid" && rc=0 || rc=$?
printf '\n\033[1mdriver log (debug level; note the secrets field is stripped):\033[0m\n'
grep -v ' grpc: ' "$log"
if grep -q 'tp-demo-secret' "$log"; then echo "demo: a secret reached the log"; exit 1; fi
echo
echo "driver exited $rc after SIGTERM"
exit "$rc"
