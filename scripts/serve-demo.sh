#!/usr/bin/env bash
# Starts the authoritative server on an embedded SQLite ledger with the sample rate card, after
# loading the sample month into it, and prints where it listens and how to call it. Runs in the
# foreground until Ctrl-C. Expects the native build (scripts/build-native.sh).
# Environment: PORT (default 8080; 0 picks a free one), HOST (default 127.0.0.1),
# DEMO_DB (default build/native/demo-ledger.db, recreated each time), STATIC (a folder to serve
# at /, default the demo page folder web/demo when it exists).
set -euo pipefail
cd "$(dirname "$0")/.."
credits=build/native/credits
db=${DEMO_DB:-build/native/demo-ledger.db}
port=${PORT:-8080}
host=${HOST:-127.0.0.1}
static=${STATIC:-}
if [ -z "$static" ] && [ -d web/demo ]; then static=web/demo; fi

rm -f "$db" "$db-wal" "$db-shm"
"$credits" ledger --db "$db" --rate-card demo/rate-card.json < demo/month.jsonl > /dev/null
echo "== The sample month is in the durable ledger $db (SQLite); starting the server"
token_file="$db.token"
url="http://$host:$port"
if [ "$port" != 0 ]; then
  cat <<EOF
   Once it listens (the next lines), call it from another terminal:
     curl -s $url/healthz
     curl -s -H "Authorization: Bearer \$(cat $token_file)" "$url/v1/payers/user:maya/balance?user=maya"
     curl -s -H "Authorization: Bearer \$(cat $token_file)" -d '{"id":"n1","model":"veo-3","params":{"resolution":"1080p","duration_s":8}}' $url/v1/quotes
     curl -s -H "Authorization: Bearer \$(cat $token_file)" -d '{"user":"maya","key":"demo-1","node":{"id":"n1","model":"veo-3","params":{"resolution":"1080p","duration_s":8}},"quoted":320,"rate_card":"2026-11-01"}' $url/v1/charges
   Routes, flags and the durability design: docs/server.md. Ctrl-C stops the server.
EOF
fi
exec "$credits" serve --db "$db" --rate-card demo/rate-card.json --host "$host" --port "$port" \
  ${static:+--static "$static"}
