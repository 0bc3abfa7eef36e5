#!/usr/bin/env bash
# setup.sh - install the Debian 12 packages the build, tests and demo need.
# Idempotent and silent when everything is already there; called by `make check`
# and `make demo` so a fresh machine needs nothing but git and make.
set -euo pipefail

packages=(
  gcc make pkg-config git curl
  libgrpc-dev protobuf-c-compiler libprotobuf-c-dev protobuf-compiler libprotobuf-dev
  protobuf-compiler-grpc python3-grpcio python3-protobuf python3-pytest
  libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev libcmocka-dev valgrind clang libclang-rt-14-dev
  libfuse3-dev fuse3 util-linux
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
