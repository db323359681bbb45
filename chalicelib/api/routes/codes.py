"""The signer's one-time code (/sign/{token}/code): asked for before signing when the contract requires it."""

from __future__ import annotations

from chalice.app import Response

from chalicelib import http
from chalicelib.api.body import Body
from chalicelib.api.routing import route
from chalicelib.api.signing_requests import CodeRequest
from chalicelib.bootstrap import get_code_senders, get_deps
from chalicelib.services import signing_codes


@route("/sign/{token}/code", methods=["POST"], body=CodeRequest)
def request_code(token: str, body: Body[CodeRequest]) -> Response:
    body.parse()  # no fields; an unknown one is still refused
    return http.json_response(signing_codes.request_code(get_deps(), token, get_code_senders()), 201)
