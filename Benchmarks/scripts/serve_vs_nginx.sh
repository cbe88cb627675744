#!/usr/bin/env bash
# `abtop serve` against a plain reverse proxy, side by side in one run on this machine (issue 15): the mock
# (`abtop mock-server --profile fast`, answers at once), nginx (Debian's package) with `proxy_pass` and upstream
# keep-alive in front of it, and `abtop serve` (one entity on that mock, journal on, as by default) in front of it.
# For 1, 8 and 64 connections, ROUNDS times (default 3), wrk runs SECONDS (default 5) against each side in turn —
# the mock directly, nginx, abtop (and a second abtop build when BASELINE_BIN is set) — and the script prints, per
# side: p50 and p99 latency, what it adds over the direct run of the same round, requests/s, and the CPU the
# gateway (and the mock behind it) spent per request, from their processes' user + system time.
# Then streamed answers: `Benchmarks first-content` times the first byte of answer text through each side, one
# request at a time in turn.
# Needs release builds (swift build -c release --product abtop; --product Benchmarks), wrk and nginx
# (apt-get install wrk nginx-light).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${ABTOP_BIN:-.build/release/abtop}
baseline=${BASELINE_BIN:-}
rounds=${ROUNDS:-3}
seconds=${SECONDS_PER_RUN:-5}
connections=${CONNECTIONS:-1 8 64}
stream_rounds=${STREAM_ROUNDS:-2000}
mock_port=${MOCK_PORT:-9320}
nginx_port=${NGINX_PORT:-9321}
serve_port=${SERVE_PORT:-9322}
baseline_port=${BASELINE_PORT:-9323}
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

cat >"$work/bench.json" <<JSON
{"name": "bench", "config": {"served_entities": [
  {"name": "a", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat", "openai_config": {"openai_api_key_plaintext": "sk-bench"}}}],
 "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 100}]}},
 "abtop": {"entities": {"a": {"base_url": "http://127.0.0.1:$mock_port/v1"}}}}
JSON
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log error;
events { worker_connections 1024; }
http {
  access_log off;
  upstream mock { server 127.0.0.1:$mock_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
NGINX
cat >"$work/result.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
wrk.body = '{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection reuse in HTTP clients."}]}'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d p50=%d p99=%d errors=%d non2xx=%d\n", summary.requests,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
LUA

"$bin" mock-server --port "$mock_port" --profile fast >/dev/null 2>&1 &
mock=$!
pids+=("$mock")
nginx -c "$work/nginx.conf" -p "$work" >/dev/null 2>&1 &
pids+=("$!")
"$bin" serve "$work/bench.json" --headless --port "$serve_port" --store "$work/journal.sqlite" --seed 1 \
    >"$work/serve.log" 2>&1 &
serve=$!
pids+=("$serve")
sides="direct nginx abtop"
if [[ -n "$baseline" ]]; then
    "$baseline" serve "$work/bench.json" --headless --port "$baseline_port" --store "$work/baseline.sqlite" \
        --seed 1 >"$work/baseline.log" 2>&1 &
    pids+=("$!")
    sides="$sides baseline"
fi
url() {
    case $1 in
    direct) echo "http://127.0.0.1:$mock_port/v1/chat/completions" ;;
    nginx) echo "http://127.0.0.1:$nginx_port/v1/chat/completions" ;;
    abtop) echo "http://127.0.0.1:$serve_port/serving-endpoints/bench/invocations" ;;
    baseline) echo "http://127.0.0.1:$baseline_port/serving-endpoints/bench/invocations" ;;
    esac
}
for side in $sides; do
    for _ in $(seq 200); do curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
        -d '{"messages":[{"role":"user","content":"hi"}]}' "$(url "$side")" && break; sleep 0.1; done
done
nginx_worker=$(pgrep -P "$(cat "$work/nginx.pid")" | head -1)
gateway_pid() {
    case $1 in
    direct) echo "" ;;
    nginx) echo "$nginx_worker" ;;
    abtop) echo "$serve" ;;
    baseline) echo "${pids[3]}" ;;
    esac
}
# A process's user + system CPU so far, in clock ticks (all its threads).
ticks() { [[ -n "$1" ]] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0; }
hz=$(getconf CLK_TCK)

echo "== non-streamed chat, wrk ${seconds} s per run, ${rounds} rounds, sides in turn: $sides"
for c in $connections; do
    threads=$((c < 2 ? 1 : 2))
    for round in $(seq "$rounds"); do
        for side in $sides; do
            gw=$(gateway_pid "$side")
            g0=$(ticks "$gw")
            m0=$(ticks "$mock")
            line=$(wrk -t"$threads" -c"$c" -d"${seconds}s" -s "$work/result.lua" "$(url "$side")" | grep '^RESULT')
            g1=$(ticks "$gw")
            m1=$(ticks "$mock")
            echo "$line conn=$c round=$round side=$side gw_ticks=$((g1 - g0)) mock_ticks=$((m1 - m0)) hz=$hz"
        done
    done
done | tee "$work/runs.txt"

python3 - "$work/runs.txt" "$seconds" <<'PY'
import re, statistics, sys
runs = [dict(kv.split("=") for kv in line.split()[1:]) for line in open(sys.argv[1])]
for r in runs:
    for k in ("requests", "p50", "p99", "errors", "non2xx", "conn", "round", "gw_ticks", "mock_ticks", "hz"):
        r[k] = int(r[k])
direct = {(r["conn"], r["round"]): r for r in runs if r["side"] == "direct"}
print("\nper side, median of the rounds (added = side − direct in the same round)")
print(f"{'conn':>4} {'side':<9} {'p50 ms':>8} {'p99 ms':>8} {'added p50':>10} {'added p99':>10} {'req/s':>8} "
      f"{'gw CPU/req ms':>14} {'mock CPU/req ms':>16} {'failed':>7}")
for conn in sorted({r["conn"] for r in runs}):
    for side in dict.fromkeys(r["side"] for r in runs):
        rs = [r for r in runs if r["conn"] == conn and r["side"] == side]
        med = lambda f: statistics.median(f(r) for r in rs)
        p50 = med(lambda r: r["p50"] / 1000)
        p99 = med(lambda r: r["p99"] / 1000)
        a50 = med(lambda r: (r["p50"] - direct[(conn, r["round"])]["p50"]) / 1000)
        a99 = med(lambda r: (r["p99"] - direct[(conn, r["round"])]["p99"]) / 1000)
        cpu = med(lambda r: r["gw_ticks"] / r["hz"] * 1000 / max(1, r["requests"]))
        mcpu = med(lambda r: r["mock_ticks"] / r["hz"] * 1000 / max(1, r["requests"]))
        failed = sum(r["errors"] + r["non2xx"] for r in rs)
        reqs = med(lambda r: r["requests"]) / float(sys.argv[2])
        print(f"{conn:>4} {side:<9} {p50:>8.3f} {p99:>8.3f} {a50:>+10.3f} {a99:>+10.3f} {reqs:>8.0f} "
              f"{'—' if side == 'direct' else format(cpu, '.4f'):>14} {mcpu:>16.4f} {failed:>7}")
PY
echo "(CPU from /proc/PID/stat: user + system time of every thread, ${hz} ticks/s)"

echo "== streamed chat: time to the first byte of answer text, ${stream_rounds} requests per side, one at a time"
first_urls=()
for side in $sides; do first_urls+=("$(url "$side")"); done
.build/release/Benchmarks first-content "$stream_rounds" "${first_urls[@]}"
