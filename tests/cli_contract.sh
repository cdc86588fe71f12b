#!/usr/bin/env bash
# The CLI contract of SPEC §9: exit codes, JSON errors on stderr, one JSON line out per line in,
# and no input that makes it crash or print a non-JSON line. Usage: cli_contract.sh CREDITS SRC
set -uo pipefail
credits=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Every line of a file must be a JSON object; prints the count.
json_lines() {
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(l => l.length);
    for (const l of lines) { const v = JSON.parse(l); if (typeof v !== "object" || v === null) throw new Error("not an object: " + l); }
    console.log(lines.length);' "$1"
}

expect_exit() {  # expected-status description command...
  local want=$1 what=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local got=$?
  [ "$got" = "$want" ] || fail "$what: exit $got, want $want"
  if [ "$want" = 2 ]; then
    node -e 'const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (e.ok !== false || !e.error.code || !e.error.message) process.exit(1)' "$tmp/err" ||
      fail "$what: stderr is not a JSON error: $(head -c 300 "$tmp/err")"
  fi
}

for sub in estimate plan ledger billing serve journal verify diff; do
  "$credits" "$sub" --help >/dev/null 2>&1 || fail "$sub --help"
done
"$credits" --help | grep -q estimate || fail "--help lists subcommands"
expect_exit 2 "no subcommand" "$credits"
expect_exit 2 "unknown option" "$credits" estimate --frobnicate
expect_exit 2 "unreadable rate card" "$credits" estimate --rate-card "$tmp/missing.json"
printf '{"version":"x","models":[{"id":"m","kind":"hologram","label":"M","price":[{"type":"per_frame"}]}]}' > "$tmp/bad-card.json"
expect_exit 2 "invalid rate card" "$credits" estimate --rate-card "$tmp/bad-card.json"
grep -q '"/models/0/kind"' "$tmp/err" || fail "invalid rate card lists each problem with its pointer"
printf 'not json' > "$tmp/not-json.json"
expect_exit 2 "rate card not JSON" "$credits" plan --rate-card "$tmp/not-json.json"
expect_exit 2 "bad --balance" "$credits" plan --balance '{"wallet":-1}'
# The durable ledger: the same results as in memory, replayed and checked when reopened.
"$credits" ledger --db "$tmp/ledger.db" < "$src/demo/month.jsonl" > "$tmp/month-db" || fail "ledger --db < month"
"$credits" ledger < "$src/demo/month.jsonl" | cmp -s - "$tmp/month-db" || fail "ledger --db gives the in-memory results"
expect_exit 0 "ledger --db reopened" "$credits" ledger --db "$tmp/ledger.db"
expect_exit 2 "ledger --db in a missing folder" "$credits" ledger --db "$tmp/missing/ledger.db"

# One result per input line, each a JSON object, exit 0, for the malformed corpora and junk.
check_lines() {  # subcommand input-file
  local n_in n_out
  "$credits" "$1" --rate-card "$src/tests/data/test-card.json" < "$2" > "$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" = 0 ] || fail "$1 < $2: exit $rc"
  # Lines as the CLI sees them: split on \n, a trailing \r dropped, blank (space/tab) lines skipped.
  # (Not grep: on binary input GNU grep may treat other bytes as line ends.)
  n_in=$(node -e '
    const b = require("fs").readFileSync(process.argv[1]).toString("latin1").split("\n");
    console.log(b.filter(l => !/^[ \t]*\r?$/.test(l) && !(l === "" )).length);' "$2")
  n_out=$(json_lines "$tmp/out") || { fail "$1 < $2: a non-JSON line on stdout"; return; }
  [ "$n_in" = "$n_out" ] || fail "$1 < $2: $n_in lines in, $n_out out"
}
check_lines estimate "$src/tests/bad-input/nodes.jsonl"
check_lines ledger "$src/tests/bad-input/ops.jsonl"
# Binary junk, fixed so failures reproduce.
node -e 'let s = 7; const b = Buffer.alloc(200000); for (let i = 0; i < b.length; i++) { s = (s * 1103515245 + 12345) >>> 0; b[i] = s >>> 16 & 255; } process.stdout.write(b)' > "$tmp/junk"
check_lines estimate "$tmp/junk"
check_lines ledger "$tmp/junk"
printf '%0.s[' $(seq 1 100000) > "$tmp/deep"; echo >> "$tmp/deep"
check_lines estimate "$tmp/deep"
"$credits" plan --rate-card "$src/tests/data/test-card.json" < "$tmp/junk" > "$tmp/out" || fail "plan < junk: exit status"
json_lines "$tmp/out" >/dev/null || fail "plan < junk: non-JSON output"

