#!/usr/bin/env python3
"""Checks `abtop serve --simulate` against the MLflow deployments client, databricks-sdk and the OpenAI SDK,
unchanged, with only DATABRICKS_HOST / DATABRICKS_TOKEN (or the OpenAI base URL) pointing at it.

Usage: serve_conformance.py PORT JOURNAL. The server runs with `--simulate --profile fast --store JOURNAL`.
Prints one line per check and 'N passed, N failed' at the end; exits 1 on any failure.
"""
import json
import math
import os
import sqlite3
import sys
import time
import warnings

port, journal = int(sys.argv[1]), sys.argv[2]
host = f"http://127.0.0.1:{port}"
os.environ["DATABRICKS_HOST"] = host
os.environ["DATABRICKS_TOKEN"] = "local-test-token"
warnings.simplefilter("ignore")

import mlflow.deployments  # noqa: E402
import openai  # noqa: E402
import requests  # noqa: E402
from databricks.sdk import WorkspaceClient  # noqa: E402
from databricks.sdk.service.serving import ChatMessage, ChatMessageRole  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

from checks import check, finish  # noqa: E402



with open(os.path.join(os.path.dirname(__file__), "../../examples/mix-chat-endpoint.json")) as f:
    corrected = json.load(f)["config"]

# The article's code, word for word (its comments dropped): the config with its slip.
client = mlflow.deployments.get_deploy_client("databricks")
endpoint_name = "mix-chat-endpoint"
article_config = {
    "served_entities": [
        {
            "name": "served_model_name_1",
            "external_model": {
                "name": "gpt-4",
                "task": "llm/v1/chat",
                "openai_config": {
                    "openai_api_key": "{{secrets/my_openai_secret_scope/openai_api_key}}"
                }
            }
        },
        {
            "name": "served_model_name_2",
            "external_model": {
                "name": "claude-3-opus-20240229",
                "task": "llm/v1/chat",
                "anthropic_config": {
                    "openai_api_key": "{{secrets/my_anthropic_secret_scope/anthropic_api_key}}"
                }
            }
        }
    ],
    "traffic_config": {
        "routes": [
            {"served_model_name": "served_model_name_1", "traffic_percentage": 50},
            {"served_model_name": "served_model_name_2", "traffic_percentage": 50}
        ]
    }
}


def article_slip_is_a_400_naming_the_path():
    try:
        client.create_endpoint(name=endpoint_name, config=article_config)
    except (MlflowException, requests.HTTPError) as e:
        text = str(e)
        assert "INVALID_PARAMETER_VALUE" in text, text
        assert "served_entities[1].external_model.anthropic_config.openai_api_key" in text, text
        assert "anthropic_api_key" in text, text
        assert "served_entities[0].external_model.provider" in text, text
        return
    raise AssertionError("the article's config was accepted")


def article_code_creates_the_endpoint():
    # The article's call, with the corrected config.
    client.create_endpoint(name=endpoint_name, config=corrected)
    e = client.get_endpoint(endpoint_name)
    assert e["state"]["ready"] == "READY", e
    assert [r["traffic_percentage"] for r in e["config"]["traffic_config"]["routes"]] == [50, 50], e


def create_again_is_already_exists():
    try:
        client.create_endpoint(name=endpoint_name, config=corrected)
    except (MlflowException, requests.HTTPError) as e:
        assert "RESOURCE_ALREADY_EXISTS" in str(e), str(e)
        return
    raise AssertionError("a second create was accepted")


def predict_answers_a_chat_completion():
    r = client.predict(endpoint=endpoint_name,
                       inputs={"messages": [{"role": "user", "content": "What is MLflow?"}], "max_tokens": 64})
    assert r["object"] == "chat.completion", r
    assert r["choices"][0]["message"]["content"], r
    assert r["usage"]["completion_tokens"] > 0, r


def predict_stream_yields_chunks():
    chunks = list(client.predict_stream(endpoint=endpoint_name,
                                        inputs={"messages": [{"role": "user", "content": "Tell a story"}],
                                                "max_tokens": 32}))
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
    assert len(chunks) >= 3 and text, chunks
    assert chunks[-1].get("usage", {}).get("total_tokens", 0) > 0, chunks[-1]


