"""Hetong HTTP API (Chalice): thin routes that parse, authorize, call one service and shape the reply."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib import http, pages
from chalicelib.api import money_requests as mq
from chalicelib.api import requests as rq
from chalicelib.api.body import Body, RequestBody
from chalicelib.bootstrap import get_deps
from chalicelib.domain.calendar import InvalidDate, parse_date
from chalicelib.openapi import openapi_document
from chalicelib.services import billing, idempotency, ledger_views, lifecycle, payments
from chalicelib.services import contracts as contract_service
from chalicelib.services import receivables as receivables_service
from chalicelib.services import signing as signing_service
from chalicelib.services.auth import authorize
from chalicelib.services.views import contract_response, notice_response

app = Chalice(app_name="hetong")
STAFF = ("operator", "finance")
OPERATOR = ("operator",)
FINANCE = ("finance",)
# Accept any body type at the router so our parser answers with our error shape (415 naming the body).
BODY_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/octet-stream"]


# (method, path) → the model its body parses into; tests/unit/test_openapi.py holds /openapi.json to these.
BODY_MODELS: dict[tuple[str, str], type[RequestBody]] = {}


def route(
    path: str, *, body: type[RequestBody] | None = None, **kwargs: Any
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """app.route with the one error mapping: Chalice turns view exceptions into 500s before middleware sees
    them, so each view is wrapped here instead. With `body=Model` the view gets `body: Body[Model]`."""
    if body is not None:
        kwargs.setdefault("content_types", BODY_TYPES)
        BODY_MODELS.update({(method, path): body for method in kwargs.get("methods", ["GET"])})

    def register(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kw: Any) -> Response:
            try:
                if body is not None:
                    kw["body"] = _request_body(body)
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


def _raw_body() -> bytes | None:
    raw = _request().raw_body
    return raw.encode() if isinstance(raw, str) else raw


def _body() -> Any:
    return http.parse_json_body(_raw_body(), _request().headers.get("content-type"))


def _request_body(model: type[RequestBody]) -> Body[Any]:
    return Body(model, _raw_body(), _request().headers.get("content-type"))


def _once(scope: str, body: Any, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Mutating staff calls honour an optional Idempotency-Key (24 h): a retry gets the first reply, the same
    key with another body is refused (422)."""
    key = _request().headers.get("idempotency-key")
    if key is None:
        return compute()
    return idempotency.once(get_deps(), key, scope, body, compute)


def _actor(role: str) -> str:
    return f"staff:{role}"


def _query(name: str) -> str | None:
    params: Mapping[str, str] = _request().query_params or {}
    return params.get(name)


def _int_query(name: str, default: int) -> int:
    raw = _query(name)
    if raw is None:
        return default
    return http.int_param(raw, name, 0, 10**6, f"{name} must be a positive integer")


@route("/contracts", methods=["POST"], body=rq.DraftContractRequest)
def draft_contract(body: Body[rq.DraftContractRequest]) -> Response:
    role = _staff(OPERATOR)
    command = body.parse().command()
    reply = _once(
        "draft",
        body.json,
        lambda: contract_response(contract_service.draft_contract(get_deps(), command, _actor(role))),
    )
    return http.json_response(reply, 201, {"Location": f"/contracts/{reply['id']}"})


@route("/contracts", methods=["GET"])
def list_contracts() -> Response:
    _staff(STAFF)
    items, cursor = contract_service.list_contracts(
        get_deps(), _query("status"), _int_query("limit", 50), _query("cursor")
    )
    return http.json_response({"items": items, "next_cursor": cursor})


@route("/contracts/{contract_id}", methods=["GET"])
def get_contract(contract_id: str) -> Response:
    _staff(STAFF)
    return http.json_response(contract_response(contract_service.get_contract(get_deps(), contract_id)))


@route("/contracts/{contract_id}/document", methods=["GET"])
def get_document(contract_id: str) -> Response:
    _staff(STAFF)
    doc = contract_service.get_document(get_deps(), contract_id, _query("part") or "contract")
    return Response(
        body=doc.html,
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8", "X-Document-SHA256": doc.sha256},
    )


@route("/contracts/{contract_id}/audit", methods=["GET"])
def get_audit(contract_id: str) -> Response:
    _staff(STAFF)
    return http.json_response(contract_service.audit_report(get_deps(), contract_id))


@route("/openapi.json", methods=["GET"])
def openapi() -> Response:
    return http.json_response(openapi_document())


# ---- signing ---------------------------------------------------------------------------------------------
@route("/contracts/{contract_id}/send", methods=["POST"], body=rq.SendRequest)
def send_contract(contract_id: str, body: Body[rq.SendRequest]) -> Response:
    role = _staff(OPERATOR)
    body.parse().command()  # no options yet; an unknown field is still refused
    return http.json_response(
        _once(
            f"send:{contract_id}",
            body.json,
            lambda: contract_response(signing_service.send_for_signature(get_deps(), contract_id, _actor(role))),
        )
    )


