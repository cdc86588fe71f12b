#!/usr/bin/env bash
# A long fuzz run of one target: scripts/fuzz-long.sh TARGET SECONDS [libFuzzer flags...]
# TARGET is one of: rate_card quote plan ledger ledger_durable http. Builds build/fuzz first
# (unless FUZZ_NO_BUILD=1), keeps the corpus it grows in build/fuzz/corpus/TARGET and writes the
# log to build/fuzz/long-TARGET.log; the final statistics are printed at the end. Run it niced,
# in the background, for the figures of docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/fuzz-common.sh
target=${1:?usage: scripts/fuzz-long.sh TARGET SECONDS [libFuzzer flags...]}
seconds=${2:?usage: scripts/fuzz-long.sh TARGET SECONDS [libFuzzer flags...]}
shift 2
[[ " ${FUZZ_TARGETS[*]} " == *" $target "* ]] || { echo "unknown target $target: ${FUZZ_TARGETS[*]}" >&2; exit 2; }
[ "${FUZZ_NO_BUILD:-0}" = 1 ] || fuzz_build
log="$FUZZ_BUILD/long-$target.log"
status=0
fuzz_run "$target" "$seconds" "$@" >"$log" 2>&1 || status=$?
grep -E '^#[0-9]+' "$log" | tail -n 1
grep -E '^stat::' "$log" || true
if [ "$status" != 0 ]; then
  tail -n 60 "$log" >&2
  echo "fuzz_$target failed ($status): see $log and $FUZZ_BUILD/crashes/" >&2
fi
exit "$status"
