#!/usr/bin/env bash
# Builds the browser module and puts it in the package: web/dist/credits.{mjs,wasm}.
set -euo pipefail
cd "$(dirname "$0")/.."
CREDITS_WASM_TARGETS=credits_wasm scripts/build-wasm.sh >/dev/null
mkdir -p web/dist
cp build/wasm/web/credits.mjs build/wasm/web/credits.wasm web/dist/
# npm packages for the package's own tests (TypeScript, playwright-core), from the lock file.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
