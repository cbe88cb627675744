#!/usr/bin/env python3
"""Reference verdicts for abtop's JSON Schema checks (`expect.json_schema`), from the maintained Python validator
`jsonschema` (Draft 2020-12, `Draft202012Validator`), for the keywords abtop implements.

Run `python3 Tests/ABCoreTests/Fixtures/make_schema_fixtures.py` (pip: jsonschema) to regenerate schema.json beside
this file. Every case is written out (no randomness).
"""
import importlib.metadata
import json
import os

import jsonschema
from jsonschema import Draft202012Validator

person = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 20},
        "age": {"type": "integer", "minimum": 0, "exclusiveMaximum": 150},
        "email": {"type": ["string", "null"]},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "maxItems": 3},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
}
schemas = {
    "person": person,
    "enum_const": {"anyOf": [{"enum": ["red", "green", 3, None]}, {"const": {"a": [1, 2]}}]},
    "numbers": {"type": "number", "minimum": 1.5, "maximum": 10, "multipleOf": 0.5},
    "integers": {"type": "integer", "exclusiveMinimum": 0, "multipleOf": 3},
    "one_of": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 2}]},
    "all_not": {"allOf": [{"type": "string"}, {"not": {"const": "forbidden"}}], "minLength": 2},
    "tuple": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": False,
              "minItems": 1},
    "refs": {"$defs": {"pos": {"type": "integer", "minimum": 1}},
             "type": "object", "properties": {"x": {"$ref": "#/$defs/pos"}, "y": {"$ref": "#/$defs/pos"}},
             "additionalProperties": {"type": "boolean"}, "minProperties": 1, "maxProperties": 3},
    "true": True,
    "false": False,
    "nested": {"type": "object", "required": ["items"],
               "properties": {"items": {"type": "array", "minItems": 1,
                                        "items": {"type": "object", "required": ["id"],
                                                  "properties": {"id": {"type": "integer"},
                                                                 "ok": {"type": "boolean"}}}}}},
}
instances = [
    {"name": "Ada", "age": 36},
    {"name": "Ada", "age": 36, "email": None, "tags": ["a", "b"]},
    {"name": "Ada", "age": 36, "tags": ["a", "a"]},
    {"name": "Ada", "age": 36, "tags": ["a", "b", "c", "d"]},
    {"name": "", "age": 36},
    {"name": "Ada", "age": 150},
    {"name": "Ada", "age": 36.0},
    {"name": "Ada", "age": 36.5},
    {"name": "Ada"},
    {"name": "Ada", "age": 3, "extra": 1},
    {"name": "Ådå ☃ 😀", "age": 1},
    {"name": "x" * 21, "age": 1},
    "red", "blue", 3, 3.0, None, {"a": [1, 2]}, {"a": [2, 1]},
    1.5, 2, 10, 10.5, 1, 2.25, 0, 6, 9.0, -3, 4,
    "forbidden", "ok", "a", "",
    ["a", 1], ["a"], ["a", 1, 2], [1, "a"], [],
    {"x": 1}, {"x": 0}, {"x": 1, "y": 2, "z": True}, {"x": 1, "y": 2, "z": 1}, {}, {"a": True, "b": True, "c": True, "d": True},
    {"items": [{"id": 1, "ok": True}, {"id": 2}]}, {"items": [{"id": "1"}]}, {"items": []}, {"items": [{}]},
    True, False, [1, 2, 3], {"nested": {"deep": [1, {"x": None}]}},
]
cases = []
for name, schema in schemas.items():
    Draft202012Validator.check_schema(schema)
    v = Draft202012Validator(schema)
    for inst in instances:
        cases.append({"schema": name, "instance": inst, "valid": v.is_valid(inst)})
out = {"jsonschema_version": importlib.metadata.version("jsonschema"),
       "schemas": schemas, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, ensure_ascii=False)
print("wrote", path, len(cases), "cases")
