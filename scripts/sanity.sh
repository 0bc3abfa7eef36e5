#!/usr/bin/env bash
# sanity.sh - runs kubernetes-csi/csi-test's csi-sanity (v5.4) against the
# driver when csi-sanity is on PATH. It is not installable from Debian or
# npm, so `make check` runs the project's own conformance tests instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v csi-sanity >/dev/null; then
  echo "sanity: csi-sanity is not on PATH. Build it from github.com/kubernetes-csi/csi-test (v5.4:"
  echo "        go install github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity@v5.4.0) and run make sanity again."
  exit 1
fi
dir=$(mktemp -d /tmp/tpcsi-sanity-XXXXXX)
"$root/build/tensorpool-csi" --endpoint "unix://$dir/csi.sock" --mode all --node-id sanity-node &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do [[ -S "$dir/csi.sock" ]] && break; sleep 0.05; done
csi-sanity --csi.endpoint="unix://$dir/csi.sock" --csi.mountdir="$dir/target" \
  --csi.stagingdir="$dir/staging" "$@"
