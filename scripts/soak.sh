#!/usr/bin/env bash
# Soak (not in CI): N kill -9 cycles of `credits serve` under concurrent load with the
# exactly-once checks (tests/server/soak.mjs; figures in docs/soak.md).
# Usage: scripts/soak.sh N   (CREDITS_BIN: the binary, build/native/credits by default;
# SOAK_OUT: also write the figures as JSON there). Niced: the machine may be shared.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: scripts/soak.sh N}
export CREDITS_BIN=${CREDITS_BIN:-$PWD/build/native/credits}
[ -x "$CREDITS_BIN" ] || { echo "no $CREDITS_BIN: build it first (scripts/build-native.sh)" >&2; exit 2; }
exec nice -n 10 node tests/server/soak.mjs "$n"
