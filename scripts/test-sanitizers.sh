#!/usr/bin/env bash
# The test suite under sanitizers (clang), each in its own build dir:
#   asan: the GoogleTest suite and the CLI contract under AddressSanitizer + UndefinedBehavior-
#         Sanitizer (build/asan, -fsanitize=address,undefined -fno-sanitize-recover=all);
#   tsan: the server's 32-client race and its kill -9 crash test under ThreadSanitizer, and three
#         servers on one PostgreSQL ledger (postgres_multi: the shared writer's thread)
#         (build/tsan; the server's io threads, commit thread and ledger under real load).
# Usage: scripts/test-sanitizers.sh [asan|tsan]... (both by default).
# A sanitizer report fails the run, even from a process whose exit status a test does not look
# at (the CLI run by a script, a server killed later): every report is also written under
# build/<san>/reports/, and any file there is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${SAN_JOBS:-2}

configure_build() {  # DIR FLAGS CMAKE_OPTION TARGETS...
  local dir=$1 flags=$2 option=$3
  shift 3
  CXX=clang++ nice -n 10 cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
    -DCMAKE_CXX_FLAGS="$flags -fno-omit-frame-pointer" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
    -DCREDITS_WERROR=ON "$option" >/dev/null
  nice -n 10 cmake --build "$dir" -j"$jobs" --target "$@"
}

check_reports() {  # DIR NAME
  local reports=("$1"/reports/*)
  if [ -e "${reports[0]}" ]; then
    for r in "${reports[@]}"; do echo "--- $r" >&2; head -n 80 "$r" >&2; done
    echo "$2: sanitizer reports in $1/reports/" >&2
    return 1
  fi
}

run_asan() {
  local dir=build/asan
  echo "-- ASan+UBSan build ($dir)"
  # With SAN_FUZZERS=1 (test.sh) the libFuzzer harnesses are built here too, for
  # scripts/fuzz-short.sh to run from this folder: the fuzz build is this one plus coverage,
  # so the core is compiled once for both (about 2.5 minutes less of the test command).
  if [ "${SAN_FUZZERS:-0}" = 1 ]; then
    configure_build "$dir" "-fsanitize=address,undefined -fno-sanitize-recover=all" -DCREDITS_FUZZ=ON \
      credits_tests credits fuzzers
  else
    configure_build "$dir" "-fsanitize=address,undefined -fno-sanitize-recover=all" -DCREDITS_FUZZ=OFF credits_tests credits
  fi
  rm -rf "$dir/reports" && mkdir -p "$dir/reports"
  local status=0
  ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:log_path=$PWD/$dir/reports/asan:log_exe_name=1" \
  UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$PWD/$dir/reports/ubsan:log_exe_name=1" \
    ctest --test-dir "$dir" -R '^(credits_tests|cli_contract)$' --output-on-failure || status=$?
  check_reports "$dir" "ASan+UBSan" || status=1
  return "$status"
}

run_tsan() {
  local dir=build/tsan
  echo "-- ThreadSanitizer build ($dir)"
  configure_build "$dir" "-fsanitize=thread" -DCREDITS_FUZZ=OFF credits
  rm -rf "$dir/reports" && mkdir -p "$dir/reports"
  local status=0
  TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:log_path=$PWD/$dir/reports/tsan:log_exe_name=1" \
    ctest --test-dir "$dir" -R '^(server_(race|crash)|postgres_multi)$' --output-on-failure || status=$?
  check_reports "$dir" "ThreadSanitizer" || status=1
  return "$status"
}

sans=("$@")
((${#sans[@]})) || sans=(asan tsan)
for s in "${sans[@]}"; do
  case "$s" in
    asan) run_asan ;;
    tsan) run_tsan ;;
    *) echo "unknown sanitizer $s (asan, tsan)" >&2; exit 2 ;;
  esac
done
