#!/usr/bin/env bash
# Runs the TensorPool emulator and the TensorPool client (`tensorpool-csi tp`)
# under valgrind's memcheck: the emulator serves every kind of call, with
# faults on for part of them, then stops on SIGTERM; each client run must
# exit with no memory error and 0 bytes definitely/indirectly/possibly lost.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/tpcsi-vgtp-XXXXXX)
emu_pid=
trap '[[ -n $emu_pid ]] && kill "$emu_pid" 2>/dev/null; rm -rf "$dir"' EXIT
vg=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99
    --suppressions="$root/tests/valgrind/grpc.supp")
key=vg-key-0123456789

"${vg[@]}" --log-file="$dir/emulator.vg" "$root/build/tp-emulator" --api-key "$key" --port 0 \
  --port-file "$dir/port" --state "$dir/state.json" --host-root "$dir/host" \
  --provisioning-delay-ms 100 --retry-after 0 2>"$dir/emulator.log" &
emu_pid=$!
for _ in $(seq 1 300); do [[ -s "$dir/port" ]] && break; sleep 0.1; done
export TENSORPOOL_ENGINE="http://127.0.0.1:$(cat "$dir/port")" TENSORPOOL_KEY="$key"

runs=0
tp() { # runs one client command under valgrind; exit 99 means valgrind found something
  local rc=0
  "${vg[@]}" --log-file="$dir/tp.vg" "$root/build/tensorpool-csi" tp "$@" >/dev/null 2>&1 || rc=$?
  runs=$((runs + 1))
  if [[ $rc -eq 99 ]]; then cat "$dir/tp.vg"; echo "valgrind (tp): FAILED on: tp $*"; exit 1; fi
}
admin() { curl -s -X PUT -H 'Content-Type: application/json' -d "$2" "$TENSORPOOL_ENGINE/_emulator/$1" >/dev/null; }

tp health
tp volume-create vg-a 2
id=$("$root/build/tensorpool-csi" tp volume-find vg-a | sed -n 's/.*"storage_id": "\([^"]*\)".*/\1/p')
tp volume-list
tp volume-info "$id"
tp volume-edit "$id" size=3 protect=yes
tp volume-destroy "$id"                      # 409: protected
tp volume-edit "$id" protect=no
tp volume-attach "$id" c-vg
tp volume-detach "$id" c-vg
tp volume-info s-missing00                   # 404
tp object-credentials                        # 404 before enable
tp object-enable
tp bucket-create vg-bucket
tp bucket-list
tp bucket-delete vg-bucket
TENSORPOOL_KEY=wrong tp volume-list          # 401
admin faults '{"error_rate":0.2,"rate_429":0.1,"drop_rate":0.1,"drop_after_rate":0.1,"hang_rate":0.05,"hang_ms":1500,"seed":3}'
for i in 1 2 3 4 5; do tp --request-timeout 1 volume-create "vg-f$i" 1; done
admin faults '{}'
tp volume-destroy "$id"

kill -TERM "$emu_pid"
rc=0
wait "$emu_pid" || rc=$?
emu_pid=
if [[ $rc -ne 0 ]]; then
  cat "$dir/emulator.vg"
  echo "valgrind (emulator): FAILED (exit $rc)"
  exit 1
fi
echo "valgrind (tp-emulator + $runs tensorpool-csi tp runs, faults included): passed, 0 errors, 0 bytes lost"
