# Sourced by scripts/fuzz-short.sh and scripts/fuzz-long.sh: builds the libFuzzer harnesses into
# build/fuzz (clang, -DCREDITS_FUZZ=ON), writes the generated seeds, and runs one target.
# Niced: the machine is shared with other builds.
FUZZ_TARGETS=(rate_card quote plan ledger ledger_durable http)
FUZZ_BUILD=${FUZZ_BUILD:-build/fuzz}  # another dir for a clean measurement

fuzz_build() {
  # FUZZ_PREBUILT=1: FUZZ_BUILD already holds the harnesses (test.sh builds them with the
  # ASan+UBSan tests, scripts/test-sanitizers.sh); only the generated seeds are written.
  if [ "${FUZZ_PREBUILT:-0}" = 1 ]; then
    fuzz/seed-corpus.sh "$FUZZ_BUILD/seeds"
    return
  fi
  CXX=clang++ nice -n 10 cmake -S . -B "$FUZZ_BUILD" -DCREDITS_FUZZ=ON -DCREDITS_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" >/dev/null
  nice -n 10 cmake --build "$FUZZ_BUILD" -j2 --target fuzzers
  fuzz/seed-corpus.sh "$FUZZ_BUILD/seeds"
}

# The seed set and dictionary of a target.
fuzz_seed_set() { case "$1" in ledger_durable) echo ledger ;; *) echo "$1" ;; esac; }
fuzz_dict() { case "$1" in http) echo fuzz/dict/http.dict ;; *) echo fuzz/dict/json.dict ;; esac; }

# fuzz_run TARGET SECONDS [extra libFuzzer flags]: fuzzes TARGET for SECONDS on one core. New
# inputs go to build/fuzz/corpus/TARGET (kept between runs), a crash to build/fuzz/crashes/;
# the committed seeds (fuzz/corpus/SET, which also hold the inputs of crashes found and fixed)
# and the generated ones are read first. Exits non-zero on a crash, a leak, a sanitizer report,
# a timeout (10 s for one input) or a broken property (the harness aborts).
fuzz_run() {
  local target=$1 seconds=$2
  shift 2
  local set corpus
  set=$(fuzz_seed_set "$target")
  corpus="$FUZZ_BUILD/corpus/$target"
  mkdir -p "$corpus" "$FUZZ_BUILD/crashes"
  local seeds=("$FUZZ_BUILD/seeds/$set")
  [ -d "fuzz/corpus/$set" ] && seeds+=("fuzz/corpus/$set")
  [ -d "$FUZZ_BUILD/seeds/$set" ] || seeds=("${seeds[@]:1}")
  ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}" \
    nice -n 10 "$FUZZ_BUILD/fuzz/fuzz_$target" "$corpus" "${seeds[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -dict="$(fuzz_dict "$target")" \
    -artifact_prefix="$FUZZ_BUILD/crashes/$target-" -print_final_stats=1 "$@"
}
