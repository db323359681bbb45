"""履约: obligations and their deliveries, the responsible party's submit link (/submit/{token}), incidents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Response

from chalicelib import http, submit_pages
from chalicelib.api import obligation_requests as oq
from chalicelib.api.body import Body, parse
from chalicelib.api.obligation_correction_requests import CorrectDeliveryRequest
from chalicelib.api.routing import OPERATOR, STAFF, actor, as_of, once, raw_body, request, route, staff, wants_json
from chalicelib.bootstrap import get_deps
from chalicelib.domain.errors import DomainError, NotFound
from chalicelib.domain.obligations import check_period_id
from chalicelib.services import delivery_corrections, incidents, obligations, submissions


def named(path_field: str, entity: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A 404 for an unknown obligation or incident names its path parameter (`key`, `no`)."""
    try:
        return compute()
    except NotFound as exc:
        if exc.entity != entity:
            raise
        raise http.BadRequest(path_field, exc.message, status=404, code="not_found") from None


@route("/contracts/{contract_id}/obligations", methods=["GET"])
def list_obligations(contract_id: str) -> Response:
    staff(STAFF)
    return http.json_response(obligations.obligations_response(get_deps(), contract_id, as_of()))


@route("/contracts/{contract_id}/obligations/{key}/deliveries", methods=["POST"], body=oq.RecordDeliveryRequest)
def record_delivery(contract_id: str, key: str, body: Body[oq.RecordDeliveryRequest]) -> Response:
    role = staff(OPERATOR)
    command = body.parse().command()
    reply = once(
        f"delivery:{contract_id}:{key}",
        body.json,
        lambda: named(
            "key", "obligation", lambda: obligations.record_delivery(get_deps(), contract_id, key, command, actor(role))
        ),
    )
    return http.json_response(reply, 201)


@route(
    "/contracts/{contract_id}/obligations/{key}/deliveries/{period}/corrections",
    methods=["POST"],
    body=CorrectDeliveryRequest,
)
def correct_delivery(contract_id: str, key: str, period: str, body: Body[CorrectDeliveryRequest]) -> Response:
    role = staff(OPERATOR)
    period = check_period_id(period, "period")
    command = body.parse().command()

    def compute() -> dict[str, Any]:
        return delivery_corrections.correct_delivery(get_deps(), contract_id, key, period, command, actor(role))

    reply = once(
        f"delivery-correction:{contract_id}:{key}:{period}",
        body.json,
        lambda: named("key", "obligation", lambda: named("period", "period", compute)),
    )
    return http.json_response(reply, 201)


# ---- the responsible party's link -------------------------------------------------------------------------
@route("/submit/{token}", methods=["GET"])
def submit_page(token: str) -> Response:
    try:
        view = submissions.submit_view(get_deps(), token)
    except Exception as exc:
        if wants_json():
            raise
        return submit_pages.error_page(exc)
    return http.json_response(view) if wants_json() else submit_pages.page(view)


@route("/submit/{token}", methods=["POST"], body=oq.RecordDeliveryRequest)
def submit_delivery(token: str, body: Body[oq.RecordDeliveryRequest]) -> Response:
    if not submit_pages.is_form(request().headers.get("content-type")):
        return http.json_response(submissions.submit(get_deps(), token, body.parse().command()), 201)
    # The page's form (no script): answer with the page again, the receipt or the problem on it.
    try:
        view = submissions.submit_view(get_deps(), token)
    except DomainError as exc:
        return submit_pages.error_page(exc)
    try:
        command = parse(oq.RecordDeliveryRequest, submit_pages.form_body(raw_body())).command()
        submissions.submit(get_deps(), token, command)
    except DomainError as exc:
        field = getattr(exc, "field", None)
        return submit_pages.page(view, problem=f"{field}: {exc.message}" if field else exc.message, status=400)
    return submit_pages.page(submissions.submit_view(get_deps(), token), receipt=True, status=201)


# ---- incidents -----------------------------------------------------------------------------------------------
@route("/contracts/{contract_id}/incidents", methods=["POST"], body=oq.ReportIncidentRequest)
def report_incident(contract_id: str, body: Body[oq.ReportIncidentRequest]) -> Response:
    role = staff(OPERATOR)
    command = body.parse().command()
    reply = once(
        f"incident:{contract_id}",
        body.json,
        lambda: incidents.report_incident(get_deps(), contract_id, command, actor(role)),
    )
    return http.json_response(reply, 201)


@route("/contracts/{contract_id}/incidents", methods=["GET"])
def list_incidents(contract_id: str) -> Response:
    staff(STAFF)
    return http.json_response(incidents.list_incidents(get_deps(), contract_id))


@route("/contracts/{contract_id}/incidents/{no}/updates", methods=["POST"], body=oq.UpdateIncidentRequest)
def update_incident(contract_id: str, no: str, body: Body[oq.UpdateIncidentRequest]) -> Response:
    role = staff(OPERATOR)
    number = http.int_param(no, "no", 1, 9999, "incident number must be a positive integer")
    command = body.parse().command()
    reply = once(
        f"incident-update:{contract_id}:{number}",
        body.json,
        lambda: named(
            "no", "incident", lambda: incidents.update_incident(get_deps(), contract_id, number, command, actor(role))
        ),
    )
    return http.json_response(reply, 201)
