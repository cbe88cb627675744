#!/usr/bin/env bash
# Makes docs/report-example.{html,png}: a session against the simulated providers (mock-server, "flaky" profile),
# its HTML report, and a screenshot of it in headless Chromium. Run after `make build`; not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/abtop
work=$(mktemp -d)
trap 'kill $mock 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" mock-server --port 0 --profile flaky --seed 7 > "$work/mock.out" &
mock=$!
for _ in $(seq 100); do grep -q "http://" "$work/mock.out" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o '127.0.0.1:[0-9]*' "$work/mock.out" | head -1 | cut -d: -f2)
OPENAI_API_KEY=x ANTHROPIC_API_KEY=x OPENAI_BASE_URL=http://127.0.0.1:$port/v1 ANTHROPIC_BASE_URL=http://127.0.0.1:$port \
  "$bin" run examples/mix-chat-endpoint.json --headless --quiet --rate 20 --max-requests 600 --seed 7 \
  --store "$work/journal.sqlite" --report docs/report-example.html > /dev/null
chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
  --window-size=1200,2400 --screenshot=docs/report-example.png "file://$PWD/docs/report-example.html" 2>/dev/null
echo "wrote docs/report-example.html and docs/report-example.png"
