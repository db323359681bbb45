"""The 履约 operations of /openapi.json (obligations, deliveries, submit links, incidents); merged into
chalicelib/api/operations.py's PATHS."""

from __future__ import annotations

from typing import Any

from chalicelib.api import obligation_requests as oq
from chalicelib.api.obligation_correction_requests import CorrectDeliveryRequest
from chalicelib.api.operations import AS_OF, ID, IDEMPOTENCY_KEY, TOKEN, err, obj, ok, op, staff_change

KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}}
PERIOD_PARAM = {
    "name": "period",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^(?:[0-9]{4}-[0-9]{2}|[0-9]{4}-Q[1-4]|[0-9]{4}|once)$"},
}
INCIDENT_NO = {"name": "no", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]{1,4}$"}}
LINK_ERRORS = {"404": err("unknown link"), "410": err("the link has expired")}
PERIOD = obj("period", "start", "end", "due_on", "status", "days_late", "penalty")

OBLIGATION_PATHS: dict[str, Any] = {
    "/contracts/{contract_id}/obligations": {
        "get": op(
            "Each obligation with its periods as of a day: due date, status, delivery, days late, KPIs, penalty",
            {
                "200": ok("obligations", obj("obligations", "termination_grounds")),
                "400": err("invalid query"),
                "404": err("no such contract"),
            },
            role="staff",
            params=(ID, AS_OF),
        )
    },
    "/contracts/{contract_id}/obligations/{key}/deliveries": {
        "post": staff_change(
            "Record a period's delivery (KPIs for a KPI report)",
            "operator",
            ok("recorded", PERIOD),
            created=True,
            params=(ID, IDEMPOTENCY_KEY, KEY),
            body=oq.RecordDeliveryRequest,
        )
    },
    "/contracts/{contract_id}/obligations/{key}/deliveries/{period}/corrections": {
        "post": staff_change(
            "Correct a recorded delivery (delivered_on, note, kpis) or withdraw it, with a reason; kept beside the "
            "delivery, never overwriting it. 404 names `key` or `period`; 409 naming `period` when there is no "
            "delivery to correct",
            "operator",
            ok("the period as it now stands, with its corrections", obj(*PERIOD["required"], "corrections")),
            created=True,
            params=(ID, IDEMPOTENCY_KEY, KEY, PERIOD_PARAM),
            body=CorrectDeliveryRequest,
        )
    },
    "/submit/{token}": {
        "get": op(
            "The responsible party's delivery form (HTML), or JSON with Accept: application/json",
            {"200": ok("the period to deliver", PERIOD), **LINK_ERRORS},
            params=(TOKEN,),
        ),
        "post": op(
            "Deliver the link's period (JSON, or the page's form)",
            {
                "201": ok("recorded", PERIOD),
                "400": err("invalid field"),
                "409": err("the period was already delivered otherwise"),
                **LINK_ERRORS,
            },
            params=(TOKEN,),
            body=oq.RecordDeliveryRequest,
        ),
    },
    "/contracts/{contract_id}/incidents": {
        "post": staff_change(
            "Report an incident (危机事件); the client and the operator are emailed at once",
            "operator",
            ok("reported", obj("no", "report_delay_hours", "reported_late", "status")),
            created=True,
            body=oq.ReportIncidentRequest,
        ),
        "get": op(
            "Incidents and their progress",
            {"200": ok("incidents", obj("items")), "404": err("no such contract")},
            role="staff",
            params=(ID,),
        ),
    },
    "/contracts/{contract_id}/incidents/{no}/updates": {
        "post": staff_change(
            "Move an incident forward: progress note, plan, resolved",
            "operator",
            ok("updated", obj("no", "status", "updates")),
            created=True,
            params=(ID, IDEMPOTENCY_KEY, INCIDENT_NO),
            body=oq.UpdateIncidentRequest,
        )
    },
}
