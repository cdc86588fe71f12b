#!/usr/bin/env bash
# Runs every test: installs what is missing, builds natively and to WebAssembly, then runs the
# GoogleTest suite in both builds (natively and under Node), the CLI contract checks, the golden
# corpus, the browser package's tests (types, Node, headless Chromium) and the demo product's
# (its backend on the real server; the pages end to end in Chromium), then the suite under
# sanitizers and a short run of each fuzz harness (clang). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

# Each stage's wall time, printed as the stage ends and summed up at the exit (also on a
# failure), so a run that grows says where.
STAGE="set-up (scripts/setup.sh)"
STAGE_START=$SECONDS
STAGE_TIMES=()
end_stage() {
  local took=$((SECONDS - STAGE_START))
  STAGE_TIMES+=("$(printf '%5d s  %s' "$took" "$STAGE")")
  echo "-- $took s: $STAGE"
}
stage() {
  end_stage
  STAGE=$1
  STAGE_START=$SECONDS
  echo "== $1"
}
summary() {
  local rc=$?
  end_stage
  echo "== time per stage (total $SECONDS s)"
  printf '%s\n' "${STAGE_TIMES[@]}"
  exit $rc
}
trap summary EXIT

scripts/setup.sh
stage "style: no function over 70 lines (scripts/function-lengths.py)"
python3 scripts/function-lengths.py src server cli wasm bench
stage "native build (warnings are errors)"
scripts/build-native.sh -DCREDITS_WERROR=ON
stage "native tests"
# Two at a time (the machine's cores; every test has its own port, folder and PostgreSQL): the
# three long ones (COST in CMakeLists.txt) start first. 283 s one at a time, 152 s so.
ctest --test-dir build/native --output-on-failure -j2
stage "WebAssembly build"
scripts/build-wasm.sh
stage "WebAssembly tests (the same GoogleTest suite under Node)"
ctest --test-dir build/wasm --output-on-failure
stage "the browser package: build, type check, Node tests (contract, parity with the CLI)"
scripts/build-web.sh
(cd web && npx --no-install tsc --noEmit -p . && node --test test/*.test.js)
stage "the browser package in headless Chromium (playwright-core)"
(cd web && node --test test/browser/*.test.js)
stage "the demo product: build, the backend against the real server, end to end in headless Chromium"
scripts/build-demo.sh
node --test demo/test/*.test.js
stage "sanitizers: GoogleTest and the CLI contract under ASan+UBSan, the server's race and kill -9 tests under TSan"
SAN_FUZZERS=1 scripts/test-sanitizers.sh
stage "fuzzing: each libFuzzer harness for 30 s (docs/fuzzing.md)"
FUZZ_BUILD=build/asan FUZZ_PREBUILT=1 scripts/fuzz-short.sh
echo "== all tests passed"
