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

for sub in estimate plan ledger billing serve journal; do
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
printf '{"version":"v","version":"w","models":[]}' > "$tmp/dup-card.json"
expect_exit 2 "a rate card with a duplicate key" "$credits" estimate --rate-card "$tmp/dup-card.json"
grep -q '"invalid_json"' "$tmp/err" && grep -q '"/version"' "$tmp/err" || fail "a duplicate key in a card is invalid_json at /version"

if [ "$failures" -gt 0 ]; then
  echo "$failures CLI contract check(s) failed"
  exit 1
fi
echo "CLI contract: all checks passed"
