#!/usr/bin/env bash
# SDK conformance: the official openai and anthropic Python SDKs against `abtop mock-server`, then the MLflow
# deployments client, databricks-sdk and the openai SDK against `abtop serve --simulate`, then the openai and
# anthropic SDKs (tools, structured output, Messages door) against one `serve --simulate` endpoint per provider.
# Installs the SDKs into a throwaway venv under .build/ (once), starts each server on a free port, runs the checks.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.build/sdk-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import openai, anthropic, mlflow.deployments, databricks.sdk, requests" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check openai anthropic mlflow-skinny databricks-sdk requests
fi
scratch=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$scratch"' EXIT

# Starts a server in the background, logging to $scratch/$1.log; sets $port to the port it listens on. Called in
# this shell, not in $(...): a subshell's `pids+=` would be lost, and the exit trap would leave the server running.
start() {
    local name=$1; shift
    "$@" >"$scratch/$name.log" 2>&1 &
    pids+=($!)
    port=""
    # A poll that fails (its sed or sleep ended by a stray signal: this machine reuses pids within minutes) is only
    # a missed poll; the next one reads the log again.
    for _ in $(seq 1 100); do
        port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$scratch/$name.log" 2>/dev/null || true)
        [ -n "$port" ] && break
        sleep 0.1 || true
    done
    [ -n "$port" ] || { echo "$name did not start:" >&2; cat "$scratch/$name.log" >&2; exit 1; }
}

start mock .build/debug/abtop mock-server --port 0 --seed 7 --profile Tests/Conformance/profiles.json
mock_port=$port
"$venv/bin/python" Tests/Conformance/sdk_conformance.py "$mock_port"

start serve .build/debug/abtop serve --simulate --profile fast --headless --port 0 --seed 7 \
    --store "$scratch/journal.sqlite"
serve_port=$port
"$venv/bin/python" Tests/Conformance/serve_conformance.py "$serve_port" "$scratch/journal.sqlite"

start providers .build/debug/abtop serve --simulate --profile fast --headless --port 0 --seed 7 \
    --store "$scratch/providers.sqlite"
"$venv/bin/python" Tests/Conformance/provider_conformance.py "$port"

# Issue 27: `abtop promote`'s body, accepted by the MLflow client's update_endpoint_config against another serve.
cat >"$scratch/promoted.json" <<'JSON'
{"name": "promoted", "config": {"served_entities": [
   {"name": "a", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat",
     "openai_config": {"openai_api_key": "{{secrets/team/openai}}"}}},
   {"name": "b", "external_model": {"name": "claude-3-5-haiku", "provider": "anthropic", "task": "llm/v1/chat",
     "anthropic_config": {"anthropic_api_key": "{{secrets/team/anthropic}}"}}}],
  "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 50},
                                {"served_model_name": "b", "traffic_percentage": 50}]}},
 "abtop": {"retries": {"max": 0}}}
JSON
.build/debug/abtop promote "$scratch/promoted.json" --weights a=10,b=90 -o "$scratch/promoted-body.json"
start promote .build/debug/abtop serve --simulate --profile fast --headless --port 0 --seed 7 --no-store
"$venv/bin/python" Tests/Conformance/promote_conformance.py "$port" "$scratch/promoted.json" "$scratch/promoted-body.json"
