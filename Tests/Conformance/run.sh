#!/usr/bin/env bash
# SDK conformance: the official openai and anthropic Python SDKs against `abtop mock-server`.
# Installs both SDKs into a throwaway venv under .build/ (once), starts the server on a free port, runs the checks.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.build/sdk-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import openai, anthropic" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check openai anthropic
fi
log=$(mktemp)
.build/debug/abtop mock-server --port 0 --seed 7 --profile Tests/Conformance/profiles.json >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "mock-server did not start:"; cat "$log"; exit 1; }
"$venv/bin/python" Tests/Conformance/sdk_conformance.py "$port"
