"""Held-out-style 履约 scenarios on moto: incidents with report hours other than 2 (exactly at the limit, one minute
late, times around midnight Asia/Shanghai given in UTC), and the API's 4xx for bad KPIs, obligation keys and
periods: the field named, nothing written. Expectations by hand from docs/domain-rules.md ("Incidents",
"Deliveries")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.integration.heldout_duties import audit_types, kpis, mails, ob, view
from tests.integration.test_notices_and_amendments import sign_amendment

pytestmark = pytest.mark.integration

OPERATOR = "operator@hetong.test"


def _incident(occurred: str, reported: str, severity: str = "high") -> dict[str, Any]:
    return {"occurred_at": occurred, "reported_at": reported, "severity": severity, "summary": "外呼平台故障"}


def test_report_hours_of_3_at_the_limit_and_a_minute_late_around_midnight(world: Any) -> None:
    # Given 3 hours to report an incident; today 2026-12-02 12:00 in Shanghai (04:00 UTC)
    cid = world.active_contract(incident_report_hours=3)
    world.travel(date(2026, 12, 2))
    path = f"/contracts/{cid}/incidents"
    # occurred 23:30 Shanghai on 11-30, reported 02:30 Shanghai on 12-01: exactly 3 h, not late
    on_time = world.ok("POST", path, _incident("2026-11-30T23:30:00+08:00", "2026-12-01T02:30:00+08:00"), status=201)
    assert (on_time["no"], on_time["report_delay_hours"], on_time["reported_late"]) == (1, "3.00", False)
    assert on_time["incident_report_hours"] == 3
    # the same occurrence in UTC (15:30Z), reported 18:31Z = 02:31 Shanghai: 3 h 1 min = 3.0166… → 3.02, late
    late = world.ok("POST", path, _incident("2026-11-30T15:30:00Z", "2026-11-30T18:31:00Z"), status=201)
    assert (late["no"], late["report_delay_hours"], late["reported_late"]) == (2, "3.02", True)
    # 00:10 Shanghai on 12-01 reported at 16:05Z on 11-30 (= 00:05 Shanghai, 5 minutes before): refused
    before = world.call("POST", path, _incident("2026-12-01T00:10:00+08:00", "2026-11-30T16:05:00Z"))
    assert before.status_code == 400 and before.json_body["error"]["field"] == "reported_at"
    # reported exactly now (12:00 Shanghai) is accepted; a minute after now is in the future
    now = world.ok("POST", path, _incident("2026-12-02T09:00:00+08:00", "2026-12-02T04:00:00Z"), status=201)
    assert (now["report_delay_hours"], now["reported_late"]) == ("3.00", False)
    future = world.call("POST", path, _incident("2026-12-02T09:00:00+08:00", "2026-12-02T12:01:00+08:00"))
    assert future.status_code == 400 and future.json_body["error"]["field"] == "reported_at"
    # Then three incidents are listed, the refused ones wrote nothing
    listed = world.ok("GET", path)["items"]
    assert [(i["no"], i["reported_late"]) for i in listed] == [(1, False), (2, True), (3, False)]
    # and the instants given in UTC read back as the same instants shown in Asia/Shanghai
    assert (listed[1]["occurred_at"], listed[1]["reported_at"]) == (
        "2026-11-30T23:30:00+08:00",
        "2026-12-01T02:31:00+08:00",
    )
    occurred = datetime.fromisoformat(listed[1]["occurred_at"])
    assert occurred == datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    # And each went to the client and the operator at once, never to the vendor
    world.deliver()
    assert len(mails("client@example.com", "危机事件")) == 3 and len(mails(OPERATOR, "危机事件")) == 3
    assert mails("vendor@example.com", "危机事件") == []
    assert audit_types(world, cid).count("IncidentReported") == 3


def test_an_incident_is_held_to_the_report_hours_in_force_when_it_occurred(world: Any) -> None:
    # Given 3 hours, and a supplementary agreement in force on 2026-12-05 cutting it to 1 hour
    cid = world.active_contract(incident_report_hours=3)
    world.travel(date(2026, 12, 5))
    world.ok(
        "POST",
        f"/contracts/{cid}/amendments",
        {"changes": {"incident_report_hours": 1}, "reason": "缩短时限"},
        status=201,
    )
    sign_amendment(world, 1)
    world.travel(date(2026, 12, 6))
    path = f"/contracts/{cid}/incidents"
    # When an incident of 12-03 (under the 3 hours) reported 2 h later is recorded on 12-06
    old = world.ok("POST", path, _incident("2026-12-03T10:00:00+08:00", "2026-12-03T12:00:00+08:00"), status=201)
    # Then it was reported in time: the duty arose under the terms then in force
    assert (old["report_delay_hours"], old["incident_report_hours"], old["reported_late"]) == ("2.00", 3, False)
    # And one that occurred on 12-05 (the agreement's day) is held to 1 hour: 1 h 30 min = 1.50, late
    new = world.ok("POST", path, _incident("2026-12-05T10:00:00+08:00", "2026-12-05T11:30:00+08:00"), status=201)
    assert (new["report_delay_hours"], new["incident_report_hours"], new["reported_late"]) == ("1.50", 1, True)
    # And the terms' day is Shanghai's: 2026-12-04T16:30Z is 00:30 on 12-05 in Shanghai, under the 1 hour
    edge = world.ok("POST", path, _incident("2026-12-04T16:30:00Z", "2026-12-04T18:00:00Z"), status=201)
    assert (edge["incident_report_hours"], edge["reported_late"]) == (1, True)


def test_bad_delivery_input_names_the_field_and_writes_nothing(world: Any) -> None:
    # Given a KPI sheet and a report, in force from 2026-11-22 for 3 years (last day 2029-11-21)
    cid = world.active_contract(obligations=[ob("sla", due=10, kind="kpi"), ob("rpt", due=5)])
    world.travel(date(2026, 12, 20))
    sla = f"/contracts/{cid}/obligations/sla/deliveries"
    good = kpis("96", "88")
    before_view, before_audit = view(world, cid), audit_types(world, cid)
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        (
            sla,
            {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": {**good, "connect_rate_pct": "95.005"}},
            400,
            "kpis.connect_rate_pct",
        ),
        (
            sla,
            {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": {**good, "connect_rate_pct": "abc"}},
            400,
            "kpis.connect_rate_pct",
        ),
        (
            sla,
            {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": {**good, "connect_rate_pct": "NaN"}},
            400,
            "kpis.connect_rate_pct",
        ),
        (
            sla,
            {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": {**good, "connect_rate_pct": True}},
            400,
            "kpis.connect_rate_pct",
        ),
        (
            sla,
            {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": {**good, "satisfaction_pct": "100.01"}},
            400,
            "kpis.satisfaction_pct",
        ),
        (
            sla,
            {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": {**good, "satisfaction_pct": "-0.01"}},
            400,
            "kpis.satisfaction_pct",
        ),
        (
            sla,
            {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": {**good, "call_quality_ok": "yes"}},
            400,
            "kpis.call_quality_ok",
        ),
        (
            sla,
            {
                "period": "2026-11",
                "delivered_on": "2026-12-01",
                "kpis": {"connect_rate_pct": "96", "satisfaction_pct": "88"},
            },
            400,
            "kpis.call_quality_ok",
        ),
        (sla, {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": {**good, "score": "9"}}, 400, "kpis.score"),
        (sla, {"period": "2026-11", "delivered_on": "2026-12-01"}, 400, "kpis"),
        (
            f"/contracts/{cid}/obligations/rpt/deliveries",
            {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": good},
            400,
            "kpis",
        ),
        (sla, {"period": "2026-10", "delivered_on": "2026-12-01", "kpis": good}, 400, "period"),  # before the term
        (sla, {"period": "2029-12", "delivered_on": "2026-12-01", "kpis": good}, 400, "period"),  # after the term
        (sla, {"period": "2026-13", "delivered_on": "2026-12-01", "kpis": good}, 400, "period"),
        (sla, {"period": "2026-Q4", "delivered_on": "2026-12-01", "kpis": good}, 400, "period"),  # not monthly
        (sla, {"period": "2026", "delivered_on": "2026-12-01", "kpis": good}, 400, "period"),
        (sla, {"period": "2026-11", "delivered_on": "2026-02-30", "kpis": good}, 400, "delivered_on"),
        (sla, {"period": "2026-11", "delivered_on": "2026-11-21", "kpis": good}, 400, "delivered_on"),  # before 11-22
        (sla, {"period": "2026-11", "delivered_on": "2026-12-21", "kpis": good}, 400, "delivered_on"),  # after today
        (
            sla,
            {"period": "2029-11", "delivered_on": "2026-12-01", "kpis": good},
            400,
            "delivered_on",
        ),  # the last, partial month: a period, but not started
        (
            f"/contracts/{cid}/obligations/nope/deliveries",
            {"period": "2026-11", "delivered_on": "2026-12-01"},
            404,
            "key",
        ),
        (
            f"/contracts/{cid}/obligations/SLA/deliveries",
            {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": good},
            404,
            "key",
        ),
    ]
    for path, body, status, field in cases:
        resp = world.call("POST", path, body)
        assert (resp.status_code, resp.json_body["error"]["field"]) == (status, field), (body, resp.json_body)
    bad_as_of = world.call("GET", f"/contracts/{cid}/obligations?as_of=2026-13-01")
    assert bad_as_of.status_code == 400 and bad_as_of.json_body["error"]["field"] == "as_of"
    # Then nothing was written
    assert view(world, cid) == before_view and audit_types(world, cid) == before_audit
    # And a KPI of 2 decimals, given as a JSON number, is taken (96.5 → "96.50")
    body = {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": {**good, "connect_rate_pct": 96.5}}
    assert world.ok("POST", sla, body, status=201)["kpis"]["connect_rate_pct"] == "96.50"


def test_deliveries_and_incidents_need_a_contract_in_force(world: Any) -> None:
    cid = world.draft(obligations=[ob("rpt", due=5)])
    resp = world.call(
        "POST", f"/contracts/{cid}/obligations/rpt/deliveries", {"period": "2026-11", "delivered_on": "2026-11-22"}
    )
    assert resp.status_code == 409
    resp = world.call(
        "POST", f"/contracts/{cid}/incidents", _incident("2026-11-22T09:00:00+08:00", "2026-11-22T10:00:00+08:00")
    )
    assert resp.status_code == 409
    assert world.ok("GET", f"/contracts/{cid}/incidents")["items"] == []


def test_a_retried_incident_or_update_is_recorded_and_sent_once(world: Any) -> None:
    cid = world.active_contract()
    world.travel(date(2026, 12, 2))
    path = f"/contracts/{cid}/incidents"
    body = _incident("2026-12-01T23:50:00+08:00", "2026-12-02T00:20:00+08:00", "critical")
    first = world.ok("POST", path, body, status=201)
    # the same report again (a lost reply, no Idempotency-Key): the same incident, not a second one
    assert world.ok("POST", path, body, status=201) == first
    # the same instants written in UTC are the same report too
    same = {**body, "occurred_at": "2026-12-01T15:50:00Z", "reported_at": "2026-12-01T16:20:00Z"}
    assert world.ok("POST", path, same, status=201) == first
    assert (first["no"], first["report_delay_hours"], first["reported_late"]) == (1, "0.50", False)
    # a different summary is another incident
    other = world.ok("POST", path, {**body, "summary": "另一起故障"}, status=201)
    assert other["no"] == 2
    # an update retried is recorded once; one earlier than the last entry (in another zone) is refused
    up = f"{path}/1/updates"
    plan = {"stage": "plan", "at": "2026-12-02T01:00:00+08:00", "note": "启动应急预案"}
    done = world.ok("POST", up, plan, status=201)
    assert world.ok("POST", up, plan, status=201) == done
    early = world.call("POST", up, {"stage": "progress", "at": "2026-12-01T16:59:00Z", "note": "x"})  # 00:59 +08
    assert early.status_code == 400 and early.json_body["error"]["field"] == "at"
    future = world.call("POST", up, {"stage": "progress", "at": "2026-12-02T12:01:00+08:00", "note": "x"})
    assert future.status_code == 400 and future.json_body["error"]["field"] == "at"
    world.deliver()
    resolved = world.ok("POST", up, {"stage": "resolved", "at": "2026-12-02T03:00:00Z", "note": "已恢复"}, status=201)
    assert resolved["resolved_at"] == "2026-12-02T11:00:00+08:00"  # 03:00 UTC shown in Shanghai
    items = world.ok("GET", path)["items"]
    assert [(i["no"], i["status"], len(i["updates"])) for i in items] == [(1, "resolved", 2), (2, "reported", 0)]
    assert len(mails("client@example.com", "危机事件报告")) == 2
    types = audit_types(world, cid)
    assert types.count("IncidentReported") == 2 and types.count("IncidentUpdated") == 2


def test_bad_corrections_name_the_key_or_period_and_write_nothing(world: Any) -> None:
    cid = world.active_contract(obligations=[ob("sla", due=10, kind="kpi")])
    world.travel(date(2026, 12, 20))
    base = f"/contracts/{cid}/obligations"
    fix = {"reason": "更正", "kpis": kpis("96", "88")}
    before = audit_types(world, cid)
    cases = [
        (f"{base}/nope/deliveries/2026-11/corrections", fix, 404, "key"),
        (f"{base}/sla/deliveries/2026-10/corrections", fix, 404, "period"),  # before the term
        (f"{base}/sla/deliveries/2030-01/corrections", fix, 404, "period"),  # after it
        (f"{base}/sla/deliveries/2026-13/corrections", fix, 400, "period"),  # not a period id
        (f"{base}/sla/deliveries/2026-11/corrections", fix, 409, "period"),  # never delivered
    ]
    for path, body, status, field in cases:
        resp = world.call("POST", path, body)
        assert (resp.status_code, resp.json_body["error"]["field"]) == (status, field), (path, resp.json_body)
    world.ok(
        "POST",
        f"{base}/sla/deliveries",
        {"period": "2026-11", "delivered_on": "2026-12-08", "kpis": kpis("96", "88")},
        status=201,
    )
    path = f"{base}/sla/deliveries/2026-11/corrections"
    for body, status, field in (
        ({"reason": "更正", "kpis": kpis("96", "88")}, 409, "period"),  # changes nothing
        ({"reason": "更正", "kpis": kpis("96", "100.5")}, 400, "kpis.satisfaction_pct"),
        ({"reason": "更正", "delivered_on": "2026-11-21"}, 400, "delivered_on"),  # before the period
        ({"reason": "", "delivered_on": "2026-12-09"}, 400, "reason"),
        ({"reason": "更正", "withdrawn": True, "note": "x"}, 400, "note"),  # a withdrawal changes nothing else
    ):
        resp = world.call("POST", path, body)
        assert (resp.status_code, resp.json_body["error"]["field"]) == (status, field), (body, resp.json_body)
    assert audit_types(world, cid) == [*before, "ObligationDelivered"]
