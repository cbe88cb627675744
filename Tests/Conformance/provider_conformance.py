#!/usr/bin/env python3
"""Checks tool calling, structured output and the Anthropic Messages door of `abtop serve --simulate` for each of the
five simulated provider kinds (openai, anthropic, cohere, amazon-bedrock, google-cloud-vertex-ai), through the
official OpenAI and Anthropic Python SDKs pointed at serve.

Usage: provider_conformance.py PORT. The server runs with `--simulate --profile fast` and no endpoints; the script
creates one endpoint per provider (one served entity at 100%) over POST /api/2.0/serving-endpoints.
Prints one line per check and 'N passed, N failed' at the end; exits 1 on any failure.
"""
import json
import sys

import anthropic
import openai
import pydantic
import requests

from checks import check, finish

port = int(sys.argv[1])
host = f"http://127.0.0.1:{port}"
oa = openai.OpenAI(base_url=f"{host}/v1", api_key="x", max_retries=0, timeout=20)
an = anthropic.Anthropic(base_url=host, api_key="x", max_retries=0, timeout=20)

# Any well-formed service-account key file: --simulate replaces the key with a generated one.
VERTEX_KEY_FILE = json.dumps({
    "type": "service_account",
    "client_email": "x@y.iam.gserviceaccount.com",
    "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
    "token_uri": "https://oauth2.googleapis.com/token",
})

# provider -> the served entity's external_model
PROVIDERS = {
    "openai": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
               "openai_config": {"openai_api_key_plaintext": "sk-x"}},
    "anthropic": {"name": "claude-3-5-sonnet-20241022", "provider": "anthropic", "task": "llm/v1/chat",
                  "anthropic_config": {"anthropic_api_key_plaintext": "x"}},
    "cohere": {"name": "command-r-plus", "provider": "cohere", "task": "llm/v1/chat",
               "cohere_config": {"cohere_api_key_plaintext": "x"}},
    "amazon-bedrock": {"name": "anthropic.claude-3-5-sonnet-20240620-v1:0", "provider": "amazon-bedrock",
                       "task": "llm/v1/chat",
                       "amazon_bedrock_config": {"aws_region": "us-east-1",
                                                 "aws_access_key_id_plaintext": "AKIDEXAMPLE",
                                                 "aws_secret_access_key_plaintext": "secret",
                                                 "bedrock_provider": "anthropic"}},
    "google-cloud-vertex-ai": {"name": "gemini-1.5-pro", "provider": "google-cloud-vertex-ai", "task": "llm/v1/chat",
                               "google_cloud_vertex_ai_config": {"project_id": "my-project", "region": "us-central1",
                                                                 "private_key_plaintext": VERTEX_KEY_FILE}},
}


def endpoint_of(provider):
    return f"conf-{provider}"


def entity_of(provider):
    return f"{provider}-entity"


OA_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "The city"}},
                   "required": ["city"]}}}
AN_TOOL = {"name": "get_weather", "description": "Get the current weather in a city.",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string", "description": "The city"}},
                            "required": ["city"]}}
ASK = [{"role": "user", "content": "What is the weather in Paris right now?"}]
HELLO = [{"role": "user", "content": "Why do databases use B-tree indexes?"}]
TOOL_RESULT = "{\"temp\": 21}"


class Weather(pydantic.BaseModel):
    city: str
    temperature_c: float
    conditions: str


def create_endpoint(provider):
    body = {"name": endpoint_of(provider), "config": {
        "served_entities": [{"name": entity_of(provider), "external_model": PROVIDERS[provider]}],
        "traffic_config": {"routes": [{"served_model_name": entity_of(provider), "traffic_percentage": 100}]}}}
    r = requests.post(f"{host}/api/2.0/serving-endpoints", json=body, timeout=20)
    assert r.status_code == 200, (r.status_code, r.text)
    got = r.json()
    assert got["state"]["ready"] == "READY", got
    assert got["config"]["served_entities"][0]["external_model"]["provider"] == provider, got


