#!/usr/bin/env bash
# Builds the demo product: the browser package (web/dist), then the web app (demo/dist) from the
# npm packages pinned in demo/package-lock.json. Installs the npm packages only when the lock
# changed since the last install. Expects the native build for the backend (build-native.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-web.sh
if [ ! -f demo/node_modules/.package-lock.json ] || [ demo/package-lock.json -nt demo/node_modules/.package-lock.json ]; then
  (cd demo && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd demo && node build.mjs)
