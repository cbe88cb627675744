#!/usr/bin/env bash
# `abtop serve` under sustained load keeps its memory bounded: resident memory after 100,000 and after 1,000,000
# served requests (wrk -t2 -c32, distinct prompts, journal on), which must differ by at most 20 %.
# The mock is `abtop mock-server --profile fast`. Needs a release build (swift build -c release --product abtop)
# and wrk. TOTAL (default 1000000) and FIRST (default 100000) change the two checkpoints.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${ABTOP_BIN:-.build/release/abtop}
mock_port=${MOCK_PORT:-9320}
serve_port=${SERVE_PORT:-9321}
first=${FIRST:-100000}
total=${TOTAL:-1000000}
work=$(mktemp -d)
trap 'kill $mock $serve 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

. Benchmarks/scripts/bench_serve.sh

rss() { awk '/VmRSS/ {print $2 / 1024}' "/proc/$serve/status"; }
served() { curl -s "http://127.0.0.1:$serve_port/metrics" | awk '/^abtop_requests_total\{/ {n += $2} END {print n + 0}'; }
url="http://127.0.0.1:$serve_port/serving-endpoints/bench/invocations"
# One long wrk run (distinct prompts, counted.lua), read at two checkpoints of served requests.
wrk -t2 -c32 -d3600s -s Benchmarks/scripts/counted.lua "$url" -- 100000000 >"$work/wrk.log" 2>&1 &
load=$!
trap 'kill $load $mock $serve 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
until_served() { while [ "$(served)" -lt "$1" ]; do sleep 0.5; done; }

echo "== resident memory at start: $(rss) MB"
start=$(date +%s)
until_served "$first"
at_first=$(rss)
echo "== after $(served) requests ($(($(date +%s) - start)) s): $at_first MB"
until_served "$total"
at_total=$(rss)
echo "== after $(served) requests ($(($(date +%s) - start)) s): $at_total MB"
kill $load 2>/dev/null || true
python3 -c "r = $at_total / $at_first; print(f'ratio {r:.3f} (must be <= 1.2):', 'ok' if r <= 1.2 else 'FAIL')"
