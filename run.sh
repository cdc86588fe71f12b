#!/usr/bin/env bash
# The main job: builds everything, shows the engine on the command line (a sample canvas priced
# before it runs, a sample month replayed through the ledger), then serves the demo product: the
# credit server (`credits serve`, on an embedded SQLite ledger) and the demo backend in front of
# it, which serves the canvas, the billing page and the pricing explorer. Ctrl-C stops both.
#
# Environment: PORT (default 8080; 0 picks a free one), HOST (default 127.0.0.1),
# DEMO_LATENCY_MS (the simulated provider's latency, default 700), CREDITS_SERVE=0 (stop after
# the command-line part).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
echo "== Building (native CLI and server, the WebAssembly package, the demo app)"
scripts/build-native.sh >/dev/null
credits=build/native/credits
echo "== A sample canvas (demo/canvas.json), priced before it runs"
$credits plan --text --balance '{"subscription":1200,"wallet":300}' < demo/canvas.json
echo
echo "== A sample month (demo/month.jsonl), replayed through the ledger"
$credits ledger < demo/month.jsonl > build/native/month-results.jsonl
echo "   $(grep -c '"ok":true' build/native/month-results.jsonl) operations applied, $(grep -c '"ok":false' build/native/month-results.jsonl) refused as expected; results in build/native/month-results.jsonl"
echo
$credits billing --payer workspace:studio < demo/month.jsonl
echo
[ "${CREDITS_SERVE:-1}" = 0 ] && exit 0
scripts/build-demo.sh >/dev/null
echo "== The demo product: the credit server and the demo backend (demo/README.md)"
exec node demo/backend/server.js   # stays in the foreground; Ctrl-C stops the backend and the server
