"""Hetong HTTP API (Chalice): thin routes that parse, authorize, call one service and shape the reply."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib import http
from chalicelib.bootstrap import get_deps
from chalicelib.openapi import openapi_document
from chalicelib.services import contracts as contract_service
from chalicelib.services.auth import authorize
from chalicelib.services.views import contract_response, contract_summary

app = Chalice(app_name="hetong")
STAFF = ("operator", "finance")
OPERATOR = ("operator",)
FINANCE = ("finance",)
# Accept any body type at the router so our parser answers with our error shape (415 naming the body).
BODY_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/octet-stream"]


def route(path: str, **kwargs: Any) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """app.route with the one error mapping: Chalice turns view exceptions into 500s before middleware sees
    them, so each view is wrapped here instead."""

    def register(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kw: Any) -> Response:
            try:
                return view(*args, **kw)
            except Exception as exc:  # noqa: BLE001 - the one place exceptions become HTTP errors
                return http.map_exception(exc)

        app.route(path, **kwargs)(wrapped)
        return wrapped

    return register


def _request() -> Request:
    request = app.current_request
    assert request is not None
    return request


def _staff(allowed: tuple[str, ...]) -> str:
    return authorize(get_deps(), _request().headers.get("authorization"), allowed)


def _body() -> Any:
    request = _request()
    return http.parse_json_body(request.raw_body, request.headers.get("content-type"))


def _actor(role: str) -> str:
    return f"staff:{role}"


def _query(name: str) -> str | None:
    params = _request().query_params or {}
    return params.get(name)


def _int_query(name: str, default: int) -> int:
    raw = _query(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise http.BadRequest(name, f"{name} must be a positive integer")
    return int(raw)


@route("/contracts", methods=["POST"], content_types=BODY_TYPES)
def draft_contract() -> Response:
    role = _staff(OPERATOR)
    contract = contract_service.draft_contract(get_deps(), _body(), _actor(role))
    body = {**contract_response(contract)}
    return http.json_response(body, 201, {"Location": f"/contracts/{contract.id}"})


@route("/contracts", methods=["GET"])
def list_contracts() -> Response:
    _staff(STAFF)
    items, cursor = contract_service.list_contracts(get_deps(), _query("status"), _int_query("limit", 50),
                                                    _query("cursor"))
    return http.json_response({"items": [contract_summary(c) for c in items], "next_cursor": cursor})


@route("/contracts/{contract_id}", methods=["GET"])
def get_contract(contract_id: str) -> Response:
    _staff(STAFF)
    return http.json_response(contract_response(contract_service.get_contract(get_deps(), contract_id)))


@route("/contracts/{contract_id}/document", methods=["GET"])
def get_document(contract_id: str) -> Response:
    _staff(STAFF)
    doc = contract_service.get_document(get_deps(), contract_id, _query("part") or "contract")
    return Response(body=doc.html, status_code=200,
                    headers={"Content-Type": "text/html; charset=utf-8", "X-Document-SHA256": doc.sha256})


@route("/contracts/{contract_id}/audit", methods=["GET"])
def get_audit(contract_id: str) -> Response:
    _staff(STAFF)
    return http.json_response(contract_service.audit_report(get_deps(), contract_id))


@route("/openapi.json", methods=["GET"])
def openapi() -> Response:
    return http.json_response(openapi_document())
