#!/usr/bin/env bash
# The main job: builds the CLI, prices a sample canvas against the embedded sample rate card,
# replays a sample month of operations and prints the billing page.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
scripts/build-native.sh >/dev/null
credits=build/native/credits
echo "== A sample canvas (demo/canvas.json), priced before it runs"
$credits plan --text --balance '{"subscription":1200,"wallet":300}' < demo/canvas.json
echo
echo "== A sample month (demo/month.jsonl), replayed through the ledger"
$credits ledger < demo/month.jsonl > build/native/month-results.jsonl
echo "   $(grep -c '"ok":true' build/native/month-results.jsonl) operations applied, $(grep -c '"ok":false' build/native/month-results.jsonl) refused as expected; results in build/native/month-results.jsonl"
echo
$credits billing --payer user:maya < demo/month.jsonl
echo
$credits billing --payer workspace:studio < demo/month.jsonl
echo
echo "== The authoritative server: the sample month in a durable SQLite ledger, over HTTP (docs/server.md)"
echo "   (CREDITS_SERVE=0 ./run.sh stops before this step)"
[ "${CREDITS_SERVE:-1}" = 0 ] || exec scripts/serve-demo.sh   # stays in the foreground; Ctrl-C stops it
