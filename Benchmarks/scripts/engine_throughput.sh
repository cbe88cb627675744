#!/usr/bin/env bash
# abtop's engine against the mock's `fast` profile, side by side with wrk on the same mock, in one run:
# throughput at 64 in flight (ratio to wrk), memory after 10k and 100k requests, CPU per request; then the
# engine's p50 against a fixed 50 ms mock. Needs release builds (`swift build -c release`), wrk and GNU time
# (apt-get install wrk time).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.build/release/abtop
port=${PORT:-9210}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT

cat >"$work/endpoint.json" <<JSON
{"served_entities": [
  {"name": "a", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat", "openai_config": {"openai_api_key_plaintext": "sk-bench"}}},
  {"name": "b", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat", "openai_config": {"openai_api_key_plaintext": "sk-bench"}}}],
 "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 50}, {"served_model_name": "b", "traffic_percentage": 50}]},
 "abtop": {"entities": {"a": {"base_url": "http://127.0.0.1:$port/v1"}, "b": {"base_url": "http://127.0.0.1:$port/v1"}},
           "request": {"stream": false, "max_tokens": 64}}}
JSON

"$bin" mock-server --port "$port" --profile fast >/dev/null 2>&1 &
server=$!
sleep 1

echo "== wrk -t2 -c64 -d10s on the mock (fast profile, non-streaming)"
wrk_rps=$(wrk -t2 -c64 -d10s -s Benchmarks/scripts/chat.lua "http://127.0.0.1:$port/v1/chat/completions" | awk '/Requests\/sec/ {print $2}')
echo "wrk: $wrk_rps requests/s"

run() {  # run N [store args…]: prints "requests/s maxRSS(KiB) cpu-seconds errors"
    local n=$1; shift
    /usr/bin/time -f "%M %U %S" -o "$work/time" "$bin" run "$work/endpoint.json" --headless --json --quiet \
        --concurrency 64 --requests "$n" --seed 1 "$@" >"$work/summary.json"
    python3 - "$work/summary.json" "$work/time" "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
rss, user, system = open(sys.argv[2]).read().split()[-3:]
errors = sum(sum(e["errors"].values()) for e in s["entities"])
print(f'{s["requests"] / s["duration_s"]:.0f} {rss} {float(user) + float(system):.2f} {errors}')
PY
}
echo "== abtop run --headless --concurrency 64 (same mock), journal off"
read -r rps10 rss10 cpu10 err10 <<<"$(run 10000 --no-store)"
read -r rps100 rss100 cpu100 err100 <<<"$(run 100000 --no-store)"
echo "engine: $rps100 requests/s over 100k requests ($err100 errors); ratio to wrk $(python3 -c "print(round($rps100/$wrk_rps, 3))")"
echo "memory: max RSS $rss10 KiB after 10k requests, $rss100 KiB after 100k; ratio $(python3 -c "print(round($rss100/$rss10, 3))")"
echo "CPU: $(python3 -c "print(round($cpu100/100000*1e6, 1))") µs per request (user+sys, engine process, 100k run)"
echo "== alternating pairs: wrk -d5s then the engine (50k requests), five times; the ratio of each pair and the median"
echo "   (this machine's speed drifts by ±15 % from minute to minute; pairs taken seconds apart cancel most of it)"
ratios=()
for round in 1 2 3 4 5; do
    w=$(wrk -t2 -c64 -d5s -s Benchmarks/scripts/chat.lua "http://127.0.0.1:$port/v1/chat/completions" | awk '/Requests\/sec/ {print $2}')
    read -r e _ _ _ <<<"$(run 50000 --no-store)"
    r=$(python3 -c "print(round($e/$w, 3))")
    ratios+=("$r")
    echo "pair $round: wrk $w, engine $e requests/s, ratio $r"
done
echo "median ratio of the pairs: $(printf '%s\n' "${ratios[@]}" | sort -n | sed -n 3p)"
echo "== the same 100k requests with the journal on (SQLite, WAL, batched writes)"
read -r rpsj rssj cpuj errj <<<"$(run 100000 --store "$work/journal.sqlite")"
rows=$(python3 -c "import sqlite3; print(sqlite3.connect('$work/journal.sqlite').execute('select count(*) from request').fetchone()[0])")
echo "journal on: $rpsj requests/s, $rows rows written (sustained $rpsj rows/s); throughput on/off $(python3 -c "print(round($rpsj/$rps100, 3))")"

kill $server; wait $server 2>/dev/null || true
echo '{"ttft_ms": 50, "tokens_per_s": 0, "output_tokens": 20}' >"$work/fixed.json"
"$bin" mock-server --port "$port" --profile "$work/fixed.json" >/dev/null 2>&1 &
server=$!
sleep 1
"$bin" run "$work/endpoint.json" --headless --json --quiet --concurrency 4 --requests 400 >"$work/fixed-summary.json"
python3 -c "import json; s=json.load(open('$work/fixed-summary.json')); print('fixed 50 ms mock: engine p50', [e['latency_ms']['p50'] for e in s['entities']], 'ms')"