def list_and_get():
    names = [e["name"] for e in client.list_endpoints()]
    assert endpoint_name in names, names
    assert client.get_endpoint(endpoint_name)["name"] == endpoint_name


split_ok = {}


def update_to_80_20_then_1000_invocations():
    config = dict(corrected)
    config["traffic_config"] = {"routes": [
        {"served_model_name": "served_model_name_1", "traffic_percentage": 80},
        {"served_model_name": "served_model_name_2", "traffic_percentage": 20}]}
    client.update_endpoint_config(endpoint=endpoint_name, config=config)
    routes = client.get_endpoint(endpoint_name)["config"]["traffic_config"]["routes"]
    assert [r["traffic_percentage"] for r in routes] == [80, 20], routes
    counts = {"served_model_name_1": 0, "served_model_name_2": 0}
    served = {}
    with requests.Session() as s:
        for i in range(1000):
            r = s.post(f"{host}/serving-endpoints/{endpoint_name}/invocations",
                       json={"messages": [{"role": "user", "content": f"question {i}"}], "max_tokens": 8},
                       headers={"Authorization": "Bearer local-test-token"})
            assert r.status_code == 200, (r.status_code, r.text)
            name = r.headers["served-model-name"]
            counts[name] += 1
            served[r.headers["x-request-id"]] = name
    n1 = counts["served_model_name_1"]
    sigma = math.sqrt(1000 * 0.8 * 0.2)
    assert abs(n1 - 800) <= 3 * sigma, f"{counts}: outside 3 sigma ({3 * sigma:.1f}) of 800/200"
    split_ok["served"] = served
    print(f"      observed {counts} (3 sigma = {3 * sigma:.1f})")


def headers_agree_with_the_journal():
    served = split_ok["served"]
    db = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    # The journal writes in 100 ms batches: wait (30 s at most) until every served request is there, since a busy
    # machine can take longer than any fixed pause.
    deadline = time.monotonic() + 30
    while True:
        (session,) = db.execute("SELECT id FROM session WHERE endpoint = ? ORDER BY id DESC LIMIT 1",
                                (endpoint_name,)).fetchone()
        rows = dict(db.execute("SELECT r.prompt_id, e.name FROM request r JOIN entity e "
                               "ON e.session_id = r.session_id AND e.idx = r.entity WHERE r.session_id = ?",
                               (session,)).fetchall())
        missing = [k for k in served if k not in rows]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not missing, f"{len(missing)} served requests are not in the journal"
    wrong = [k for k, v in served.items() if rows[k] != v]
    assert not wrong, f"{len(wrong)} requests journaled under another entity than their header said"
    epochs = db.execute("SELECT idx, weights FROM epoch WHERE session_id = ? ORDER BY idx", (session,)).fetchall()
    assert len(epochs) >= 2 and "80" in epochs[-1][1], epochs


def metrics_count_the_requests():
    text = requests.get(f"{host}/metrics").text
    total = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                if line.startswith("abtop_requests_total{") and f'endpoint="{endpoint_name}"' in line)
    assert total >= 1002, total
    assert f'abtop_traffic_weight_percent{{endpoint="{endpoint_name}",entity="served_model_name_1"}} 80' in text
    assert "# TYPE abtop_request_duration_seconds histogram" in text


def tags_rate_limits_and_gateway():
    client.update_endpoint_tags(endpoint=endpoint_name,
                                config={"add_tags": [{"key": "team", "value": "search"}]})
    assert client.get_endpoint(endpoint_name)["tags"] == [{"key": "team", "value": "search"}]
    client.update_endpoint_ai_gateway(endpoint=endpoint_name, config={
        "fallback_config": {"enabled": True},
        "rate_limits": [{"calls": 3, "key": "endpoint", "renewal_period": "minute"}]})
    codes = []
    for _ in range(5):
        r = requests.post(f"{host}/serving-endpoints/{endpoint_name}/invocations",
                          json={"messages": [{"role": "user", "content": "hi"}]})
        codes.append(r.status_code)
        if r.status_code == 429:
            assert r.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED", r.text
            assert int(r.headers["Retry-After"]) >= 1, r.headers
    assert codes[:3] == [200, 200, 200] and 429 in codes[3:], codes
    client.update_endpoint_ai_gateway(endpoint=endpoint_name, config={"fallback_config": {"enabled": True}})
    assert requests.post(f"{host}/serving-endpoints/{endpoint_name}/invocations",
                         json={"messages": [{"role": "user", "content": "hi"}]}).status_code == 200


