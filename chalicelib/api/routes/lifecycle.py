"""Supplementary agreements and termination notices."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib import http
from chalicelib.api import requests as rq
from chalicelib.api.body import Body
from chalicelib.api.routing import (
    OPERATOR,
    actor,
    once,
    route,
    staff,
)
from chalicelib.bootstrap import get_deps
from chalicelib.services import lifecycle
from chalicelib.services import signing as signing_service
from chalicelib.services.views import contract_response, notice_response


@route("/contracts/{contract_id}/amendments", methods=["POST"], body=rq.ProposeAmendmentRequest)
def propose_amendment(contract_id: str, body: Body[rq.ProposeAmendmentRequest]) -> Response:
    role = staff(OPERATOR)
    command = body.parse().command()

    def propose() -> dict[str, Any]:
        contract = lifecycle.propose_amendment(get_deps(), contract_id, command, actor(role))
        amendment = contract.amendments[-1]
        return {
            "contract_id": contract.id,
            "amendment_no": amendment.no,
            "status": amendment.status,
            "changes": amendment.changes,
            "document_sha256": amendment.signing.document_sha256,
            "contract": contract_response(contract),
        }

    return http.json_response(once(f"amend:{contract_id}", body.json, propose), 201)


@route("/contracts/{contract_id}/amendments/{no}/void", methods=["POST"], body=rq.VoidRequest)
def void_amendment(contract_id: str, no: str, body: Body[rq.VoidRequest]) -> Response:
    role = staff(OPERATOR)
    number = http.int_param(no, "no", 1, 999, "amendment number must be a positive integer")
    command = body.parse().command()
    return http.json_response(
        once(
            f"void-amendment:{contract_id}:{number}",
            body.json,
            lambda: contract_response(
                signing_service.void_signing(get_deps(), contract_id, f"amendment:{number}", command, actor(role))
            ),
        )
    )


@route("/contracts/{contract_id}/termination", methods=["POST"], body=rq.ServeNoticeRequest)
def serve_notice(contract_id: str, body: Body[rq.ServeNoticeRequest]) -> Response:
    role = staff(OPERATOR)
    command = body.parse().command()

    def serve() -> dict[str, Any]:
        contract = lifecycle.serve_notice(get_deps(), contract_id, command, actor(role))
        notice = contract.notices[-1]
        return {
            **notice_response(notice),
            "contract_id": contract.id,
            "status": notice.status,
            "contract_status": contract.status,
        }

    return http.json_response(once(f"notice:{contract_id}", body.json, serve), 201)


@route("/contracts/{contract_id}/termination/withdraw", methods=["POST"], body=rq.WithdrawNoticeRequest)
def withdraw_notice(contract_id: str, body: Body[rq.WithdrawNoticeRequest]) -> Response:
    role = staff(OPERATOR)
    command = body.parse().command()
    return http.json_response(
        once(
            f"withdraw:{contract_id}",
            body.json,
            lambda: contract_response(lifecycle.withdraw_notice(get_deps(), contract_id, command, actor(role))),
        )
    )
