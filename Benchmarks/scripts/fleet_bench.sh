#!/usr/bin/env bash
# The fleet (issue 28) against one replica on the same machine, one run, every side in front of the same
# `abtop mock-server --profile fast` (answers at once), measured with wrk:
#   single   one `abtop serve` as before the fleet: SQLite journal, no Redis;
#   replica  one replica of a fleet: PostgreSQL journal (spool, answers after their row is written), Redis state;
#   pruning  the same with --spool-keep 100: its spool is pruned every 1,000 requests shipped (the default prunes
#            10,000 every 10,000), to see what pruning costs the answers waiting on the spool;
#   fleet    three replicas behind nginx (one worker, keepalive upstream), PostgreSQL and Redis.
# For 1 and 64 connections: requests/s and p50/p99 (wrk --latency), three rounds in turn. Then the PostgreSQL
# journal's sustained rate: PostgreSQL is stopped while the fleet serves for SPOOL_SECONDS, and timed, once started
# again, until every spooled request is in it (rows: requests, outputs and prompts).
# Needs a release build (swift build -c release --product abtop), wrk and nginx (apt-get install wrk nginx-light);
# PostgreSQL and Redis come from scripts/fleet-services.sh, on loopback, stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
bin=${ABTOP_BIN:-.build/release/abtop}
seconds=${SECONDS_PER_SIDE:-8}
rounds=${ROUNDS:-3}
spool_seconds=${SPOOL_SECONDS:-20}
work=$(mktemp -d /tmp/abtop-fleet-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    wait 2>/dev/null || true
    "$root/scripts/fleet-services.sh" stop "$work/services" || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$root/scripts/fleet-services.sh" start "$work/services"
# shellcheck disable=SC1091
. "$work/services/env"
mock_port=$(free_port)
"$bin" mock-server --port "$mock_port" --profile fast >/dev/null 2>&1 &
pids+=($!)
echo '{"bench/key": "sk-bench"}' >"$work/secrets.json"
cat >"$work/bench.json" <<JSON
{"name": "bench", "config": {"served_entities": [
  {"name": "a", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat", "openai_config": {"openai_api_key": "{{secrets/bench/key}}"}}},
  {"name": "b", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat", "openai_config": {"openai_api_key": "{{secrets/bench/key}}"}}}],
 "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 50}, {"served_model_name": "b", "traffic_percentage": 50}]}},
 "abtop": {"entities": {"a": {"base_url": "http://127.0.0.1:$mock_port/v1"}, "b": {"base_url": "http://127.0.0.1:$mock_port/v1"}}}}
JSON

wait_up() { for _ in $(seq 200); do curl -sf "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "port $1 did not answer" >&2; exit 1; }

serve() {  # serve NAME PORT EXTRA...: starts a serve, appends its pid
    local name=$1 port=$2
    shift 2
    XDG_DATA_HOME="$work/$name" "$bin" serve "$work/bench.json" --secrets "$work/secrets.json" --headless --quiet \
        --port "$port" --seed 1 "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    wait_up "$port"
}

single_port=$(free_port)
serve single "$single_port" --store "$work/single.sqlite"
replica_port=$(free_port)
serve replica "$replica_port" --replica solo --store "$ABTOP_TEST_PG" --fleet "redis://127.0.0.1:$REDIS_PORT/1"
pruning_port=$(free_port)
serve pruning "$pruning_port" --replica pruning --store "$ABTOP_TEST_PG" --fleet "redis://127.0.0.1:$REDIS_PORT/2" \
    --spool-keep 100
fleet_ports=()
for i in 1 2 3; do
    p=$(free_port)
    fleet_ports+=("$p")
    serve "r$i" "$p" --replica "r$i" --store "$ABTOP_TEST_PG" --fleet "$ABTOP_TEST_REDIS"
done
lb_port=$(free_port)
cat >"$work/nginx.conf" <<NGINX
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx-body;
    proxy_temp_path $work/nginx-proxy;
    upstream abtop {
        server 127.0.0.1:${fleet_ports[0]};
        server 127.0.0.1:${fleet_ports[1]};
        server 127.0.0.1:${fleet_ports[2]};
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$lb_port;
        location / {
            proxy_pass http://abtop;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_buffering off;
        }
    }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work"
wait_up "$lb_port"

run_wrk() {  # run_wrk PORT CONNECTIONS → "req/s p50_ms p99_ms non2xx"
    local out
    out=$(wrk -t"$([ "$2" -gt 1 ] && echo 2 || echo 1)" -c"$2" -d"${seconds}s" --latency -s Benchmarks/scripts/serve.lua \
        "http://127.0.0.1:$1/serving-endpoints/bench/invocations")
    python3 - "$out" <<'PY'
import re, sys
text = sys.argv[1]
def ms(label):
    m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)", text, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:9.0f} {ms('50'):8.3f} {ms('99'):8.3f} {int(bad.group(1)) if bad else 0:7d}")
PY
}

echo "== ${seconds} s per side, ${rounds} rounds, sides in turn (wrk -t1|2 -cN --latency)"
printf "%-4s %-8s %9s %8s %8s %7s\n" conn side "req/s" "p50 ms" "p99 ms" non2xx
for round in $(seq "$rounds"); do
    for c in 1 64; do
        for side in single replica pruning fleet; do
            case $side in
            single) port=$single_port ;;
            replica) port=$replica_port ;;
            pruning) port=$pruning_port ;;
            fleet) port=$lb_port ;;
            esac
            printf "%-4s %-8s %s\n" "$c" "$side" "$(run_wrk "$port" "$c")"
        done
    done
done

count() { "$PG_BIN/psql" "$ABTOP_TEST_PG" -Atc "SELECT COUNT(*) FROM $1 WHERE replica LIKE 'r%'"; }
echo "== PostgreSQL journal: stopped while the fleet serves ${spool_seconds} s (wrk -c16), then timed catching up"
sleep 2
before=$(count request)
"$root/scripts/fleet-services.sh" pg-stop "$work/services"
wrk -t2 -c16 -d"${spool_seconds}s" -s Benchmarks/scripts/serve.lua \
    "http://127.0.0.1:$lb_port/serving-endpoints/bench/invocations" | grep -E "Requests/sec|requests in|Non-2xx" || true
spooled=0
for i in 1 2 3; do
    n=$(python3 -c "import sqlite3,glob; print(sum(sqlite3.connect(f).execute('select count(*) from request').fetchone()[0] for f in glob.glob('$work/r$i/abtop/spool-*.sqlite')))")
    spooled=$((spooled + n))
done
"$root/scripts/fleet-services.sh" pg-start "$work/services"
# Timed from the first row shipped (the replicas' reconnect backoff, up to 5 s, is not the journal's rate).
while [ "$(count request)" -le "$before" ]; do sleep 0.02; done
start=$(date +%s.%N)
while [ "$(count request)" -lt "$spooled" ]; do sleep 0.05; done
end=$(date +%s.%N)
rows=$(( $(count request) + $(count output) + $(count prompt) ))
python3 - "$before" "$spooled" "$start" "$end" "$rows" <<'PY'
import sys
before, spooled, start, end, rows = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
waiting = spooled - before
took = end - start
print(f"{waiting} requests waited in the spools; PostgreSQL had them all {took:.2f} s after the first arrived: "
      f"{waiting / took:.0f} requests/s, about {3 * waiting / took:.0f} rows/s (request, output, prompt)")
print(f"journal now: {spooled} requests, {rows} rows in request + output + prompt")
PY
