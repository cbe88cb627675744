#!/usr/bin/env bash
# What `abtop serve` adds in front of a provider, measured side by side in one run on this machine:
#  1. latency: the same request to the mock directly and through abtop serve, alternating, 1,000/s to each side
#     (open loop, one libcurl client), for SECONDS (default 20);
#  2. the same with streamed (SSE) answers, also timed to the first byte;
#  3. throughput: wrk -t2 -c64 against abtop serve, and the answers that were not 200 (must be none).
# The mock is `abtop mock-server --profile fast` (answers at once); serve journals to a scratch SQLite file, as it
# does by default. Needs release builds (swift build -c release --product abtop; --product Benchmarks) and wrk.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${ABTOP_BIN:-.build/release/abtop}  # ABTOP_BIN: another build, to compare two side by side
mock_port=${MOCK_PORT:-9310}
serve_port=${SERVE_PORT:-9311}
seconds=${SECONDS_PER_SIDE:-20}
work=$(mktemp -d)
trap 'kill $mock $serve 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

. Benchmarks/scripts/bench_serve.sh

echo "== latency: direct vs through abtop serve, 1000 requests/s to each side, ${seconds} s"
.build/release/Benchmarks latency-pair "http://127.0.0.1:$mock_port/v1/chat/completions" \
    "http://127.0.0.1:$serve_port/serving-endpoints/bench/invocations" 1000 "$seconds"

echo "== the same with streamed answers (SSE), 1000 requests/s to each side, ${seconds} s"
.build/release/Benchmarks latency-pair "http://127.0.0.1:$mock_port/v1/chat/completions" \
    "http://127.0.0.1:$serve_port/serving-endpoints/bench/invocations" 1000 "$seconds" stream

echo "== throughput: wrk -t2 -c64 -d10s against abtop serve (journal on)"
wrk -t2 -c64 -d10s -s Benchmarks/scripts/serve.lua "http://127.0.0.1:$serve_port/serving-endpoints/bench/invocations" \
    | grep -E "Requests/sec|Latency|Non-2xx|Socket errors|requests in" || true
rows=$(python3 -c "import sqlite3; print(sqlite3.connect('$work/journal.sqlite').execute('select count(*) from request').fetchone()[0])")
echo "journal rows after both phases: $rows"
