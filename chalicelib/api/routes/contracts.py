"""Drafting, reading and auditing contracts."""

from __future__ import annotations

from chalice.app import Response

from chalicelib import http
from chalicelib.api import requests as rq
from chalicelib.api.body import Body
from chalicelib.api.routing import (
    OPERATOR,
    STAFF,
    actor,
    as_of,
    int_query,
    once,
    query,
    route,
    staff,
)
from chalicelib.bootstrap import get_anchoring, get_deps
from chalicelib.openapi import openapi_document
from chalicelib.services import contracts as contract_service
from chalicelib.services import obligations as obligation_service
from chalicelib.services.views import contract_response


@route("/contracts", methods=["POST"], body=rq.DraftContractRequest)
def draft_contract(body: Body[rq.DraftContractRequest]) -> Response:
    role = staff(OPERATOR)
    command = body.parse().command()
    reply = once(
        "draft",
        body.json,
        lambda: contract_response(contract_service.draft_contract(get_deps(), command, actor(role))),
    )
    return http.json_response(reply, 201, {"Location": f"/contracts/{reply['id']}"})


@route("/contracts", methods=["GET"])
def list_contracts() -> Response:
    staff(STAFF)
    items, cursor = contract_service.list_contracts(
        get_deps(), query("status"), int_query("limit", 50), query("cursor")
    )
    return http.json_response({"items": items, "next_cursor": cursor})


@route("/contracts/{contract_id}", methods=["GET"])
def get_contract(contract_id: str) -> Response:
    staff(STAFF)
    deps = get_deps()
    contract = contract_service.get_contract(deps, contract_id)
    grounds = obligation_service.contract_grounds(deps, contract, as_of())  # ?as_of=: the grounds as of that day
    return http.json_response({**contract_response(contract), "termination_grounds": grounds})


@route("/contracts/{contract_id}/audit", methods=["GET"])
def get_audit(contract_id: str) -> Response:
    staff(STAFF)
    return http.json_response(contract_service.audit_report(get_deps(), contract_id, get_anchoring()))


@route("/openapi.json", methods=["GET"])
def openapi() -> Response:
    return http.json_response(openapi_document())


# ---- signing ---------------------------------------------------------------------------------------------
