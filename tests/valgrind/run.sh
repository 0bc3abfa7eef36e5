#!/usr/bin/env bash
# Runs the release server (with the test-only Sleep service) under valgrind's
# memcheck, makes 1,000 calls, then concurrent Sleep calls that end in
# ABORTED, UNAVAILABLE, DEADLINE_EXCEEDED and CANCELLED, stops it with SIGTERM and fails on any memory error or any byte definitely,
# indirectly or possibly lost. gRPC's process-lifetime singletons are
# suppressed by grpc.supp (third-party frames only).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/tpcsi-vg-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
sock="$dir/csi.sock"
calls=${VALGRIND_CALLS:-1000}

valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
  --suppressions="$root/tests/valgrind/grpc.supp" --gen-suppressions=all --log-file="$dir/valgrind.log" \
  "$root/build/tensorpool-csi-testd" --endpoint "unix://$sock" --log-level warn --node-id vg \
  --workers 2 --queue-depth 2 &
pid=$!
for _ in $(seq 1 600); do [[ -S "$sock" ]] && break; sleep 0.1; done
/usr/bin/python3 "$root/tests/valgrind/calls.py" "unix://$sock" "$calls"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
if [[ $rc -ne 0 ]]; then
  cat "$dir/valgrind.log"
  echo "valgrind: FAILED (server exit $rc after $calls calls)"
  exit 1
fi
echo "valgrind: passed ($calls calls, server exit 0, 0 errors, 0 bytes definitely/indirectly/possibly lost)"
