#!/usr/bin/env bash
# run_all.sh - runs the test suites, prints each runner's summary, and exits
# non-zero if any failed. With arguments, runs only the named suites:
#   lint unit integration conformance valgrind fuzz
set -uo pipefail
cd "$(dirname "$0")/.."
B=build
suites=("$@")
[[ ${#suites[@]} -eq 0 ]] && suites=(lint unit integration conformance valgrind fuzz)
failed=()
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"

# Library code never prints: only the daemon's entry points, the log sink and
# the command-line client write to stdout/stderr.
suite_lint() {
  local allowed='^(csi/main\.c|csi/daemon\.c|csi/cli(_[a-z]+)?\.c|csi/options\.c|csi/log\.c|tools/tp-emulator/(main|log)\.c|bench/|tests/)'
  local hits n
  hits=$(git ls-files '*.c' | grep -Ev "$allowed" | xargs grep -nE '\b(printf|fprintf|puts|fputs|perror)\s*\(' || true)
  n=$(git ls-files '*.c' '*.h' | wc -l)
  if [[ $n -eq 0 ]]; then
    echo "lint: FAILED: git lists no C files (not a checkout, or git refuses it: safe.directory?)"
    return 1
  fi
  bash -n scripts/*.sh tests/*.sh tests/valgrind/*.sh bench/grpc/*.sh .ci/run || return 1
  if [[ -n "$hits" ]]; then
    echo "$hits"
    echo "lint: FAILED: library code prints (route it through the caller or csi_log)"
    return 1
  fi
  echo "lint: $n C files checked, no printing outside the daemon, scripts parse"
}

suite_unit() {
  local files=0 bad=0 tests=0 out n
  for t in "$B"/asan/tests/unit/test_*; do
    [[ -x "$t" ]] || continue
    files=$((files + 1))
    if ! out=$("$t" 2>&1); then bad=$((bad + 1)); echo "$out"; fi
    n=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | head -1)
    tests=$((tests + ${n:-0}))
  done
  echo "unit (cmocka, ASan+UBSan): $files files, $tests tests passed, $bad files failed"
  [[ $files -gt 0 && $bad -eq 0 ]]
}

suite_integration() {
  TP_CSI_BIN=$PWD/$B/asan/tensorpool-csi TP_CSI_TESTD=$PWD/$B/asan/tensorpool-csi-testd \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration 2>&1 | tail -n 40
  local rc=${PIPESTATUS[0]}
  echo "integration (pytest against the ASan+UBSan binary): exit $rc"
  return "$rc"
}

# The controller conformance suite, from the spec, for every parameter set.
suite_conformance() {
  TP_CSI_BIN=$PWD/$B/asan/tensorpool-csi /usr/bin/python3 -m pytest -q -p no:cacheprovider \
    --rootdir tests/conformance tests/conformance 2>&1 | tail -n 40
  local rc=${PIPESTATUS[0]}
  echo "conformance (controller: 4 parameter sets, node: 2; ASan+UBSan binary): exit $rc"
  return "$rc"
}

suite_valgrind() { bash tests/valgrind/run.sh && bash tests/valgrind/tp.sh; }

# libFuzzer on every reader of TensorPool answers: a fixed, seeded budget;
# new inputs go to a scratch corpus, never into the committed seeds.
suite_fuzz() {
  local runs=${FUZZ_RUNS:-1000000} scratch out
  scratch=$(mktemp -d /tmp/tpcsi-fuzz-XXXXXX)
  out=$("$B/fuzz/fuzz_tp_parse" -runs="$runs" -seed=1 -max_len=4096 "$scratch" tests/fuzz/seeds_tp 2>&1)
  local rc=$?
  rm -rf "$scratch"
  [[ $rc -ne 0 ]] && echo "$out" | tail -40
  echo "fuzz (libFuzzer+ASan+UBSan, tensorpool/parse.c): $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' <<<"$out" || echo 'no summary'), exit $rc"
  return "$rc"
}

for s in "${suites[@]}"; do
  echo "=== $s"
  if ! "suite_$s"; then failed+=("$s"); fi
done
echo "==="
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED suites: ${failed[*]}"
  exit 1
fi
echo "all suites passed: ${suites[*]}"
