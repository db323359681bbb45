"""The API's OpenAPI 3.1 description, generated from the operations table and the request body models.

Served at /openapi.json; committed as docs/openapi.json by `python -m chalicelib.openapi` (`make openapi`).
Never edit either by hand: tests/unit/test_openapi.py fails when they differ from what this generates.
"""

from __future__ import annotations

import copy
import functools
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from chalicelib.api.body import RequestBody
from chalicelib.api.operations import PATHS, SCHEMAS

REF = "#/components/schemas/{name}"
COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
INFO = {
    "title": "Hetong (合同) API",
    "version": "1.0.0",
    "description": "Contract lifecycle and payment tracking: draft, sign, invoice, pay, chase, "
    "amend and end service contracts.",
}


def body_models() -> dict[tuple[str, str], type[RequestBody]]:
    """(method, path) → the model of its request body, for every operation whose body is a model."""
    out: dict[tuple[str, str], type[RequestBody]] = {}
    for path, methods in PATHS.items():
        for method, operation in methods.items():
            schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if isinstance(schema, type) and issubclass(schema, RequestBody):
                out[(method.upper(), path)] = schema
    return out


def model_schemas(models: list[type[RequestBody]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Each model's schema (a $ref) and the components they use, exactly as msgspec states them."""
    refs, components = msgspec.json.schema_components(models, ref_template=REF)
    return list(refs), dict(components)


def _paths(ref_of: dict[type[RequestBody], dict[str, Any]]) -> dict[str, Any]:
    """PATHS with each body model replaced by the $ref to its schema."""
    paths = copy.deepcopy({p: {m: dict(o) for m, o in ms.items()} for p, ms in PATHS.items()})
    for methods in paths.values():
        for operation in methods.values():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None and isinstance(content["schema"], type):
                content["schema"] = ref_of[content["schema"]]
    return paths


@functools.cache
def _document() -> str:
    models = list(dict.fromkeys(body_models().values()))
    refs, components = model_schemas(models)
    document = {
        "openapi": "3.1.0",
        "info": INFO,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**SCHEMAS, **components},
        },
        "paths": _paths(dict(zip(models, refs, strict=True))),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def openapi_document() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_document())
    return result


def openapi_text() -> str:
    """The document as committed (two-space indent, UTF-8, trailing newline)."""
    return _document()


def main(argv: list[str]) -> int:
    """Write docs/openapi.json (`--check`: only say whether it is up to date)."""
    if "--check" in argv:
        current = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
        if current != openapi_text():
            print(f"{COMMITTED} is out of date: run `python -m chalicelib.openapi`", file=sys.stderr)
            return 1
        return 0
    COMMITTED.write_text(openapi_text(), encoding="utf-8")
    print(f"wrote {COMMITTED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
