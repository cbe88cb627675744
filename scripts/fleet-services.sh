#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL and Redis on loopback for the fleet test and benchmark:
#   scripts/fleet-services.sh start DIR   → writes DIR/env (ABTOP_TEST_PG, ABTOP_TEST_REDIS, ports)
#   scripts/fleet-services.sh stop DIR
#   scripts/fleet-services.sh pg-stop|pg-start|redis-stop|redis-start DIR   (one server down and up again)
# Both servers come from Debian's packages (scripts/setup.sh installs them), listen on 127.0.0.1 only, keep their
# data under DIR, and are stopped by `stop` (the test's trap calls it, whatever happened).
set -euo pipefail

cmd=${1:?start|stop}
dir=${2:?a directory}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# PostgreSQL refuses to run as root: as root, its programs run as the postgres user Debian's package made.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_redis() {
    redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log"
    for _ in $(seq 100); do
        redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "redis-server did not start on port $1" >&2
    return 1
}

case "$cmd" in
start)
    mkdir -p "$dir"
    chmod 755 "$dir"
    pg_port=$(free_port)
    redis_port=$(free_port)
    mkdir -p "$dir/pg"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir/pg"; fi
    as_pg "$pgbin/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
    as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 \
        -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100" start \
        >/dev/null
    "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres abtop
    start_redis "$redis_port"
    cat >"$dir/env" <<ENV
ABTOP_TEST_PG=postgres://postgres@127.0.0.1:$pg_port/abtop
ABTOP_TEST_REDIS=redis://127.0.0.1:$redis_port
PG_PORT=$pg_port
REDIS_PORT=$redis_port
PG_BIN=$pgbin
ENV
    ;;
stop)
    if [ -f "$dir/env" ]; then
        # shellcheck disable=SC1091
        . "$dir/env"
        redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    fi
    if [ -d "$dir/pg/data" ]; then
        as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    ;;
pg-stop | pg-start | redis-stop | redis-start)
    # shellcheck disable=SC1091
    . "$dir/env"
    case "$cmd" in
    pg-stop) as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null ;;
    pg-start)
        as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 \
            -o "-p $PG_PORT -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100" start \
            >/dev/null
        ;;
    redis-stop) redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true ;;
    redis-start) start_redis "$REDIS_PORT" ;;
    esac
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
