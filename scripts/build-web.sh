#!/usr/bin/env bash
# Builds the browser module and puts it in the package: web/dist/credits.{mjs,wasm}.
set -euo pipefail
cd "$(dirname "$0")/.."
CREDITS_WASM_TARGETS=credits_wasm scripts/build-wasm.sh >/dev/null
mkdir -p web/dist
cp build/wasm/web/credits.mjs build/wasm/web/credits.wasm web/dist/
# The same bytes as base64 in a JS module, for the @credits/engine/inline entry (no .wasm fetch).
node -e 'const fs = require("fs"); const b = fs.readFileSync(process.argv[1]).toString("base64");
  fs.writeFileSync(process.argv[2], "// credits.wasm as base64 (scripts/build-web.sh), for src/inline.js.\nexport default \"" + b + "\";\n");' \
  web/dist/credits.wasm web/dist/credits-inline.js
# npm packages for the package's own tests (TypeScript, playwright-core), from the lock file.
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
