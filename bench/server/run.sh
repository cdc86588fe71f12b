#!/usr/bin/env bash
# The server benchmark (BENCHMARKS.md, "Server"): durable charges per second and latency over
# HTTP on loopback at 1, 8, 32 and 256 clients, with two load generators (our credits_load, from
# bench/server/load_main.cpp, and wrk), /healthz latency while 200 slow clients are connected,
# then `credits ledger --db` apply and replay rates on a large JSON Lines file.
# Expects the native build (scripts/build-native.sh builds credits_load with the CLI). Environment: SECONDS_PER_RUN (default 10), OPS (default 1000000),
# SYNC (full or normal, default full), OUT (a folder for the ledger files, default a temp dir),
# CREDITS (the server binary, default build/native/credits: another build's to compare),
# SERVE_ARGS (extra flags for `credits serve`), CLIENTS (default 1,8,32,256),
# ONLY=http (the one-charge-per-request and slow-client runs only).
set -euo pipefail
cd "$(dirname "$0")/../.."
credits=${CREDITS:-build/native/credits}
load=build/native/credits_load
clients=${CLIENTS:-1,8,32,256}
read -r -a serve_args <<< "${SERVE_ARGS:-}"

secs=${SECONDS_PER_RUN:-10}
ops=${OPS:-1000000}
sync=${SYNC:-full}
out=${OUT:-$(mktemp -d)}
echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), sync=$sync, server $credits ${serve_args[*]:-}, ledger files in $out"

start_server() {  # starts a server on a fresh ledger; sets pid, url, token
  rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm" "$out/bench.db.token"
  "$credits" serve --db "$out/bench.db" --port 0 --sync "$sync" "${serve_args[@]}" > "$out/serve.out" 2> "$out/serve.err" &
  pid=$!
  for _ in $(seq 100); do [ -s "$out/serve.out" ] && break; sleep 0.05; done
  url=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]).listening)' "$out/serve.out")
  token=$(cat "$out/bench.db.token")
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; }
metrics() {
  curl -s "$url/metrics" | grep -E '^credits_(commits_total|committed_records_total|commit_seconds_total|commit_batch_max) '
  # The server's own CPU (user + system) since it started: divided by the records, the cost of
  # a durable charge whatever else the machine runs.
  echo "server_cpu_seconds $(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$pid/stat")"
}

echo "## credits_load: one charge per request (POST /v1/charges), each client its own user"
start_server
"$load" http --url "$url" --token-file "$out/bench.db.token" --clients "$clients" --seconds "$secs"
metrics
stop_server

echo "## /healthz while 200 slow clients drip-feed headers"
start_server
node bench/server/slow-clients.mjs "$url" --clients 200 --samples 200
stop_server

if [ "${ONLY:-}" != http ]; then
echo "## credits_load: 32 clients charging one pooled workspace"
start_server
"$load" http --url "$url" --token-file "$out/bench.db.token" --clients 32 --seconds "$secs" --pooled
stop_server
fi

echo "## wrk: one charge per request (bench/server/charges.lua), 32 users"
start_server
users=$(node -e 'const a = []; for (let i = 0; i < 32; i++) a.push({op: "create_user", user: "u" + i},
  {op: "top_up", payer: "user:u" + i, credits: 1e15, key: "top-u" + i}); console.log(JSON.stringify(a))')
curl -s -H "Authorization: Bearer $token" -d "$users" "$url/v1/ops/batch" | grep -q '"ok":false' && { echo "setup failed"; exit 1; }
for c in ${clients//,/ }; do
  echo "### wrk -t1 -c$c"
  TOKEN=$token RUN="wrk$c" wrk -t1 -c"$c" -d"${secs}s" --latency -s bench/server/charges.lua "$url" |
    grep -E 'Requests/sec|^ +(50|90|99)%|Non-2xx|requests in|status '
done
metrics
stop_server
[ "${ONLY:-}" = http ] && exit 0

echo "## credits_load: 16 charges per request (POST /v1/ops/batch)"
start_server
"$load" http --url "$url" --token-file "$out/bench.db.token" --clients 1,8,32 --seconds "$secs" --batch 16
stop_server

echo "## credits ledger --db: $ops operations (credits_load ops), applied then replayed"
"$load" ops --ops "$ops" --users 1000 > "$out/ops.jsonl"
rm -f "$out/apply.db"*
t0=$(date +%s.%N)
"$credits" ledger --db "$out/apply.db" < "$out/ops.jsonl" > "$out/apply.out"
t1=$(date +%s.%N)
"$credits" ledger --db "$out/apply.db" < /dev/null
t2=$(date +%s.%N)
t3=$(date +%s.%N)
"$credits" ledger < "$out/ops.jsonl" > "$out/memory.out"
t4=$(date +%s.%N)
cmp -s "$out/apply.out" "$out/memory.out" || echo "DIFFERENT results on disk and in memory"
node -e '
  const [n, t0, t1, t2, t3, t4, refused, size] = process.argv.slice(1).map(Number);
  const r = (a, b) => Math.round(n / (b - a));
  console.log(JSON.stringify({operations: n, refused, apply_seconds: +(t1 - t0).toFixed(2), apply_per_second: r(t0, t1),
    replay_seconds: +(t2 - t1).toFixed(2), replay_per_second: r(t1, t2), in_memory_per_second: r(t3, t4), db_bytes: size}));' \
  "$(wc -l < "$out/ops.jsonl")" "$t0" "$t1" "$t2" "$t3" "$t4" "$(grep -c '"ok":false' "$out/apply.out" || true)" "$(stat -c %s "$out/apply.db")"
