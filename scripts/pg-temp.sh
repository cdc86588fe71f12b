# Sourced by tests/postgres.sh and bench/server/postgres.sh: a throwaway PostgreSQL server in a
# temp folder (Debian's postgresql package, 15 by default: PG_BIN), its socket in that folder and
# no TCP listener, so it never meets another server. initdb refuses to run as root: as root the
# cluster belongs to the postgres user.
#   pg_temp_start [server flags...]  starts it; sets PG_TEMP_DIR, PG_TEMP_PORT, PG_TEMP_URL (the
#                                    postgres database); returns non-zero (with the log) if not
#   pg_temp_url NAME                 the libpq URL of database NAME on it
#   pg_temp_psql ARGS...             psql on the postgres database (-d another URL to choose)
#   pg_temp_stop                     stops it (immediate) and removes the folder: call it from an
#                                    EXIT trap, so a failure leaves nothing running
#   pg_temp_crash                    stops it as a crash would (immediate: WAL not yet flushed is
#                                    lost), keeping the folder; pg_temp_restart starts it again
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

pg_temp_as_owner() {  # from /, which the postgres user may enter, unlike a build folder
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_temp_start() {
  if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
    echo "no PostgreSQL server binaries in $PG_BIN (scripts/setup.sh installs Debian's postgresql)" >&2
    return 1
  fi
  PG_TEMP_DIR=$(mktemp -d /tmp/credits-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_TEMP_DIR"
  PG_TEMP_PORT=$((20000 + RANDOM % 20000))  # names the socket file only
  pg_temp_as_owner "$PG_BIN/initdb" -D "$PG_TEMP_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$PG_TEMP_DIR/initdb.log" 2>&1 || { cat "$PG_TEMP_DIR/initdb.log" >&2; return 1; }
  PG_TEMP_FLAGS="$*"
  pg_temp_restart || return 1
  PG_TEMP_URL=$(pg_temp_url postgres)
}

pg_temp_restart() {
  pg_temp_as_owner "$PG_BIN/pg_ctl" -D "$PG_TEMP_DIR/data" -l "$PG_TEMP_DIR/server.log" -w -t 30 \
    -o "-k $PG_TEMP_DIR -p $PG_TEMP_PORT -c listen_addresses='' ${PG_TEMP_FLAGS:-}" start >/dev/null ||
    { cat "$PG_TEMP_DIR/server.log" >&2; return 1; }
}

pg_temp_crash() { pg_temp_as_owner "$PG_BIN/pg_ctl" -D "$PG_TEMP_DIR/data" -m immediate -w stop >/dev/null; }

pg_temp_url() { echo "postgresql:///$1?host=$PG_TEMP_DIR&port=$PG_TEMP_PORT&user=postgres"; }

pg_temp_psql() { "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$PG_TEMP_URL" "$@"; }

pg_temp_stop() {
  [ -n "${PG_TEMP_DIR:-}" ] || return 0
  pg_temp_as_owner "$PG_BIN/pg_ctl" -D "$PG_TEMP_DIR/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$PG_TEMP_DIR"
  PG_TEMP_DIR=
}
