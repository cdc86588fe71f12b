#!/usr/bin/env bash
# The durable ledger on PostgreSQL (server/pg_store.cpp, docs/server.md "PostgreSQL"), against a
# real PostgreSQL 15 started here in a temp folder (socket in that folder, no TCP), stopped and
# removed at the end, also on failure. Nothing is mocked. Usage: postgres.sh CREDITS SRC [SERVER_TESTS]
# Checks:
# - `credits ledger --db postgresql://…` prints what the in-memory ledger prints, on the demo
#   month and on a mix with reservations, draws, releases and alerts; a restart in the middle
#   recovers (replay checked) and goes on; `credits journal --db` prints the SQLite journal;
# - a tampered row (payers, entries, journal) makes the next open refuse: exit 2, ledger_mismatch;
# - a schema-2 database is read by a reader as it is and migrated to schema 4 by a writer, which
#   backfills its records with its first commit;
# - the stores' records, snapshots and reads after a record (tests/store_records_test.cpp, in
#   SERVER_TESTS, the credits_server_tests binary) against PgStore, a database per test;
# - errors: no such database, no ledger in it, a password never printed;
# - the whole server suite on PostgreSQL (CREDITS_TEST_PG, tests/server/lib.mjs), each test's
#   ledger a database of its own: kill -9 under load loses nothing acknowledged, the 32-client
#   race, reservations kept over a restart, a tampered row refused, HTTP parity, limits...; and the
#   writers' lock: servers share a database, credits ledger --db writes it alone
#   (tests/server/postgres.test.mjs). Three servers on one database: tests/postgres-multi.sh.
# PG_BIN (default /usr/lib/postgresql/15/bin) names the server's binaries; CRASH_ROUNDS the
# kill -9 rounds (8 here); PG_SERVER_TESTS the tests/server/*.test.mjs to run (all by default;
# empty: the CLI checks only).
set -uo pipefail
credits=$1
src=$2
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# shellcheck source=../scripts/pg-temp.sh
. "$src/scripts/pg-temp.sh"
tmp=$(mktemp -d)
cleanup() {
  pg_temp_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 130" INT TERM
pg_temp_start -c max_connections=50 -c shared_buffers=32MB || { echo "FAIL: cannot start PostgreSQL"; exit 1; }

url() { pg_temp_url "$1"; }
psql_in() { local db=$1; shift; pg_temp_psql -d "$(url "$db")" "$@"; }
createdb() { pg_temp_psql -c "CREATE DATABASE $1" || fail "CREATE DATABASE $1"; }
pgdir=$PG_TEMP_DIR
port=$PG_TEMP_PORT
card=$src/demo/rate-card.json

expect_exit() {  # expected-status description command... (stdin from $input, default /dev/null)
  local want=$1 what=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err" <"${input:-/dev/null}"
  local got=$?
  [ "$got" = "$want" ] || fail "$what: exit $got, want $want: $(head -c 400 "$tmp/err")"
}

# Same results as in memory, whole and with a restart in the middle; the journal as SQLite's.
for f in "$src/demo/month.jsonl" "$src/tests/data/durable-mix.jsonl"; do
  name=$(basename "$f" .jsonl | tr -c 'a-z0-9\n' '_')
  createdb "whole_$name"
  createdb "split_$name"
  "$credits" ledger --rate-card "$card" <"$f" >"$tmp/mem" || fail "in memory < $f"
  "$credits" ledger --rate-card "$card" --db "$(url "whole_$name")" <"$f" >"$tmp/pg" || fail "ledger --db pg < $f"
  cmp -s "$tmp/mem" "$tmp/pg" || fail "ledger --db postgresql:// gives other results than in memory on $f"
  half=$(($(wc -l <"$f") / 2))
  head -n "$half" "$f" | "$credits" ledger --rate-card "$card" --db "$(url "split_$name")" >"$tmp/pg1" || fail "first half of $f"
  tail -n +"$((half + 1))" "$f" | "$credits" ledger --db "$(url "split_$name")" >"$tmp/pg2" || fail "second half of $f"
  cat "$tmp/pg1" "$tmp/pg2" | cmp -s - "$tmp/mem" || fail "a restart in the middle of $f changes the results"
  "$credits" ledger --rate-card "$card" --db "$tmp/$name.db" <"$f" >/dev/null || fail "ledger --db sqlite < $f"
  "$credits" journal --db "$tmp/$name.db" >"$tmp/journal-sqlite" || fail "journal --db sqlite"
  "$credits" journal --db "$(url "whole_$name")" >"$tmp/journal-pg" || fail "journal --db pg"
  cmp -s "$tmp/journal-sqlite" "$tmp/journal-pg" || fail "journal --db postgresql:// differs from SQLite's on $f"
  [ "$(wc -l <"$tmp/journal-pg")" -gt 10 ] || fail "the journal of $f is short"
  expect_exit 0 "reopened $name" "$credits" ledger --db "$(url "whole_$name")"
done
echo "postgres: ledger --db and journal --db as SQLite and in memory"

# Tampering: each changed row is found at the next open, which refuses.
mismatch() {  # description database
  expect_exit 2 "$1" "$credits" ledger --db "$(url "$2")"
  grep -q '"code":"ledger_mismatch"' "$tmp/err" || fail "$1: not ledger_mismatch: $(head -c 300 "$tmp/err")"
}
db=whole_durable_mix
psql_in $db -c "UPDATE payers SET wallet = wallet + 1 WHERE payer = 'user:ana'"
mismatch "a payer's wallet changed" $db
grep -q 'user:ana: stored .*wallet' "$tmp/err" || fail "the report names the payer and what differs: $(head -c 300 "$tmp/err")"
psql_in $db -c "UPDATE payers SET wallet = wallet - 1 WHERE payer = 'user:ana'"
expect_exit 0 "the wallet put back" "$credits" ledger --db "$(url $db)"
psql_in $db -c "UPDATE entries SET wallet = wallet + 1 WHERE seq = (SELECT max(seq) FROM entries)"
mismatch "an entry changed" $db
psql_in $db -c "UPDATE entries SET wallet = wallet - 1 WHERE seq = (SELECT max(seq) FROM entries)"
psql_in $db -c "DELETE FROM journal WHERE seq = (SELECT max(seq) FROM journal WHERE body LIKE '%\"op\":\"charge\"%')"
mismatch "the last charge's journal record gone" $db
echo "postgres: tampered rows refused"

# Serialization failures are retried: a trigger fails the first commits' journal insert with
# SQLSTATE 40001 (counted by a sequence, which no rollback undoes); the results are the same.
createdb flaky
"$credits" ledger --rate-card "$card" --db "$(url flaky)" </dev/null || fail "a ledger for the flaky test"
psql_in flaky -c "CREATE TABLE flaky_budget (n bigint); INSERT INTO flaky_budget VALUES (3); CREATE SEQUENCE flaky_seq;
  CREATE FUNCTION flaky() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
    IF nextval('flaky_seq') <= (SELECT n FROM flaky_budget) THEN
      RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = 'serialization_failure'; END IF;
    RETURN NULL; END \$\$;
  CREATE TRIGGER flaky AFTER INSERT ON journal FOR EACH STATEMENT EXECUTE FUNCTION flaky();" || fail "the flaky trigger"
"$credits" ledger --db "$(url flaky)" <"$src/tests/data/durable-mix.jsonl" >"$tmp/flaky" || fail "ledger --db with 3 serialization failures"
"$credits" ledger --rate-card "$card" <"$src/tests/data/durable-mix.jsonl" | cmp -s - "$tmp/flaky" || fail "retried commits give other results"
[ "$(psql_in flaky -c "SELECT last_value FROM flaky_seq")" -gt 3 ] || fail "the trigger did not fail any commit"
psql_in flaky -c "UPDATE flaky_budget SET n = 1000000"
printf '%s\n' '{"op":"create_user","at":"2026-11-05T00:00:00Z","user":"zed"}' >"$tmp/one-more"
input=$tmp/one-more expect_exit 2 "a commit failing every time" "$credits" ledger --db "$(url flaky)"
grep -q '"code":"storage_failed".*injected serialization failure (SQLSTATE 40001) (after 8 attempts)' "$tmp/err" ||
  fail "a commit failing every time: $(head -c 400 "$tmp/err")"
[ -s "$tmp/out" ] && fail "a failed commit's results were printed"
echo "postgres: serialization failures retried (8 attempts at most)"

# A schema-2 database (before the head of several writers, and the records) is read as it is by
# a reader and brought to schema 4 by its first writer, the head where the journal ends and its
# records to be backfilled (the journal holds operations the empty records table does not).
createdb old_schema
"$credits" ledger --rate-card "$card" --db "$(url old_schema)" <"$src/tests/data/durable-mix.jsonl" >/dev/null || fail "a ledger for the schema-2 test"
psql_in old_schema -c "DROP TABLE ledger_head; DROP INDEX entries_charge_once; DROP TABLE records; DROP TABLE snapshots;
  DELETE FROM meta WHERE key = 'records'; UPDATE meta SET value = '2' WHERE key = 'schema'"
"$credits" journal --db "$(url old_schema)" >"$tmp/journal-2" || fail "journal --db of a schema-2 database"
[ "$(psql_in old_schema -c "SELECT value FROM meta WHERE key = 'schema'")" = 2 ] || fail "a reader changed the schema"
input=$tmp/one-more expect_exit 0 "a writer on a schema-2 database" "$credits" ledger --db "$(url old_schema)"
[ "$(psql_in old_schema -c "SELECT value FROM meta WHERE key = 'schema'")" = 4 ] || fail "the writer did not migrate to schema 4"
# The writer's start replayed the whole journal (the records could not be read) and its first
# commit wrote every record that replay made: the history is complete from then on.
[ "$(psql_in old_schema -c "SELECT value FROM meta WHERE key = 'records'")" = complete ] ||
  fail "the migrated database's records were not backfilled by its first writer"
[ "$(psql_in old_schema -c "SELECT count(*) > 0 FROM records WHERE key = 'c1'")" = t ] ||
  fail "the backfill wrote no record of the journal's charges"
[ "$(psql_in old_schema -c "SELECT seq = (SELECT max(seq) FROM journal) AND entries = (SELECT count(*) FROM entries) FROM ledger_head")" = t ] ||
  fail "the migrated head is not where the journal ends"
echo "postgres: a schema-2 database read, then migrated"

# Errors: exit 2 with a JSON error, never the password.
expect_exit 2 "no such database" "$credits" ledger --db "$(url no_such_db)"
grep -q '"code":"unreadable_file"' "$tmp/err" || fail "no such database: $(head -c 300 "$tmp/err")"
createdb empty_db
expect_exit 2 "journal of a database without a ledger" "$credits" journal --db "$(url empty_db)"
grep -q 'no credits ledger' "$tmp/err" || fail "journal of an empty database: $(head -c 300 "$tmp/err")"
expect_exit 2 "a password" "$credits" ledger --db "postgresql://postgres:sw0rdfish@/no_such_db?host=$pgdir&port=$port"
grep -q sw0rdfish "$tmp/err" && fail "the password is printed: $(head -c 300 "$tmp/err")"
expect_exit 2 "serve on PostgreSQL without --token-file" "$credits" serve --db "$(url empty_db)" --port 0
grep -q 'token-file' "$tmp/err" || fail "serve without --token-file: $(head -c 300 "$tmp/err")"
echo "postgres: errors"

# The stores' own checks against PgStore (the SQLite ones run in ctest's credits_server_tests).
if [ -n "${3:-}" ]; then
  if CREDITS_TEST_PG=$PG_TEMP_URL "$3" --gtest_filter='*/pg' --gtest_brief=1 >"$tmp/gtest.log" 2>&1; then
    grep -E '^\[  PASSED  \]' "$tmp/gtest.log" | sed 's/^/postgres: store records: /'
  else
    cat "$tmp/gtest.log"
    fail "tests/store_records_test.cpp on PostgreSQL"
  fi
fi

# The server tests, each test's ledger a database of its own on this server.
export CREDITS_TEST_PG=$PG_TEMP_URL CREDITS_TEST_PSQL=$PG_BIN/psql CREDITS_BIN=$credits
export CRASH_ROUNDS=${CRASH_ROUNDS:-8}
# The bounded test with fewer operations here (BOUNDED_OPS_PG): the bound does not depend on them.
export BOUNDED_OPS=${BOUNDED_OPS_PG:-100000} CREDITS_LOAD_BIN=${CREDITS_LOAD_BIN:-$(dirname "$credits")/credits_load}
for t in ${PG_SERVER_TESTS-postgres crash race reservations http limits diff usage_csv forecast events bounded}; do
  node --test "$src/tests/server/$t.test.mjs" >"$tmp/node.log" 2>&1 || { cat "$tmp/node.log"; fail "tests/server/$t.test.mjs on PostgreSQL"; }
  grep -E '^# (pass|fail|duration)|kill -9 rounds' "$tmp/node.log" | sed "s/^/postgres: $t: /"
done

if [ "$failures" -ne 0 ]; then
  echo "--- PostgreSQL server log (tail)"
  tail -n 30 "$PG_TEMP_DIR/server.log"
  echo "$failures failure(s)"
  exit 1
fi
echo "postgres: all passed"
