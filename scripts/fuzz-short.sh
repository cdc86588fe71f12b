#!/usr/bin/env bash
# The short fuzz run of the test command: builds the harnesses (build/fuzz) and fuzzes each
# target for FUZZ_SECONDS (30 by default), FUZZ_JOBS at a time (2: the machine's cores). Any
# crash, sanitizer report or broken property fails the run; the input is left in
# build/fuzz/crashes/. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/fuzz-common.sh
seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-2}
fuzz_build

one() {  # runs one target, prints its figures, returns its status
  local t=$1 log="$FUZZ_BUILD/fuzz_$1.log" status=0
  fuzz_run "$t" "$seconds" >"$log" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz_$t failed ($status): the input is in $FUZZ_BUILD/crashes/ (log: $log)" >&2
    return "$status"
  fi
  echo "-- fuzz_$t, ${seconds} s: $(grep -E '^#[0-9]+.*DONE' "$log" | tail -n 1)"
}

failed=0
pids=()
for t in "${FUZZ_TARGETS[@]}"; do
  one "$t" &
  pids+=($!)
  if ((${#pids[@]} >= jobs)); then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit "$failed"
