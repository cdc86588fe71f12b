#!/usr/bin/env bash
# Installs what the build needs, only what is missing; safe to run any number of times.
# Debian packages: compilers, CMake, libraries (SQLite and cpp-httplib for the server), Emscripten,
# sqlite3 (the server tests tamper with a ledger file), libpq-dev and postgresql (the PostgreSQL
# store, and the server its tests start in a temp folder: tests/postgres.sh), wrk (the server benchmark), clang with its
# runtime libraries (libFuzzer and the sanitizers: scripts/fuzz-short.sh, scripts/test-sanitizers.sh);
# npm packages come with the web build.
set -euo pipefail

packages=(g++ cmake make pkg-config nlohmann-json3-dev libcli11-dev googletest libgtest-dev libbenchmark-dev
          emscripten chromium libsqlite3-dev sqlite3 libcpp-httplib-dev libboost1.81-dev wrk
          clang libclang-rt-14-dev libpq-dev postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm usually come with the machine (not always from Debian); only if absent, Debian's.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
    { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
