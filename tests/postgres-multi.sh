#!/usr/bin/env bash
# Several `credits serve` on one PostgreSQL ledger (docs/storage.md), against a real PostgreSQL
# 15 started here in a temp folder (socket in that folder, no TCP), stopped and removed at the
# end, also on failure. Nothing is mocked: tests/server/multi_server.test.mjs runs three servers
# on one database (32 clients on one pooled workspace; one key through three servers at once;
# kill -9 of one server under load). Usage: postgres-multi.sh CREDITS SRC
set -uo pipefail
credits=$1
src=$2

# shellcheck source=../scripts/pg-temp.sh
. "$src/scripts/pg-temp.sh"
trap pg_temp_stop EXIT
trap "exit 130" INT TERM
pg_temp_start -c max_connections=50 -c shared_buffers=32MB || { echo "FAIL: cannot start PostgreSQL"; exit 1; }

export CREDITS_TEST_PG=$PG_TEMP_URL CREDITS_TEST_PSQL=$PG_BIN/psql CREDITS_BIN=$credits
# The PostgreSQL crash test stops and starts this server: pg_temp_crash, pg_temp_restart.
export PG_TEMP_DIR PG_TEMP_PORT PG_TEMP_FLAGS PG_BIN
if ! node --test ${MULTI_ONLY:+--test-name-pattern="$MULTI_ONLY"} "$src/tests/server/multi_server.test.mjs"; then
  echo "--- PostgreSQL server log (tail)"
  tail -n 30 "$PG_TEMP_DIR/server.log"
  exit 1
fi
