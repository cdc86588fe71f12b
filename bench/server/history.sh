#!/usr/bin/env bash
# Restart and memory against history length (BENCHMARKS.md, "Restart and memory against history
# length"): for each N in SIZES (default 10000 100000 1000000), the load generator's N operations
# (credits_load ops: 1,000 users with subscriptions and top-ups, then charges of the four sample
# nodes with about 5 % refunds) applied with `credits ledger --db` (time and peak RSS), then
# `credits serve` on that file ROUNDS times (default 2): the time from exec until GET /healthz
# answers (polled every 20 ms), the RSS then, and what the start read (/metrics).
# Environment: SIZES, ROUNDS, CREDITS (default build/native/credits), KEEP (1: keep the folder).
set -euo pipefail
cd "$(dirname "$0")/../.."
credits=$(realpath "${CREDITS:-build/native/credits}")
load=$(realpath build/native/credits_load)
sizes=${SIZES:-10000 100000 1000000}
rounds=${ROUNDS:-2}
dir=$(mktemp -d)
[ "${KEEP:-}" = 1 ] || trap 'rm -rf "$dir"' EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(git rev-parse --short HEAD)"
echo "| operations | apply | apply peak RSS | database | restart (to /healthz) | RSS after restart | start read: snapshot at, journal records, entries, payers |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | --- |"
port=$((20000 + RANDOM % 20000))
for n in $sizes; do
  "$load" ops --ops "$n" >"$dir/ops.jsonl"
  rm -f "$dir/l.db"*
  apply=$( { /usr/bin/time -f '%e %M' "$credits" ledger --db "$dir/l.db" <"$dir/ops.jsonl" >/dev/null; } 2>&1 | tail -1)
  restarts=() rss=() read=
  for _ in $(seq "$rounds"); do
    t0=$(date +%s%N)
    "$credits" serve --db "$dir/l.db" --port "$port" >"$dir/serve.out" 2>"$dir/serve.err" &
    pid=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do
      kill -0 "$pid" 2>/dev/null || { cat "$dir/serve.err"; exit 1; }
      sleep 0.02
    done
    t1=$(date +%s%N)
    restarts+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }') s")
    rss+=("$(awk '/VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status")")
    read=$(curl -s -H "Authorization: Bearer $(cat "$dir/l.db.token")" "http://127.0.0.1:$port/metrics" |
      awk '/^credits_start_(snapshot|journal_records|entries|payers) / { v[$1] = $2 }
           END { printf "%s, %s, %s, %s", v["credits_start_snapshot"], v["credits_start_journal_records"], v["credits_start_entries"], v["credits_start_payers"] }')
    kill "$pid"
    wait "$pid" || true
  done
  size=$(du -m "$dir/l.db" | cut -f1)
  printf '| %s | %s s | %s MB | %s MB | %s | %s | %s |\n' "$n" "${apply% *}" "$(( ${apply#* } / 1024 ))" "$size" \
    "$(IFS=/; echo "${restarts[*]}")" "$(IFS=/; echo "${rss[*]}")" "$read"
done
