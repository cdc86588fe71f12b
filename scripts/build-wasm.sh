#!/usr/bin/env bash
# Builds the same sources to WebAssembly with Debian's Emscripten into build/wasm.
# Facts behind the flags: ../shared/notes/emscripten-on-debian.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs  # emcc's own JS tools need acorn from Debian's folder
emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CROSSCOMPILING_EMULATOR="/usr/bin/node;--no-experimental-fetch" "$@" >/dev/null
emmake cmake --build build/wasm -j2 --target "${CREDITS_WASM_TARGETS:-all}"
