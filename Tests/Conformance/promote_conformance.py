#!/usr/bin/env python3
"""Issue 27: `abtop promote`'s body is accepted by the MLflow deployments client's `update_endpoint_config` against
another `abtop serve`, and re-reading that endpoint gives the promoted split.

Usage: promote_conformance.py PORT CONFIG BODY. CONFIG is the endpoint (create payload) abtop promoted; BODY is
`abtop promote CONFIG --weights a=10,b=90 -o BODY`'s output. Prints one line per check; exits 1 on any failure.
"""
import json
import os
import sys
import warnings

port, config_path, body_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.environ["DATABRICKS_HOST"] = f"http://127.0.0.1:{port}"
os.environ["DATABRICKS_TOKEN"] = "local-test-token"
warnings.simplefilter("ignore")

import mlflow.deployments  # noqa: E402

from checks import check, finish  # noqa: E402

client = mlflow.deployments.get_deploy_client("databricks")
with open(config_path) as f:
    payload = json.load(f)
with open(body_path) as f:
    body = json.load(f)
name = payload["name"]


def create():
    client.create_endpoint(name=name, config=payload["config"])
    routes = client.get_endpoint(endpoint=name)["config"]["traffic_config"]["routes"]
    assert [r["traffic_percentage"] for r in routes] == [50, 50], routes


def update():
    assert set(body) == {"served_entities", "traffic_config"}, sorted(body)
    assert "abtop" not in json.dumps(body)
    client.update_endpoint_config(endpoint=name, config=body)
    got = client.get_endpoint(endpoint=name)
    routes = {r["served_model_name"]: r["traffic_percentage"] for r in got["config"]["traffic_config"]["routes"]}
    assert routes == {"a": 10, "b": 90}, routes
    # The keys stay the references the config named.
    keys = json.dumps(got["config"]["served_entities"])
    assert "{{secrets/team/openai}}" in keys and "{{secrets/team/anthropic}}" in keys, keys


check("create_endpoint from the config abtop promotes", create)
check("update_endpoint_config with abtop promote's body: the endpoint reads back the promoted split", update)
finish()
