#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the test suite and print its admin URL.
# Installs Debian's postgresql package when missing. Usage: eval "$(scripts/postgres.sh start)"; scripts/postgres.sh stop
set -euo pipefail
PGROOT=${PLANBOT_PG_ROOT:-/tmp/planbot-pg}
PORT=${PLANBOT_PG_PORT:-54329}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

bindir() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$found" ]; then
        echo "planbot: installing postgresql with apt-get" >&2
        $SUDO apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
        found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    echo "$found"
}

as_owner() {  # PostgreSQL refuses to run as root: run as the postgres user then
    if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

case "${1:-start}" in
start)
    BIN=$(bindir)
    if ! as_owner "$BIN/pg_ctl -D $PGROOT/data status" >/dev/null 2>&1; then
        rm -rf "$PGROOT" && mkdir -p "$PGROOT"
        [ "$(id -u)" -ne 0 ] || chown postgres "$PGROOT"
        as_owner "$BIN/initdb -D $PGROOT/data -A trust -U postgres" >/dev/null
        as_owner "$BIN/pg_ctl -D $PGROOT/data -l $PGROOT/log -w -o \"-p $PORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off\" start" >/dev/null
    fi
    echo "export PLANBOT_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
    ;;
stop)
    BIN=$(bindir)
    as_owner "$BIN/pg_ctl -D $PGROOT/data -m fast stop" >/dev/null 2>&1 || true
    ;;
esac
