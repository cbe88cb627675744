#!/usr/bin/env bash
# The simulated providers under load: requests/s of the `fast` profile (non-streaming) under wrk, and memory after
# 10k and after 100k distinct requests. Needs a release build (`swift build -c release`) and wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.build/release/abtop
port=${PORT:-9200}
rss() { ps -o rss= -p "$1" | tr -d ' '; }

"$bin" mock-server --port "$port" --profile fast >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
sleep 1
url=http://127.0.0.1:$port/v1/chat/completions

echo "== throughput: wrk -t2 -c64 -d10s, fast profile, non-streaming"
wrk -t2 -c64 -d10s -s Benchmarks/scripts/chat.lua "$url" | grep -E "Requests/sec|Latency"

kill $server; wait $server 2>/dev/null || true
"$bin" mock-server --port "$port" --profile fast >/dev/null 2>&1 &
server=$!
sleep 1
echo "== memory (fresh server, distinct prompts)"
wrk -t2 -c64 -d120s -s Benchmarks/scripts/counted.lua "$url" -- 5000 >/dev/null
after10k=$(rss $server)
wrk -t2 -c64 -d300s -s Benchmarks/scripts/counted.lua "$url" -- 45000 >/dev/null
after100k=$(rss $server)
echo "RSS after 10k requests: ${after10k} KiB; after 100k: ${after100k} KiB; ratio $(python3 -c "print(round($after100k/$after10k, 3))")"
