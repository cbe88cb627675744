# Sourced by the serve benchmarks: writes a two-entity endpoint "bench" on the mock at $mock_port to
# $work/bench.json, starts `abtop mock-server --profile fast` and `abtop serve` (journal in $work), sets $mock and
# $serve to their pids and waits until serve answers. Needs $bin, $work, $mock_port and $serve_port.
cat >"$work/bench.json" <<JSON
{"name": "bench", "config": {"served_entities": [
  {"name": "a", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat", "openai_config": {"openai_api_key_plaintext": "sk-bench"}}},
  {"name": "b", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat", "openai_config": {"openai_api_key_plaintext": "sk-bench"}}}],
 "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 50}, {"served_model_name": "b", "traffic_percentage": 50}]}},
 "abtop": {"entities": {"a": {"base_url": "http://127.0.0.1:$mock_port/v1"}, "b": {"base_url": "http://127.0.0.1:$mock_port/v1"}}}}
JSON
"$bin" mock-server --port "$mock_port" --profile fast >/dev/null 2>&1 &
mock=$!
"$bin" serve "$work/bench.json" --headless --port "$serve_port" --store "$work/journal.sqlite" --seed 1 >"$work/serve.log" 2>&1 &
serve=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$serve_port/health" >/dev/null 2>&1 && break; sleep 0.1; done