def databricks_sdk_works():
    w = WorkspaceClient()
    assert endpoint_name in [e.name for e in w.serving_endpoints.list()]
    r = w.serving_endpoints.query(name=endpoint_name,
                                  messages=[ChatMessage(role=ChatMessageRole.USER, content="Hello there")],
                                  max_tokens=16)
    assert r.choices and r.choices[0].message.content, r
    assert r.served_model_name in ("served_model_name_1", "served_model_name_2"), r.served_model_name
    from databricks.sdk.service.serving import (EndpointCoreConfigInput, ServedEntityInput, ExternalModel,
                                                ExternalModelProvider, OpenAiConfig, TrafficConfig, Route)
    w.serving_endpoints.create_and_wait(name="sdk-endpoint", config=EndpointCoreConfigInput(
        name="sdk-endpoint",
        served_entities=[ServedEntityInput(name="mini", external_model=ExternalModel(
            name="gpt-4o-mini", provider=ExternalModelProvider.OPENAI, task="llm/v1/chat",
            openai_config=OpenAiConfig(openai_api_key="{{secrets/scope/key}}")))],
        traffic_config=TrafficConfig(routes=[Route(served_model_name="mini", traffic_percentage=100)])))
    got = w.serving_endpoints.get(name="sdk-endpoint")
    assert got.state.ready.value == "READY", got.state
    w.serving_endpoints.delete(name="sdk-endpoint")
    assert "sdk-endpoint" not in [e.name for e in w.serving_endpoints.list()]


def openai_sdk_works():
    oa = openai.OpenAI(base_url=f"{host}/v1", api_key="local-test-token", max_retries=0, timeout=20)
    assert endpoint_name in [m.id for m in oa.models.list()]
    r = oa.chat.completions.create(model=endpoint_name, messages=[{"role": "user", "content": "Hi"}], max_tokens=16)
    assert r.choices[0].message.content and r.usage.total_tokens > 0, r
    text = "".join(c.choices[0].delta.content or "" for c in oa.chat.completions.create(
        model=endpoint_name, messages=[{"role": "user", "content": "Hi"}], max_tokens=16, stream=True)
        if c.choices)
    assert text, "empty stream"
    try:
        oa.chat.completions.create(model="no-such-endpoint", messages=[{"role": "user", "content": "Hi"}])
    except openai.NotFoundError:
        return
    raise AssertionError("an unknown endpoint was answered")


def delete_endpoint():
    client.delete_endpoint(endpoint_name)
    try:
        client.get_endpoint(endpoint_name)
    except (MlflowException, requests.HTTPError) as e:
        assert "RESOURCE_DOES_NOT_EXIST" in str(e), str(e)
        assert client.list_endpoints() == [], client.list_endpoints()
        return
    raise AssertionError("the endpoint is still there")


check("the article's config (with its slip) is a 400 naming the path", article_slip_is_a_400_naming_the_path)
check("the article's create_endpoint(name=, config=) creates it", article_code_creates_the_endpoint)
check("creating it again is RESOURCE_ALREADY_EXISTS", create_again_is_already_exists)
check("predict answers a chat completion", predict_answers_a_chat_completion)
check("predict_stream yields data: chunks to [DONE]", predict_stream_yields_chunks)
check("list_endpoints and get_endpoint", list_and_get)
check("update_endpoint_config to 80/20, then 1,000 invocations within 3 sigma",
      update_to_80_20_then_1000_invocations)
check("served-model-name headers agree with the journal", headers_agree_with_the_journal)
check("/metrics counts the requests and shows the weights", metrics_count_the_requests)
check("tags, ai_gateway rate limit (429 + Retry-After), fallback", tags_rate_limits_and_gateway)
check("databricks-sdk: list, query, create_and_wait, get, delete", databricks_sdk_works)
check("openai SDK: models, completion, stream, unknown endpoint", openai_sdk_works)
check("delete_endpoint, then get is RESOURCE_DOES_NOT_EXIST", delete_endpoint)
finish()