@route("/contracts/{contract_id}/resend", methods=["POST"], body=rq.ResendRequest)
def resend_link(contract_id: str, body: Body[rq.ResendRequest]) -> Response:
    role = _staff(OPERATOR)
    command = body.parse().command()
    return http.json_response(
        _once(
            f"resend:{contract_id}",
            body.json,
            lambda: contract_response(signing_service.resend_link(get_deps(), contract_id, command, _actor(role))),
        )
    )


@route("/contracts/{contract_id}/void", methods=["POST"], body=rq.VoidRequest)
def void_contract(contract_id: str, body: Body[rq.VoidRequest]) -> Response:
    role = _staff(OPERATOR)
    command = body.parse().command()
    return http.json_response(
        _once(
            f"void:{contract_id}",
            body.json,
            lambda: contract_response(
                signing_service.void_signing(get_deps(), contract_id, "contract", command, _actor(role))
            ),
        )
    )


def _client_info() -> tuple[str, str]:
    request = _request()
    ip = str((request.context.get("identity") or {}).get("sourceIp") or "unknown")
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and ip in ("unknown", "127.0.0.1"):
        ip = forwarded.split(",")[0].strip()
    return ip, request.headers.get("user-agent", "unknown")


def _wants_json() -> bool:
    return "application/json" in (_request().headers.get("accept") or "")


@route("/sign/{token}", methods=["GET"])
def signing_page(token: str) -> Response:
    try:
        view = signing_service.signing_view(get_deps(), token)
    except Exception as exc:
        if _wants_json():
            raise
        return pages.error_page(exc)
    if _wants_json():
        return http.json_response(view)
    return Response(
        body=pages.signing_page(view, token),
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8", **pages.SECURITY_HEADERS},
    )


@route("/sign/{token}", methods=["POST"], body=rq.SignRequest)
def sign(token: str, body: Body[rq.SignRequest]) -> Response:
    ip, agent = _client_info()
    receipt = signing_service.sign(get_deps(), token, body.parse().command(), ip, agent)
    return http.json_response(receipt, 201)


@route("/sign/{token}/decline", methods=["POST"], body=rq.DeclineRequest)
def decline(token: str, body: Body[rq.DeclineRequest]) -> Response:
    ip, agent = _client_info()
    return http.json_response(signing_service.decline(get_deps(), token, body.parse().command(), ip, agent))


# ---- billing -----------------------------------------------------------------------------------------------
def _as_of() -> date:
    raw = _query("as_of")
    if raw is None:
        return get_deps().today()
    try:
        return parse_date(raw)
    except InvalidDate:
        raise http.BadRequest("as_of", "as_of must be a real date YYYY-MM-DD") from None


def _as_of_given() -> date | None:
    return None if _query("as_of") is None else _as_of()


def _path_year(raw: str) -> int:
    return http.int_param(raw, "year", 1, mq.MAX_YEAR, "year must be a contract year number (1, 2, ...)")


@route("/contracts/{contract_id}/invoices", methods=["GET"])
def list_invoices(contract_id: str) -> Response:
    _staff(STAFF)
    as_of = _as_of_given()
    book = billing.list_invoices(get_deps(), contract_id)
    return http.json_response(ledger_views.invoices_response(book, as_of, get_deps().today()))


@route("/contracts/{contract_id}/ledger", methods=["GET"])
def get_ledger(contract_id: str) -> Response:
    _staff(STAFF)
    as_of = _as_of_given()
    book = billing.list_invoices(get_deps(), contract_id)
    return http.json_response(ledger_views.ledger_response(book, as_of, get_deps().today()))


@route("/contracts/{contract_id}/invoices/{year}/void", methods=["POST"], body=mq.VoidInvoiceRequest)
def void_invoice(contract_id: str, year: str, body: Body[mq.VoidInvoiceRequest]) -> Response:
    role = _staff(OPERATOR)
    number = _path_year(year)
    command = body.parse().command()

    def void() -> dict[str, Any]:
        book = payments.void_invoice(get_deps(), contract_id, number, command.reason, _actor(role))
        return ledger_views.invoice_of(book, number, get_deps().today())

    return http.json_response(_once(f"void-invoice:{contract_id}:{number}", body.json, void))


@route("/contracts/{contract_id}/payments", methods=["POST"], body=mq.RecordPaymentRequest)
def record_payment(contract_id: str, body: Body[mq.RecordPaymentRequest]) -> Response:
    role = _staff(FINANCE)
    command = body.parse().command()
    record = lambda: payments.record_payment(get_deps(), contract_id, command, _actor(role))  # noqa: E731
    return http.json_response(_once(f"payments:{contract_id}", body.json, record), 201)


