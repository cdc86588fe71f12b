#!/usr/bin/env bash
# SQLite against PostgreSQL for one server (BENCHMARKS.md, "PostgreSQL"): durable charges per
# second at CLIENTS (default 32) over HTTP with credits_load, then `credits ledger --db` apply
# and replay rates on OPS (default 100000) operations, on each store. The PostgreSQL server is a
# throwaway one in a temp folder (scripts/pg-temp.sh: a local socket, fsync on, Debian's
# defaults otherwise), started and removed here. Environment: SECONDS_PER_RUN (default 10),
# OPS, CLIENTS, SYNC (full or normal, default full), CREDITS (default build/native/credits).
set -euo pipefail
cd "$(dirname "$0")/../.."
credits=${CREDITS:-build/native/credits}
load=build/native/credits_load
secs=${SECONDS_PER_RUN:-10}
ops=${OPS:-100000}
clients=${CLIENTS:-32}
sync=${SYNC:-full}
out=$(mktemp -d)
. scripts/pg-temp.sh
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  pg_temp_stop
  rm -rf "$out"
}
trap cleanup EXIT
trap "exit 130" INT TERM
pg_temp_start
echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), sync=$sync, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on a local socket"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$out/token"

start_server() {  # DB: starts a server on it; sets pid, url
  "$credits" serve --db "$1" --port 0 --sync "$sync" --token-file "$out/token" > "$out/serve.out" 2> "$out/serve.err" &
  pid=$!
  for _ in $(seq 200); do [ -s "$out/serve.out" ] && break; sleep 0.05; done
  url=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]).listening)' "$out/serve.out")
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

pg_temp_psql -c "CREATE DATABASE http_bench" -c "CREATE DATABASE apply_bench"
for store in sqlite postgres; do
  db=$out/http.db
  [ $store = postgres ] && db=$(pg_temp_url http_bench)
  echo "## $store: credits_load, one charge per request (POST /v1/charges), $clients clients, ${secs} s"
  start_server "$db"
  "$load" http --url "$url" --token-file "$out/token" --clients "$clients" --seconds "$secs"
  curl -s "$url/metrics" | grep -E '^credits_(commits_total|committed_records_total|commit_seconds_total|commit_batch_max) '
  stop_server
done

"$load" ops --ops "$ops" --users 1000 > "$out/ops.jsonl"
"$credits" ledger < "$out/ops.jsonl" > "$out/memory.out"
for store in sqlite postgres; do
  db=$out/apply.db
  [ $store = postgres ] && db=$(pg_temp_url apply_bench)
  t0=$(date +%s.%N)
  "$credits" ledger --db "$db" < "$out/ops.jsonl" > "$out/apply.out"
  t1=$(date +%s.%N)
  "$credits" ledger --db "$db" < /dev/null
  t2=$(date +%s.%N)
  cmp -s "$out/apply.out" "$out/memory.out" || echo "DIFFERENT results on $store and in memory"
  node -e '
    const [store, n, t0, t1, t2] = process.argv.slice(1);
    const r = (a, b) => Math.round(Number(n) / (b - a));
    console.log(JSON.stringify({store, operations: +n, apply_seconds: +(t1 - t0).toFixed(2), apply_per_second: r(t0, t1),
      replay_seconds: +(t2 - t1).toFixed(2), replay_per_second: r(t1, t2)}));' "$store" "$(wc -l < "$out/ops.jsonl")" "$t0" "$t1" "$t2"
done
