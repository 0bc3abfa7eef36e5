#!/usr/bin/env bash
# Benchmarks provisioning: 100 concurrent CreateVolume (mode=volume) through
# the release driver against the emulator with a 5 s provisioning delay,
# then 100 DeleteVolume. Prints a Markdown table row (see BENCHMARKS.md).
# usage: bench/controller/run.sh [N] [DELAY_MS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-100}
delay=${2:-5000}
dir=$(mktemp -d /tmp/tpcsi-benchctl-XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
"$root/build/tp-emulator" --api-key bench-key --port 0 --port-file "$dir/port" \
  --provisioning-delay-ms "$delay" --retry-after 1 2>"$dir/emu.log" &
pids+=($!)
for _ in $(seq 1 100); do [[ -s "$dir/port" ]] && break; sleep 0.05; done
emu="http://127.0.0.1:$(cat "$dir/port")"
TENSORPOOL_KEY=bench-key "$root/build/tensorpool-csi" --endpoint "unix://$dir/csi.sock" --mode controller \
  --tensorpool-engine "$emu" --log-level warn 2>"$dir/driver.log" &
pids+=($!)
for _ in $(seq 1 100); do [[ -S "$dir/csi.sock" ]] && break; sleep 0.05; done
echo "provisioning delay ${delay} ms, Retry-After 1 s, $(nproc) CPUs, tensorpool-csi $("$root/build/tensorpool-csi" --version | cut -d' ' -f2)"
echo
echo "| volumes | create wall time | lookup+create+info calls/vol | request polls/vol | delete wall time | delete+info calls/vol | request polls/vol |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
/usr/bin/python3 "$root/bench/controller/create100.py" "unix://$dir/csi.sock" "$emu" "$n"
