#!/usr/bin/env bash
# demo.sh - starts the TensorPool emulator and tensorpool-csi on a temporary
# socket, then shows, through the driver's own command-line clients, the CSI
# answers and the TensorPool API life cycle of a shared volume. Later issues
# extend it to the full CSI volume life cycle (and S3 for object volumes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/tensorpool-csi"
dir=$(mktemp -d /tmp/tpcsi-demo-XXXXXX)
sock="unix://$dir/csi.sock"
log="$dir/driver.log"

"$bin" --endpoint "$sock" --mode all --node-id demo-node --log-level debug >"$log" 2>&1 &
pid=$!
emu_pid=
trap 'kill "$pid" $emu_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do [[ -S "$dir/csi.sock" ]] && break; sleep 0.05; done

step() { printf '\n\033[1m$ tensorpool-csi call %s\033[0m\n' "$*"; "$bin" call --endpoint "$sock" "$@" || true; }

echo "tensorpool-csi $("$bin" --version | cut -d' ' -f2) serving on $sock (mode all)"
step GetPluginInfo
step GetPluginCapabilities
step Probe
step NodeGetInfo
step ControllerGetCapabilities
step CreateVolume '{"name": "pvc-demo", "capacity_range": {"required_bytes": 1073741824}, "secrets": {"apiKey": "tp-demo-secret"}}'

printf '\n\033[1m--- the TensorPool API, against the local emulator ---\033[0m\n'
"$root/build/tp-emulator" --api-key demo-key --port 0 --port-file "$dir/emu.port" --state "$dir/emu.json" \
  --host-root "$dir/host" --provisioning-delay-ms 800 --retry-after 0 2>"$dir/emu.log" &
emu_pid=$!
for _ in $(seq 1 100); do [[ -s "$dir/emu.port" ]] && break; sleep 0.05; done
export TENSORPOOL_ENGINE="http://127.0.0.1:$(cat "$dir/emu.port")" TENSORPOOL_KEY=demo-key
tp() { printf '\n\033[1m$ tensorpool-csi tp %s\033[0m\n' "$*"; "$bin" tp "$@" || true; }
tp volume-create datasets 50
id=$("$bin" tp volume-find datasets | sed -n 's/.*"storage_id": "\([^"]*\)".*/\1/p')
tp volume-create datasets 50
echo "(the same name again: the existing volume, no second create)"
tp volume-attach "$id" c-demo
echo "host view after attach: $(ls -d "$dir/host/mnt/$id")"
tp volume-list
tp volume-edit "$id" size=100
tp volume-detach "$id" c-demo
tp volume-destroy "$id"
tp volume-info "$id"
kill -TERM "$emu_pid"
wait "$emu_pid" || true
emu_pid=

kill -TERM "$pid"
wait "$pid" && rc=0 || rc=$?
printf '\n\033[1mdriver log (debug level; note the secrets field is stripped):\033[0m\n'
grep -v ' grpc: ' "$log"
if grep -q 'tp-demo-secret' "$log"; then echo "demo: a secret reached the log"; exit 1; fi
echo
echo "driver exited $rc after SIGTERM"
exit "$rc"
