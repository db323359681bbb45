"""/openapi.json is generated, never edited: the served document, `python -m chalicelib.openapi` and the
committed docs/openapi.json are one text, and every request schema in it is its route's body model."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from openapi_spec_validator import validate

from chalicelib import openapi
from chalicelib.api.body import RequestBody

REF = "#/components/schemas/"


def _served() -> dict[str, Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        response = client.http.get("/openapi.json")
    assert response.status_code == 200
    return dict(json.loads(response.body))


def test_the_served_document_is_the_generated_one_and_the_committed_one() -> None:
    generated = openapi.openapi_text()
    assert openapi.COMMITTED.read_text(encoding="utf-8") == generated, "run `python -m chalicelib.openapi`"
    assert _served() == json.loads(generated)


def test_the_document_is_valid_openapi_3_1() -> None:
    document = openapi.openapi_document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_each_route_parses_the_model_its_operation_documents() -> None:
    from app import BODY_MODELS

    assert openapi.body_models() == BODY_MODELS


def _closure(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """Every component a schema reaches through $refs."""
    seen: dict[str, Any] = {}
    todo = [schema]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF) and ref[len(REF) :] not in seen:
                name = ref[len(REF) :]
                seen[name] = components[name]
                todo.append(components[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return seen


def test_each_request_schema_is_its_models_json_schema() -> None:
    document = openapi.openapi_document()
    components = document["components"]["schemas"]
    for (method, path), model in openapi.body_models().items():
        body = document["paths"][path][method.lower()]["requestBody"]
        assert body["required"] is model.body_required, (method, path)
        schema = body["content"]["application/json"]["schema"]
        (ref,), expected = msgspec.json.schema_components([model], ref_template=REF + "{name}")
        assert schema == ref, (method, path)
        assert _closure(schema, components) == expected, (method, path)


def test_every_model_refuses_unknown_fields_in_its_schema_too() -> None:
    components = openapi.openapi_document()["components"]["schemas"]
    models = {m.__name__ for m in openapi.body_models().values()}
    for name, schema in components.items():
        if name in models or name.endswith("Body"):
            assert schema.get("additionalProperties") is False, name
    assert all(issubclass(m, RequestBody) for m in openapi.body_models().values())
