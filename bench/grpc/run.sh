#!/usr/bin/env bash
# Benchmarks Probe and GetPluginInfo against the release server on a unix
# socket, with 1 and 8 client threads, and prints a Markdown table.
# usage: bench/grpc/run.sh [SECONDS]   (via `make bench`)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-${BENCH_SECONDS:-5}}
dir=$(mktemp -d /tmp/tpcsi-bench-XXXXXX)
"$root/build/tensorpool-csi" --endpoint "unix://$dir/csi.sock" --log-level "${BENCH_LOG_LEVEL:-warn}" --node-id bench 2>"$dir/server.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do [[ -S "$dir/csi.sock" ]] && break; sleep 0.05; done
echo "tensorpool-csi $("$root/build/tensorpool-csi" --version | cut -d" " -f2), $(nproc) CPUs, ${secs}s per row, unix socket, server log level ${BENCH_LOG_LEVEL:-warn}, C client (gRPC core)"
echo
echo "| method | clients | calls | calls/s | p50 µs | p99 µs | errors |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for method in Probe GetPluginInfo; do
  for clients in 1 8; do
    "$root/build/grpc-bench" "unix://$dir/csi.sock" "$method" "$clients" "$secs"
  done
done
