#!/usr/bin/env bash
# Scaling out on PostgreSQL (BENCHMARKS.md, "PostgreSQL, several servers"): durable charges per
# second and latency at CLIENTS (default 32) over HTTP with credits_load, on SQLite (one server),
# PostgreSQL with one server, and PostgreSQL with three servers sharing one database (client c
# sends to server c mod 3). A throwaway PostgreSQL 15 (scripts/pg-temp.sh: a local socket, fsync
# on). Environment: SECONDS_PER_RUN (default 10), CLIENTS, SYNC (full or normal, default full),
# POOLED (1: every client charges one workspace), CREDITS (default build/native/credits).
set -euo pipefail
cd "$(dirname "$0")/../.."
credits=${CREDITS:-build/native/credits}
load=build/native/credits_load
secs=${SECONDS_PER_RUN:-10}
clients=${CLIENTS:-32}
sync=${SYNC:-full}
pooled=${POOLED:+--pooled}
out=$(mktemp -d)
. scripts/pg-temp.sh
pids=()
stop_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  stop_servers
  pg_temp_stop
  rm -rf "$out"
}
trap cleanup EXIT
trap "exit 130" INT TERM
pg_temp_start -c max_connections=50
echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), sync=$sync${pooled:+, pooled}, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on a local socket"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$out/token"

start_servers() {  # DB N: starts N servers on DB; sets urls (comma-separated)
  urls=
  for i in $(seq "$2"); do
    "$credits" serve --db "$1" --port 0 --sync "$sync" --token-file "$out/token" > "$out/serve$i.out" 2> "$out/serve$i.err" &
    pids+=($!)
    for _ in $(seq 200); do [ -s "$out/serve$i.out" ] && break; sleep 0.05; done
    urls=$urls${urls:+,}$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]).listening)' "$out/serve$i.out")
  done
}

pg_temp_psql -c "CREATE DATABASE one_server" -c "CREATE DATABASE three_servers"
for run in "sqlite 1 $out/http.db" "postgres 1 $(pg_temp_url one_server)" "postgres 3 $(pg_temp_url three_servers)"; do
  read -r store n db <<<"$run"
  echo "## $store, $n server(s): credits_load, one charge per request (POST /v1/charges), $clients clients, ${secs} s"
  start_servers "$db" "$n"
  "$load" http --url "$urls" --token-file "$out/token" --clients "$clients" --seconds "$secs" $pooled
  for u in ${urls//,/ }; do
    curl -s "$u/metrics" | grep -E '^credits_(commits_total|committed_records_total|commit_seconds_total|commit_batch_max|caught_up_records_total|rebuilds_total) ' | tr '\n' ' '
    echo
  done
  stop_servers
done