# The sample month and canvas go through, and CRLF input is accepted.
"$credits" ledger < "$src/demo/month.jsonl" > "$tmp/month" || fail "ledger < month"
[ "$(json_lines "$tmp/month")" = "$(grep -c . "$src/demo/month.jsonl")" ] || fail "ledger < month: line count"
sed 's/$/\r/' "$src/demo/month.jsonl" | "$credits" ledger | cmp -s - "$tmp/month" || fail "CRLF input gives the same results"
"$credits" plan < "$src/demo/canvas.json" | node -e 'const p = JSON.parse(require("fs").readFileSync(0, "utf8")); if (!p.ok || p.nodes.length !== 9) process.exit(1)' ||
  fail "plan < canvas"

# Issue 8: what the engine refuses, as the CLI shows it (code and JSON Pointer per line).
expect_error() {  # subcommand input-line code path description
  local got
  got=$(printf '%s\n' "$2" | "$credits" "$1" 2>/dev/null | tail -n 1 |
    node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(r.ok === false ? r.error.code + " " + r.error.path : "ok")')
  [ "$got" = "$3 $4" ] || fail "$5: got \"$got\", want \"$3 $4\""
}
expect_error estimate '{"model":"veo-3","params":{"duration_s":4,"duration_s":8}}' invalid_json /params/duration_s "a duplicate key in a node"
expect_error ledger '{"op":"balance","op":"top_up","at":"2026-11-01T00:00:00Z","payer":"user:a","credits":5,"key":"k"}' invalid_json /op "a duplicate key in an operation"
expect_error estimate '{"model":"veo-3","params":{"duration_s":7.9999999999999999}}' invalid_json /params/duration_s "a number that cannot be read exactly"
expect_error estimate '{"model":"veo-3","params":{"duration_s":"6"}}' invalid_param /params/duration_s "an int written as a string"
expect_error ledger '{"op":"create_user","at":"2026-11-01T00:00:00Z","user":"a\nb"}' invalid_op /user "an id with a newline"
expect_error ledger '{"op":"create_user","at":"2026-11-01T00:00:00Z","user":"\u202eevil"}' invalid_op /user "an id with U+202E"
expect_error ledger '{"op":"create_user","at":"9999-12-31T23:30:00-01:00","user":"a"}' invalid_op /at "a time past 9999"
printf '{"model":"veo-3","params":{"duration_s":80e-1}}\n{"model":"veo-3","params":{"duration_s":8}}\n' | "$credits" estimate |
  node -e 'const [a, b] = require("fs").readFileSync(0, "utf8").trim().split("\n"); if (a !== b) process.exit(1)' ||
  fail "80e-1 is exactly 8"
expect_exit 2 "billing --payer with a newline" "$credits" billing --payer $'user:a\nb'
# billing --csv (SPEC §12): every generation of the payer, RFC 4180 with a header row; one row per
# charge the ledger accepted for that payer (a replayed retry is no new one), in order; the usage read's refusals exit 2.
"$credits" billing --help | grep -q -- "--csv" || fail "billing --help lists --csv"
for payer in workspace:studio user:maya; do
  "$credits" billing --payer "$payer" --csv < "$src/demo/month.jsonl" > "$tmp/usage.csv" 2>"$tmp/err" ||
    fail "billing --csv $payer: $(head -c 300 "$tmp/err")"
  node -e '
    const fs = require("fs");
    const [csvFile, resultsFile, payer] = process.argv.slice(1);
    const csv = fs.readFileSync(csvFile, "utf8");
    const keys = fs.readFileSync(resultsFile, "utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l))
      .filter((r) => r.op === "charge" && r.ok && !r.replayed && r.payer === payer).map((r) => r.key);
    if (!csv.endsWith("\r\n") || csv.replace(/\r\n/g, "").includes("\n")) throw new Error("records end with CRLF");
    const rows = csv.slice(0, -2).split("\r\n");
    if (rows[0] !== "at,key,payer,user,node,model,params,exact,rate_card,status,held,from_subscription,from_wallet," +
                    "returned_to_subscription,returned_to_wallet,credits,closed_at") throw new Error("header: " + rows[0]);
    const got = rows.slice(1).map((r) => r.split(",")[1]);
    if (!keys.length || JSON.stringify(got) !== JSON.stringify(keys)) throw new Error(`keys ${got} != ${keys}`);
    if (!rows.slice(1).every((r) => r.split(",")[2] === payer && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,/.test(r)))
      throw new Error("payer and RFC 3339 time on every row");' "$tmp/usage.csv" "$tmp/month" "$payer" ||
    fail "billing --csv $payer: one row per accepted charge, in order"
done
expect_exit 2 "billing --csv of an unknown payer" "$credits" billing --payer user:nobody --csv
grep -q '"unknown_user"' "$tmp/err" || fail "billing --csv of an unknown payer is unknown_user"
expect_exit 2 "billing --csv of a malformed payer" "$credits" billing --payer nobody --csv
# billing's forecast line (SPEC §12, docs/balances.md "Forecast"): the figures of the forecast op.
cat > "$tmp/heavy.jsonl" <<'EOF2'
{"op":"create_user","at":"2026-11-01T00:00:00Z","user":"ana"}
{"op":"subscribe","at":"2026-11-01T00:00:00Z","payer":"user:ana","quota":1000}
{"op":"top_up","at":"2026-11-01T00:00:00Z","payer":"user:ana","credits":100,"key":"t1"}
{"op":"charge","at":"2026-11-02T00:00:00Z","user":"ana","key":"c1","node":{"id":"v","model":"veo-3","params":{"resolution":"720p","duration_s":4}},"quoted":160,"rate_card":"2026-11-01"}
{"op":"charge","at":"2026-11-02T00:00:00Z","user":"ana","key":"c2","node":{"id":"v","model":"veo-3","params":{"resolution":"720p","duration_s":4}},"quoted":160,"rate_card":"2026-11-01"}
EOF2
"$credits" billing --payer user:ana --at 2026-11-09T00:00:00Z < "$tmp/heavy.jsonl" > "$tmp/page" 2>"$tmp/err" || fail "billing of a heavy month: $(head -c 300 "$tmp/err")"
grep -qxF "  Forecast      At this pace (40 a day) the subscription runs out on 2026-11-26, the wallet on 2026-11-28; a top-up of 100 lasts to the reset." "$tmp/page" ||
  fail "billing's forecast line of a heavy month: $(grep Forecast "$tmp/page")"
{ cat "$tmp/heavy.jsonl"; echo '{"op":"forecast","at":"2026-11-09T00:00:00Z","payer":"user:ana"}'; } | "$credits" ledger | tail -1 > "$tmp/forecast"
grep -qF '"burn_per_day":40,' "$tmp/forecast" && grep -qF '"subscription_runs_out_at":"2026-11-26T00:00:00Z",' "$tmp/forecast" &&
  grep -qF '"suggested_top_up":100,' "$tmp/forecast" && grep -qF '"wallet_runs_out_at":"2026-11-28T12:00:00Z"}' "$tmp/forecast" ||
  fail "the forecast op of a heavy month: $(cat "$tmp/forecast")"
"$credits" billing --payer workspace:studio < "$src/demo/month.jsonl" | grep -qxF \
  "  Forecast      At this pace (41 a day) the subscription lasts its period, the wallet lasts past the reset; no top-up is needed before the reset." ||
  fail "billing's forecast line of demo/month.jsonl's workspace"
"$credits" billing --payer user:ana --at 2026-11-01T00:00:00Z < <(head -3 "$tmp/heavy.jsonl") | grep -qxF \
  "  Forecast      nothing spent this period: nothing runs out" || fail "billing's forecast line when nothing was spent"
printf '{"version":"v","version":"w","models":[]}' > "$tmp/dup-card.json"
expect_exit 2 "a rate card with a duplicate key" "$credits" estimate --rate-card "$tmp/dup-card.json"
grep -q '"invalid_json"' "$tmp/err" && grep -q '"/version"' "$tmp/err" || fail "a duplicate key in a card is invalid_json at /version"

# credits diff (SPEC §12): one JSON line; the nodes file as JSON Lines, an array or a graph.
card="$src/demo/rate-card.json"
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { priceChange } from "'"$src"'/demo/backend/price-change.js";
  process.stdout.write(JSON.stringify(priceChange(JSON.parse(readFileSync(process.argv[1], "utf8")), 10)));' "$card" > "$tmp/p10.json"
expect_exit 0 "diff of a card with itself" "$credits" diff --from "$card" --to "$card"
node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (!d.ok || !d.sampled || d.nodes.length || d.models.added.length + d.models.changed.length + d.models.removed.length || d.compared < 1) process.exit(1)' "$tmp/out" ||
  fail "diff of a card with itself changes nothing: $(head -c 300 "$tmp/out")"
expect_exit 0 "diff +10%" "$credits" diff --from "$card" --to "$tmp/p10.json"
[ "$(json_lines "$tmp/out")" = 1 ] || fail "diff prints one JSON line"
node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const card = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
  const ok = d.to.endsWith("+p10") && d.models.changed.length === card.models.length && d.nodes.length > 0 &&
    d.nodes.every((n) => n.old && n.new && n.new.max >= n.old.max && n.new.min >= n.old.min && n.id.startsWith(n.model + "@"));
  if (!ok) process.exit(1)' "$tmp/out" "$card" || fail "diff +10%: every model changed, every listed node dearer"
node -e 'const g = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  require("fs").writeFileSync(process.argv[2], JSON.stringify(g.nodes));
  require("fs").writeFileSync(process.argv[3], g.nodes.map((n) => JSON.stringify(n)).join("\r\n") + "\n\n");' \
  "$src/demo/canvas.json" "$tmp/nodes-array.json" "$tmp/nodes.jsonl"
"$credits" diff --from "$card" --to "$tmp/p10.json" --nodes "$src/demo/canvas.json" > "$tmp/diff-graph" || fail "diff --nodes graph"
for f in nodes-array.json nodes.jsonl; do
  "$credits" diff --from "$card" --to "$tmp/p10.json" --nodes "$tmp/$f" | cmp -s - "$tmp/diff-graph" || fail "diff --nodes $f gives the graph's answer"
done
node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (d.sampled !== false || d.compared !== 9 || !d.nodes.length || !d.nodes.some((n) => n.id === "hero-shot")) process.exit(1)' "$tmp/diff-graph" ||
  fail "diff --nodes canvas: the canvas nodes, not a sample: $(head -c 300 "$tmp/diff-graph")"
expect_exit 2 "diff without --to" "$credits" diff --from "$card"
expect_exit 2 "diff with an unreadable --to" "$credits" diff --from "$card" --to "$tmp/missing.json"
grep -q '"unreadable_file"' "$tmp/err" || fail "diff: an unreadable card is unreadable_file"
expect_exit 2 "diff with an invalid --to" "$credits" diff --from "$card" --to "$tmp/bad-card.json"
grep -q '"invalid_rate_card"' "$tmp/err" && grep -q '"/models/0/kind"' "$tmp/err" || fail "diff: an invalid card lists each problem"
expect_exit 2 "diff with an unreadable --nodes" "$credits" diff --from "$card" --to "$card" --nodes "$tmp/missing.jsonl"
grep -q '"unreadable_file"' "$tmp/err" || fail "diff: an unreadable --nodes is unreadable_file"
printf '{"model":"veo-3","params":{}}\n{"model":"veo-3","params":{"duration_s":4,"duration_s":8}}\n' > "$tmp/dup.jsonl"
expect_exit 2 "diff --nodes with a bad line" "$credits" diff --from "$card" --to "$card" --nodes "$tmp/dup.jsonl"
node -e 'const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).error;
  if (e.code !== "invalid_json" || e.line !== 2 || e.path !== "/params/duration_s") process.exit(1)' "$tmp/err" ||
  fail "diff: a bad JSON line is invalid_json with its line and pointer: $(cat "$tmp/err")"
printf '[{"model":"veo-3"},\n 7]' > "$tmp/seven.json"
expect_exit 2 "diff --nodes with a non-object" "$credits" diff --from "$card" --to "$card" --nodes "$tmp/seven.json"
grep -q '"path":"/1"' "$tmp/err" || fail "diff: a node that is not an object is named by its pointer"
printf '{"nodes": [\n  {"model": "veo-3"},\n' > "$tmp/cut.json"
expect_exit 2 "diff --nodes cut short" "$credits" diff --from "$card" --to "$card" --nodes "$tmp/cut.json"
grep -q '"invalid_json"' "$tmp/err" && grep -q '"line":3' "$tmp/err" || fail "diff: a graph cut short is invalid_json at its last line"

# Run reservations and balance events (SPEC §11) through `credits ledger`, in memory and with
# --db (a reopened file goes on with the hold and the events), and on the billing page.
cat > "$tmp/run.jsonl" <<'EOF2'
{"op":"create_user","at":"2026-11-01T00:00:00Z","user":"ana"}
{"op":"top_up","at":"2026-11-01T00:00:00Z","payer":"user:ana","credits":500,"key":"t1"}
{"op":"set_alert","at":"2026-11-01T00:00:00Z","payer":"user:ana","below":200}
{"op":"reserve","at":"2026-11-01T00:01:00Z","user":"ana","key":"run1","rate_card":"2026-11-01","graph":{"nodes":[{"id":"v","model":"veo-3","params":{"resolution":"720p","duration_s":4}},{"id":"w","model":"veo-3","params":{"resolution":"720p","duration_s":4}}]}}
{"op":"charge","at":"2026-11-01T00:02:00Z","user":"ana","key":"c1","node":{"id":"v","model":"veo-3","params":{"resolution":"720p","duration_s":4}},"quoted":160,"rate_card":"2026-11-01","reservation":"run1"}
EOF2
"$credits" ledger --db "$tmp/run.db" < "$tmp/run.jsonl" > "$tmp/run.out" 2>"$tmp/err" || fail "ledger --db with a reservation: $(head -c 300 "$tmp/err")"
grep -q '"op":"reserve"' "$tmp/run.out" && grep -qF '"credits":320,' "$tmp/run.out" && grep -qF '"reservation":"run1","user":"ana"}' "$tmp/run.out" ||
  fail "reserve and a charge drawn from it: $(cat "$tmp/run.out")"
"$credits" ledger < "$tmp/run.jsonl" | cmp -s - "$tmp/run.out" || fail "reservations: the same lines with and without --db"
printf '%s\n' '{"op":"release","at":"2026-11-01T00:03:00Z","reservation":"run1"}' '{"op":"release","at":"2026-11-01T00:03:00Z","reservation":"run1"}' \
  '{"op":"events","at":"2026-11-01T00:03:00Z","after":0}' | "$credits" ledger --db "$tmp/run.db" > "$tmp/run2.out" 2>"$tmp/err" ||
  fail "reopening a ledger with an open hold: $(head -c 300 "$tmp/err")"
sed -n 1p "$tmp/run2.out" | grep -qF '"released":160,' || fail "release after reopening: $(sed -n 1p "$tmp/run2.out")"
sed -n 2p "$tmp/run2.out" | grep -q '"already_released"' || fail "a second release is already_released: $(sed -n 2p "$tmp/run2.out")"
sed -n 3p "$tmp/run2.out" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const t = r.events.map((e) => e.type).join();
  if (t !== "balance_low,balance_recovered") throw new Error(t);' || fail "one low and one recovered around the hold: $(sed -n 3p "$tmp/run2.out")"
head -4 "$tmp/run.jsonl" | "$credits" billing --payer user:ana --at 2026-11-01T00:01:00Z > "$tmp/page" 2>"$tmp/err" || fail "billing with a hold: $(cat "$tmp/err")"
grep -qF "  Held          320 credits for runs in progress (reservations)" "$tmp/page" && grep -qF "+ remaining 180 + held 320" "$tmp/page" ||
  fail "billing shows what is held and the check adds it: $(cat "$tmp/page")"
# credits verify --db: the start's whole check, read only; the report on stdout, exit 2 on a difference.
"$credits" verify --db "$tmp/run.db" > "$tmp/verify" 2>"$tmp/err" || fail "verify of a sound ledger: $(cat "$tmp/err")"
grep -qF '"ok":true' "$tmp/verify" && grep -qF '"problems":[]' "$tmp/verify" || fail "verify's report of a sound ledger: $(cat "$tmp/verify")"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE payers SET held = held + 1"); c.commit()' "$tmp/run.db"
expect_exit 2 "verify of a tampered ledger" "$credits" verify --db "$tmp/run.db"
grep -q '"ledger_mismatch"' "$tmp/err" && grep -qF '"ok":false' "$tmp/out" && grep -qF 'held 1' "$tmp/out" ||
  fail "verify names the tampered held balance: $(cat "$tmp/out") $(cat "$tmp/err")"
expect_exit 2 "verify of a missing file" "$credits" verify --db "$tmp/missing.db"
expect_error ledger '{"op":"release","at":"2026-11-01T00:00:00Z","reservation":"nope"}' unknown_reservation /reservation "an unknown reservation"
expect_error ledger "$(printf '%s\n' '{"op":"create_user","at":"2026-11-01T00:00:00Z","user":"a"}' \
  '{"op":"set_auto_top_up","at":"2026-11-01T00:00:00Z","payer":"user:a","below":100,"to":50}')" invalid_op /to "to <= below"

if [ "$failures" -gt 0 ]; then
  echo "$failures CLI contract check(s) failed"
  exit 1
fi
echo "CLI contract: all checks passed"
