#!/usr/bin/env bash
# sanity.sh - checks the driver the way its users do: kubernetes-csi/csi-test's
# csi-sanity (v5.4, taken from PATH; not installable here) against the driver
# and the TensorPool emulator, started as `make demo` does, once per
# parameter set in tests/sanity/. The driver runs in a private mount
# namespace, so csi-sanity's mounts never reach the host.
# usage: scripts/sanity.sh [extra csi-sanity flags]   (via `make sanity`)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v csi-sanity >/dev/null; then
  echo "sanity: csi-sanity is not on PATH. Build it from github.com/kubernetes-csi/csi-test (v5.4:"
  echo "        go install github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity@v5.4.0) and run make sanity again."
  exit 1
fi
bin="$root/build/tensorpool-csi"
dir=$(mktemp -d /tmp/tpcsi-sanity-XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

"$root/build/tp-emulator" --api-key sanity-key --port 0 --port-file "$dir/emu.port" --host-root "$dir/host" \
  --provisioning-delay-ms 200 --retry-after 0 2>"$dir/emu.log" &
pids+=($!)
for _ in $(seq 1 100); do [[ -s "$dir/emu.port" ]] && break; sleep 0.05; done
export TENSORPOOL_ENGINE="http://127.0.0.1:$(cat "$dir/emu.port")" TENSORPOOL_KEY=sanity-key

unshare -m --propagation private "$bin" --endpoint "unix://$dir/csi.sock" --mode all --node-id sanity-node \
  --cluster-id c-sanity --host-root "$dir/host" 2>"$dir/driver.log" &
pids+=($!)
for _ in $(seq 1 100); do [[ -S "$dir/csi.sock" ]] && break; sleep 0.05; done

# mode=subdir needs an attached TensorPool volume to hold the directories
parent=$("$bin" tp volume-create sanity-parent 100 | sed -n 's/.*"storage_id": "\([^"]*\)".*/\1/p')
"$bin" tp volume-attach "$parent" c-sanity >/dev/null

failed=0
for params in "$root"/tests/sanity/*.yaml; do
  set_name=$(basename "$params" .yaml)
  sed "s/STORAGE_ID/$parent/" "$params" > "$dir/$set_name.yaml"
  echo "=== csi-sanity, parameter set $set_name"
  if csi-sanity --csi.endpoint="unix://$dir/csi.sock" --csi.mountdir="$dir/sanity-target" \
       --csi.stagingdir="$dir/sanity-staging" --csi.testvolumeparameters="$dir/$set_name.yaml" "$@" \
       2>&1 | tee "$dir/$set_name.out" | tail -n 5; then
    echo "sanity ($set_name): passed"
  else
    echo "sanity ($set_name): FAILED"
    failed=1
  fi
done
exit "$failed"