@route("/contracts/{contract_id}/payments", methods=["GET"])
def list_payments(contract_id: str) -> Response:
    _staff(STAFF)
    return http.json_response({"items": payments.list_payments(get_deps(), contract_id)})


@route("/contracts/{contract_id}/penalties/{year}/waive", methods=["POST"], body=mq.WaivePenaltyRequest)
def waive_penalty(contract_id: str, year: str, body: Body[mq.WaivePenaltyRequest]) -> Response:
    role = _staff(FINANCE)
    command = body.parse().command(_path_year(year))
    waive = lambda: payments.waive_penalty(get_deps(), contract_id, command, _actor(role))  # noqa: E731
    return http.json_response(_once(f"waive:{contract_id}:{command.year}", body.json, waive), 201)


@route("/contracts/{contract_id}/set-offs", methods=["POST"], body=mq.SetOffRequest)
def record_set_off(contract_id: str, body: Body[mq.SetOffRequest]) -> Response:
    role = _staff(FINANCE)
    command = body.parse().command()
    record = lambda: payments.record_set_off(get_deps(), contract_id, command, _actor(role))  # noqa: E731
    return http.json_response(_once(f"set-off:{contract_id}", body.json, record), 201)


@route("/contracts/{contract_id}/refunds", methods=["POST"], body=mq.RefundRequest)
def record_refund(contract_id: str, body: Body[mq.RefundRequest]) -> Response:
    role = _staff(FINANCE)
    command = body.parse().command()
    record = lambda: payments.record_refund(get_deps(), contract_id, command, _actor(role))  # noqa: E731
    return http.json_response(_once(f"refund:{contract_id}", body.json, record), 201)


@route("/receivables", methods=["GET"])
def receivables() -> Response:
    _staff(FINANCE)
    fmt = _query("format") or "json"
    if fmt not in ("json", "csv"):
        raise http.BadRequest("format", "format must be json or csv")
    report = receivables_service.receivables(get_deps(), _as_of())
    if fmt == "csv":
        return Response(
            body=receivables_service.receivables_csv(report),
            status_code=200,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="receivables-{report["as_of"]}.csv"',
            },
        )
    return http.json_response(report)


# ---- amendments and notices ----------------------------------------------------------------------------------
@route("/contracts/{contract_id}/amendments", methods=["POST"], body=rq.ProposeAmendmentRequest)
def propose_amendment(contract_id: str, body: Body[rq.ProposeAmendmentRequest]) -> Response:
    role = _staff(OPERATOR)
    command = body.parse().command()

    def propose() -> dict[str, Any]:
        contract = lifecycle.propose_amendment(get_deps(), contract_id, command, _actor(role))
        amendment = contract.amendments[-1]
        return {
            "contract_id": contract.id,
            "amendment_no": amendment.no,
            "status": amendment.status,
            "changes": amendment.changes,
            "document_sha256": amendment.signing.document_sha256,
            "contract": contract_response(contract),
        }

    return http.json_response(_once(f"amend:{contract_id}", body.json, propose), 201)


@route("/contracts/{contract_id}/amendments/{no}/void", methods=["POST"], body=rq.VoidRequest)
def void_amendment(contract_id: str, no: str, body: Body[rq.VoidRequest]) -> Response:
    role = _staff(OPERATOR)
    number = http.int_param(no, "no", 1, 999, "amendment number must be a positive integer")
    command = body.parse().command()
    return http.json_response(
        _once(
            f"void-amendment:{contract_id}:{number}",
            body.json,
            lambda: contract_response(
                signing_service.void_signing(get_deps(), contract_id, f"amendment:{number}", command, _actor(role))
            ),
        )
    )


@route("/contracts/{contract_id}/termination", methods=["POST"], body=rq.ServeNoticeRequest)
def serve_notice(contract_id: str, body: Body[rq.ServeNoticeRequest]) -> Response:
    role = _staff(OPERATOR)
    command = body.parse().command()

    def serve() -> dict[str, Any]:
        contract = lifecycle.serve_notice(get_deps(), contract_id, command, _actor(role))
        notice = contract.notices[-1]
        return {
            **notice_response(notice),
            "contract_id": contract.id,
            "status": notice.status,
            "contract_status": contract.status,
        }

    return http.json_response(_once(f"notice:{contract_id}", body.json, serve), 201)


@route("/contracts/{contract_id}/termination/withdraw", methods=["POST"], body=rq.WithdrawNoticeRequest)
def withdraw_notice(contract_id: str, body: Body[rq.WithdrawNoticeRequest]) -> Response:
    role = _staff(OPERATOR)
    command = body.parse().command()
    return http.json_response(
        _once(
            f"withdraw:{contract_id}",
            body.json,
            lambda: contract_response(lifecycle.withdraw_notice(get_deps(), contract_id, command, _actor(role))),
        )
    )