def assert_tool_call(message, finish_reason, finishes=("tool_calls",)):
    assert message.tool_calls, f"no tool_calls: {message}"
    call = message.tool_calls[0]
    assert call.type == "function" and call.id, call
    assert call.function.name == "get_weather", call
    args = json.loads(call.function.arguments)
    assert isinstance(args, dict) and isinstance(args.get("city"), str) and args["city"], args
    assert finish_reason in finishes, finish_reason
    return call


def checks_for(provider):
    model = endpoint_of(provider)
    state = {}

    def openai_tool_call():
        r = oa.chat.completions.create(model=model, messages=ASK, tools=[OA_TOOL], tool_choice="auto", max_tokens=64)
        state["call"] = assert_tool_call(r.choices[0].message, r.choices[0].finish_reason)

    def openai_tool_call_streamed():
        with oa.chat.completions.stream(model=model, messages=ASK, tools=[OA_TOOL], tool_choice="auto",
                                        max_tokens=64) as s:
            events = [e.type for e in s]
            final = s.get_final_completion()
        assert "tool_calls.function.arguments.done" in events, events
        assert_tool_call(final.choices[0].message, final.choices[0].finish_reason)

    def openai_tool_result_round_trip():
        call = state.get("call")
        if call is None:  # (1) failed: make the call here so this check stands on its own
            r = oa.chat.completions.create(model=model, messages=ASK, tools=[OA_TOOL], tool_choice="auto")
            call = assert_tool_call(r.choices[0].message, r.choices[0].finish_reason)
        messages = ASK + [
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": TOOL_RESULT}]
        r = oa.chat.completions.create(model=model, messages=messages, tools=[OA_TOOL], max_tokens=64)
        m = r.choices[0].message
        assert m.content and not m.tool_calls, m
        assert r.choices[0].finish_reason in ("stop", "length"), r.choices[0].finish_reason

    def openai_parse_json_schema():
        parse = getattr(oa.chat.completions, "parse", None) or oa.beta.chat.completions.parse
        r = parse(model=model, messages=[{"role": "user", "content": "Weather in Paris as JSON."}],
                  response_format=Weather, max_tokens=200)
        w = r.choices[0].message.parsed
        assert isinstance(w, Weather), f"parsed={w!r} content={r.choices[0].message.content!r}"
        assert w.city and w.conditions, w

    def openai_json_object():
        r = oa.chat.completions.create(
            model=model, response_format={"type": "json_object"}, max_tokens=200,
            messages=[{"role": "user", "content": "Describe Paris weather as a JSON object."}])
        content = r.choices[0].message.content
        assert isinstance(json.loads(content), dict), content

    def openai_forced_tool_choice():
        r = oa.chat.completions.create(model=model, messages=HELLO, tools=[OA_TOOL], max_tokens=64,
                                       tool_choice={"type": "function", "function": {"name": "get_weather"}})
        c = r.choices[0]
        # OpenAI itself ends a call forced by name with "stop"; either reason is a call.
        assert_tool_call(c.message, c.finish_reason, ("tool_calls", "stop"))

    def anthropic_text():
        m = an.messages.create(model=model, max_tokens=64, messages=HELLO)
        assert m.type == "message" and m.role == "assistant", m
        assert m.content[0].type == "text" and m.content[0].text, m
        assert m.stop_reason in ("end_turn", "max_tokens"), m.stop_reason
        assert m.usage.output_tokens > 0, m.usage

    def anthropic_stream():
        with an.messages.stream(model=model, max_tokens=64, messages=HELLO) as s:
            text = "".join(s.text_stream)
            final = s.get_final_message()
        assert text and final.content[0].type == "text" and final.content[0].text == text, (text, final)

    def anthropic_tool_use_streamed():
        with an.messages.stream(model=model, max_tokens=200, messages=ASK, tools=[AN_TOOL]) as s:
            final = s.get_final_message()
        uses = [b for b in final.content if b.type == "tool_use"]
        assert uses, f"no tool_use block: {final.content}"
        use = uses[0]
        assert use.name == "get_weather" and use.id, use
        assert isinstance(use.input, dict) and isinstance(use.input.get("city"), str), use.input
        assert final.stop_reason == "tool_use", final.stop_reason
        state["tool_use"] = use

    def anthropic_tool_result_round_trip():
        use = state.get("tool_use")
        if use is None:
            m = an.messages.create(model=model, max_tokens=200, messages=ASK, tools=[AN_TOOL])
            use = next(b for b in m.content if b.type == "tool_use")
        messages = ASK + [
            {"role": "assistant", "content": [{"type": "tool_use", "id": use.id, "name": use.name,
                                               "input": use.input}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": TOOL_RESULT}]}]
        m = an.messages.create(model=model, max_tokens=64, messages=messages, tools=[AN_TOOL])
        assert m.content and all(b.type == "text" for b in m.content) and m.content[0].text, m.content
        assert m.stop_reason in ("end_turn", "max_tokens"), m.stop_reason

    def anthropic_no_max_tokens():
        try:
            # NOT_GIVEN passes the SDK's own required-argument check and leaves max_tokens out of the body.
            an.messages.create(model=model, max_tokens=anthropic.NOT_GIVEN, messages=HELLO)
        except anthropic.BadRequestError as e:
            body = e.response.json()
            assert body.get("type") == "error", body
            assert isinstance(body.get("error"), dict) and body["error"].get("type") and body["error"].get("message"), body
            return
        except Exception as e:  # noqa: BLE001
            raise AssertionError(f"expected BadRequestError, got {type(e).__name__}: {e}")
        raise AssertionError("a request without max_tokens was answered")

    def served_model_name_header():
        raw = oa.chat.completions.with_raw_response.create(model=model, messages=HELLO, max_tokens=16)
        assert raw.headers.get("served-model-name") == entity_of(provider), dict(raw.headers)
        raw.parse()
        raw = an.messages.with_raw_response.create(model=model, max_tokens=16, messages=HELLO)
        assert raw.headers.get("served-model-name") == entity_of(provider), dict(raw.headers)
        raw.parse()

    return [
        ("openai SDK: tool call (auto)", openai_tool_call),
        ("openai SDK: tool call streamed (stream helper)", openai_tool_call_streamed),
        ("openai SDK: tool result round trip", openai_tool_result_round_trip),
        ("openai SDK: parse(response_format=pydantic model)", openai_parse_json_schema),
        ("openai SDK: response_format json_object", openai_json_object),
        ("openai SDK: tool_choice forces get_weather", openai_forced_tool_choice),
        ("anthropic SDK: messages.create text", anthropic_text),
        ("anthropic SDK: messages.stream text", anthropic_stream),
        ("anthropic SDK: tool_use via messages.stream", anthropic_tool_use_streamed),
        ("anthropic SDK: tool_result round trip", anthropic_tool_result_round_trip),
        ("anthropic SDK: no max_tokens -> BadRequestError", anthropic_no_max_tokens),
        ("served-model-name header names the entity", served_model_name_header),
    ]


# The llm/v1/embeddings and llm/v1/completions tasks: one endpoint each, every provider that offers the task
# behind it at once, so the split reaches each of them; the OpenAI SDK's embeddings and completions clients.
EMBEDDERS = {
    "openai": ("text-embedding-3-small", {"openai_config": {"openai_api_key_plaintext": "sk-x"}}),
    "cohere": ("embed-english-v3.0", {"cohere_config": {"cohere_api_key_plaintext": "x"}}),
    "amazon-bedrock": ("amazon.titan-embed-text-v2:0", {"amazon_bedrock_config": {
        "aws_region": "us-east-1", "aws_access_key_id_plaintext": "AKIDEXAMPLE",
        "aws_secret_access_key_plaintext": "secret", "bedrock_provider": "amazon"}}),
    "google-cloud-vertex-ai": ("text-embedding-004", {"google_cloud_vertex_ai_config": {
        "project_id": "my-project", "region": "us-central1", "private_key_plaintext": VERTEX_KEY_FILE}}),
}


def create_task_endpoint(name, task, entities):
    served = []
    for provider, (model, block) in entities.items():
        served.append({"name": provider.split("-")[0] + "-" + task.split("/")[-1],
                       "external_model": {"name": model, "provider": provider, "task": task, **block}})
    share = 100 // len(served)
    routes = [{"served_model_name": e["name"], "traffic_percentage": share + (100 - share * len(served) if i == 0 else 0)}
              for i, e in enumerate(served)]
    r = requests.post(f"{host}/api/2.0/serving-endpoints",
                      json={"name": name, "config": {"served_entities": served, "traffic_config": {"routes": routes}}},
                      timeout=20)
    assert r.status_code == 200, (r.status_code, r.text)


def embeddings_from_every_provider():
    seen = set()
    for i in range(40):
        raw = oa.embeddings.with_raw_response.create(model="conf-embeddings", input=[f"text {i}", "same", "same"])
        seen.add(raw.headers.get("served-model-name"))
        r = raw.parse()
        assert len(r.data) == 3 and [d.index for d in r.data] == [0, 1, 2], r
        assert all(len(d.embedding) > 0 for d in r.data)
        assert r.data[1].embedding == r.data[2].embedding and r.data[0].embedding != r.data[1].embedding
        assert r.usage.prompt_tokens > 0
    assert len(seen) == len(EMBEDDERS), seen


def completions_from_every_provider():
    seen = set()
    for i in range(40):
        raw = oa.completions.with_raw_response.create(model="conf-completions", prompt=f"Once upon a time {i}",
                                                      max_tokens=16)
        seen.add(raw.headers.get("served-model-name"))
        r = raw.parse()
        assert r.object == "text_completion" and r.id.startswith("cmpl-") and r.choices[0].text, r
        assert r.usage.completion_tokens > 0
    assert len(seen) == len(PROVIDERS), seen


def completions_streamed():
    text = "".join(c.choices[0].text for c in oa.completions.create(
        model="conf-completions", prompt="Once upon a time", max_tokens=16, stream=True) if c.choices)
    assert text, text


def a_task_mismatch_is_a_400():
    try:
        oa.embeddings.create(model="conf-completions", input="x")
    except openai.BadRequestError as e:
        assert "serves llm/v1/completions" in str(e), e
        return
    raise AssertionError("an embeddings request to a completions endpoint was answered")


for provider in PROVIDERS:
    check(f"[{provider}] create endpoint {endpoint_of(provider)}", lambda p=provider: create_endpoint(p))
for provider in PROVIDERS:
    for name, fn in checks_for(provider):
        check(f"[{provider}] {name}", fn)
check("create the embeddings endpoint (4 providers)",
      lambda: create_task_endpoint("conf-embeddings", "llm/v1/embeddings", EMBEDDERS))
check("create the completions endpoint (5 providers)", lambda: create_task_endpoint(
    "conf-completions", "llm/v1/completions",
    {p: (PROVIDERS[p]["name"], {k: v for k, v in PROVIDERS[p].items() if k.endswith("_config")}) for p in PROVIDERS}))
check("openai SDK: embeddings.create from every embedding provider", embeddings_from_every_provider)
check("openai SDK: completions.create from every provider", completions_from_every_provider)
check("openai SDK: completions.create(stream=True)", completions_streamed)
check("a request of another task is a 400 that says which task the endpoint serves", a_task_mismatch_is_a_400)
finish()
