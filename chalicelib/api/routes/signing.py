"""Sending for signature and the signer's routes (/sign/{token})."""

from __future__ import annotations

from chalice.app import Response

from chalicelib import http, pages
from chalicelib.api import requests as rq
from chalicelib.api.body import Body
from chalicelib.api.routing import (
    OPERATOR,
    actor,
    client_info,
    forwarded_for,
    once,
    route,
    staff,
    wants_json,
)
from chalicelib.bootstrap import get_deps
from chalicelib.services import signing as signing_service
from chalicelib.services.views import contract_response


@route("/contracts/{contract_id}/send", methods=["POST"], body=rq.SendRequest)
def send_contract(contract_id: str, body: Body[rq.SendRequest]) -> Response:
    role = staff(OPERATOR)
    order = body.parse().command().signing_order
    return http.json_response(
        once(
            f"send:{contract_id}",
            body.json,
            lambda: contract_response(signing_service.send_for_signature(get_deps(), contract_id, actor(role), order)),
        )
    )


@route("/contracts/{contract_id}/resend", methods=["POST"], body=rq.ResendRequest)
def resend_link(contract_id: str, body: Body[rq.ResendRequest]) -> Response:
    role = staff(OPERATOR)
    command = body.parse().command()
    return http.json_response(
        once(
            f"resend:{contract_id}",
            body.json,
            lambda: contract_response(signing_service.resend_link(get_deps(), contract_id, command, actor(role))),
        )
    )


@route("/contracts/{contract_id}/void", methods=["POST"], body=rq.VoidRequest)
def void_contract(contract_id: str, body: Body[rq.VoidRequest]) -> Response:
    role = staff(OPERATOR)
    command = body.parse().command()
    return http.json_response(
        once(
            f"void:{contract_id}",
            body.json,
            lambda: contract_response(
                signing_service.void_signing(get_deps(), contract_id, "contract", command, actor(role))
            ),
        )
    )


@route("/sign/{token}", methods=["GET"])
def signing_page(token: str) -> Response:
    try:
        view = signing_service.signing_view(get_deps(), token)
    except Exception as exc:
        if wants_json():
            raise
        return pages.error_page(exc)
    if wants_json():
        return http.json_response(view)
    nonce = pages.new_nonce()
    return Response(body=pages.signing_page(view, token, nonce), status_code=200, headers=pages.page_headers(nonce))


@route("/sign/{token}", methods=["POST"], body=rq.SignRequest)
def sign(token: str, body: Body[rq.SignRequest]) -> Response:
    ip, agent = client_info()
    receipt = signing_service.sign(get_deps(), token, body.parse().command(), ip, agent, forwarded_for())
    return http.json_response(receipt, 201)


@route("/sign/{token}/decline", methods=["POST"], body=rq.DeclineRequest)
def decline(token: str, body: Body[rq.DeclineRequest]) -> Response:
    ip, agent = client_info()
    return http.json_response(signing_service.decline(get_deps(), token, body.parse().command(), ip, agent))


# ---- billing -----------------------------------------------------------------------------------------------
