#!/usr/bin/env bash
# The short fuzz run of the test command: builds the harnesses (build/fuzz) and fuzzes each
# target for FUZZ_SECONDS (30 by default), one after the other. Any crash, sanitizer report or
# broken property fails the run; the input is left in build/fuzz/crashes/. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/fuzz-common.sh
seconds=${FUZZ_SECONDS:-30}
fuzz_build
for t in "${FUZZ_TARGETS[@]}"; do
  echo "-- fuzz_$t: ${seconds} s"
  log="$FUZZ_BUILD/fuzz_$t.log"
  if ! fuzz_run "$t" "$seconds" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz_$t failed: the input is in $FUZZ_BUILD/crashes/ (log: $log)" >&2
    exit 1
  fi
  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$log" | tr '\n' ' '
  echo
done
