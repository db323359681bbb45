"""The function as API Gateway (REST, Lambda proxy) invokes it with the API's binary media types set to */*
(infra/template.yaml): every request body arrives base64-encoded and flagged, and a reply reaches the caller as
bytes exactly when the function flags it base64 — so a PDF must be flagged whatever the browser's Accept, and
JSON must not be."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.factories import contract_body

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def proxy_event(
    method: str, resource: str, path: str, headers: dict[str, str], body: bytes | None = None, **params: Any
) -> dict[str, Any]:
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": params.get("query"),
        "multiValueQueryStringParameters": {k: [v] for k, v in (params.get("query") or {}).items()} or None,
        "pathParameters": params.get("path_params"),
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": "test-request",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": headers.get("User-Agent", "")},
        },
        "body": None if body is None else base64.b64encode(body).decode(),
        "isBase64Encoded": body is not None,
    }


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    from app import app
    from devstack.lambda_shim import LocalContext

    return dict(app(event, LocalContext("hetong-api")))


@pytest.mark.integration
def test_a_base64_json_body_is_read_and_a_browser_gets_the_pdf_flagged_as_binary(world: Any) -> None:
    auth = {"Authorization": f"Bearer {world.keys['operator']}"}
    # A JSON body as API Gateway passes it with */* binary: base64, flagged
    created = invoke(
        proxy_event(
            "POST",
            "/contracts",
            "/contracts",
            {**auth, "Content-Type": "application/json"},
            json.dumps(contract_body()).encode(),
        )
    )
    assert created["statusCode"] == 201, created["body"]
    assert not created.get("isBase64Encoded")  # JSON passes through API Gateway as text
    cid = json.loads(created["body"])["id"]
    # A bad body in the same encoding still gets our 400 naming the field
    bad = invoke(
        proxy_event("POST", "/contracts", "/contracts", {**auth, "Content-Type": "application/json"}, b'{"title": 5}')
    )
    assert bad["statusCode"] == 400 and json.loads(bad["body"])["error"]["field"]
    # A browser asking for the PDF (text/html first): flagged base64, so API Gateway turns it into bytes
    pdf = invoke(
        proxy_event(
            "GET",
            "/contracts/{contract_id}/document",
            f"/contracts/{cid}/document",
            {**auth, "Accept": BROWSER_ACCEPT},
            query={"format": "pdf"},
            path_params={"contract_id": cid},
        )
    )
    assert pdf["statusCode"] == 200, pdf["body"][:300]
    assert pdf["isBase64Encoded"] is True and pdf["headers"]["Content-Type"] == "application/pdf"
    assert base64.b64decode(pdf["body"]).startswith(b"%PDF-")
    # and the HTML rendering of the same document is text
    html = invoke(
        proxy_event(
            "GET",
            "/contracts/{contract_id}/document",
            f"/contracts/{cid}/document",
            {**auth, "Accept": BROWSER_ACCEPT},
            path_params={"contract_id": cid},
        )
    )
    assert html["statusCode"] == 200 and not html.get("isBase64Encoded") and "<html" in html["body"]
