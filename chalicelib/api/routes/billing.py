"""Invoices, the ledger, payments and the other money facts, receivables."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib import http
from chalicelib.api import money_requests as mq
from chalicelib.api.body import Body
from chalicelib.api.routing import (
    FINANCE,
    OPERATOR,
    STAFF,
    actor,
    as_of,
    as_of_given,
    once,
    path_year,
    query,
    route,
    staff,
)
from chalicelib.bootstrap import get_deps
from chalicelib.services import billing, ledger_views, payments
from chalicelib.services import receivables as receivables_service


@route("/contracts/{contract_id}/invoices", methods=["GET"])
def list_invoices(contract_id: str) -> Response:
    staff(STAFF)
    as_of = as_of_given()
    book = billing.list_invoices(get_deps(), contract_id)
    return http.json_response(ledger_views.invoices_response(book, as_of, get_deps().today()))


@route("/contracts/{contract_id}/ledger", methods=["GET"])
def get_ledger(contract_id: str) -> Response:
    staff(STAFF)
    as_of = as_of_given()
    book = billing.list_invoices(get_deps(), contract_id)
    return http.json_response(ledger_views.ledger_response(book, as_of, get_deps().today()))


@route("/contracts/{contract_id}/invoices/{year}/void", methods=["POST"], body=mq.VoidInvoiceRequest)
def void_invoice(contract_id: str, year: str, body: Body[mq.VoidInvoiceRequest]) -> Response:
    role = staff(OPERATOR)
    number = path_year(year)
    command = body.parse().command()

    def void() -> dict[str, Any]:
        book = payments.void_invoice(get_deps(), contract_id, number, command.reason, actor(role))
        return ledger_views.invoice_of(book, number, get_deps().today())

    return http.json_response(once(f"void-invoice:{contract_id}:{number}", body.json, void))


@route("/contracts/{contract_id}/payments", methods=["POST"], body=mq.RecordPaymentRequest)
def record_payment(contract_id: str, body: Body[mq.RecordPaymentRequest]) -> Response:
    role = staff(FINANCE)
    command = body.parse().command()
    record = lambda: payments.record_payment(get_deps(), contract_id, command, actor(role))  # noqa: E731
    return http.json_response(once(f"payments:{contract_id}", body.json, record), 201)


@route("/contracts/{contract_id}/payments", methods=["GET"])
def list_payments(contract_id: str) -> Response:
    staff(STAFF)
    return http.json_response({"items": payments.list_payments(get_deps(), contract_id)})


@route("/contracts/{contract_id}/penalties/{year}/waive", methods=["POST"], body=mq.WaivePenaltyRequest)
def waive_penalty(contract_id: str, year: str, body: Body[mq.WaivePenaltyRequest]) -> Response:
    role = staff(FINANCE)
    command = body.parse().command(path_year(year))
    waive = lambda: payments.waive_penalty(get_deps(), contract_id, command, actor(role))  # noqa: E731
    return http.json_response(once(f"waive:{contract_id}:{command.year}", body.json, waive), 201)


@route("/contracts/{contract_id}/set-offs", methods=["POST"], body=mq.SetOffRequest)
def record_set_off(contract_id: str, body: Body[mq.SetOffRequest]) -> Response:
    role = staff(FINANCE)
    command = body.parse().command()
    record = lambda: payments.record_set_off(get_deps(), contract_id, command, actor(role))  # noqa: E731
    return http.json_response(once(f"set-off:{contract_id}", body.json, record), 201)


@route("/contracts/{contract_id}/refunds", methods=["POST"], body=mq.RefundRequest)
def record_refund(contract_id: str, body: Body[mq.RefundRequest]) -> Response:
    role = staff(FINANCE)
    command = body.parse().command()
    record = lambda: payments.record_refund(get_deps(), contract_id, command, actor(role))  # noqa: E731
    return http.json_response(once(f"refund:{contract_id}", body.json, record), 201)


@route("/receivables", methods=["GET"])
def receivables() -> Response:
    staff(FINANCE)
    fmt = query("format") or "json"
    if fmt not in ("json", "csv"):
        raise http.BadRequest("format", "format must be json or csv")
    report = receivables_service.receivables(get_deps(), as_of())
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
