"""履约 on moto: an outbound-call contract through six months of reports, KPI sheets, a client data duty and an
incident, with the daily obligations job run every day (and again), the notifier delivering what it sends."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from tests.support import emails_to, sent_emails

pytestmark = pytest.mark.integration

SUBMIT = re.compile(r"https?://[^\s\"<>]+/submit/[A-Za-z0-9_\-]+")
GOOD = {"connect_rate_pct": "96.5", "satisfaction_pct": "88", "call_quality_ok": True}
LOW = {"connect_rate_pct": "93", "satisfaction_pct": "88", "call_quality_ok": True}
# 0.01 % of the contract amount (360000.00) per day late: 36.00 a day, at most 1 % (3600.00).
VENDOR_PENALTY = {"mode": "daily_pct", "rate_pct": "0.01", "cap_pct": "1"}


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _run_job(world: Any, day: date) -> dict[str, Any]:
    first = world.run("obligations", day)
    again = world.run("obligations", day)  # a rerun changes nothing
    assert (again["reminders"], again["overdue"]) == (0, 0), (day, again)
    return dict(first)


def _deliver(world: Any, cid: str, key: str, period: str, on: date, kpis: Any = None, status: int = 201) -> Any:
    world.travel(on)
    body: dict[str, Any] = {"period": period, "delivered_on": on.isoformat()}
    if kpis is not None:
        body["kpis"] = kpis
    return world.ok("POST", f"/contracts/{cid}/obligations/{key}/deliveries", body, status=status)


def _subjects(address: str, title: str) -> list[dict[str, Any]]:
    return [m for m in emails_to(address) if title in m["subject"]]


def _period_of(obligations: dict[str, Any], key: str, period: str) -> dict[str, Any]:
    ob = next(o for o in obligations["obligations"] if o["key"] == key)
    return dict(next(p for p in ob["periods"] if p["period"] == period))


def test_six_months_of_obligations(world: Any) -> None:
    # Given an outbound-call contract in force from 2026-11-22 with the template's obligations
    cid = world.active_contract(vendor_late_penalty=VENDOR_PENALTY)
    contract = world.contract(cid)
    keys = [o["key"] for o in contract["terms"]["obligations"]]
    assert keys == ["call_results", "quality_kpis", "satisfaction_survey", "target_list"]
    assert contract["terms"]["incident_report_hours"] == 2 and contract["termination_grounds"] == []
    world.run("invoicing", date(2026, 11, 22))

    # When the months go by: the client sends its target list on time except for December, the vendor its call
    # results on the 3rd (December's three days late), its KPI sheets on the 8th (Dec–Feb below standard)
    late = {("call_results", "2026-12"): date(2027, 1, 8)}
    kpis = {"2026-11": GOOD, "2026-12": LOW, "2027-01": LOW, "2027-02": LOW, "2027-03": GOOD, "2027-04": GOOD}
    months = ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]
    schedule: dict[date, list[tuple[str, str, Any]]] = {}
    for i, month in enumerate(months):
        y, m = (2026, 12) if i == 0 else (2027, i)
        schedule.setdefault(date(y, m, 3), []).append(("call_results", month, None))
        schedule.setdefault(date(y, m, 8), []).append(("quality_kpis", month, kpis[month]))
        if month != "2026-12":
            end = date(int(month[:4]), int(month[5:]), 28)
            schedule.setdefault(end, []).append(("target_list", month, None))
    schedule[date(2027, 1, 3)] = [s for s in schedule[date(2027, 1, 3)] if s[0] != "call_results"]
    schedule.setdefault(late[("call_results", "2026-12")], []).append(("call_results", "2026-12", None))
    schedule.setdefault(date(2027, 1, 10), []).append(("satisfaction_survey", "2026-Q4", None))
    schedule.setdefault(date(2027, 4, 10), []).append(("satisfaction_survey", "2027-Q1", None))
    for day in _days(date(2026, 11, 22), date(2027, 5, 20)):
        for key, period, k in schedule.get(day, []):
            _deliver(world, cid, key, period, day, k)
        _run_job(world, day)

    view = world.ok("GET", f"/contracts/{cid}/obligations?as_of=2027-05-20")
    # Then reports on time are delivered, the late one is late by 3 days with 3 × 36.00 = 108.00 by the clause
    assert _period_of(view, "call_results", "2026-11")["status"] == "delivered"
    dec = _period_of(view, "call_results", "2026-12")
    assert (dec["status"], dec["due_on"], dec["delivered_on"], dec["days_late"]) == (
        "late",
        "2027-01-05",
        "2027-01-08",
        3,
    )
    assert dec["penalty"]["amount"] == "108.00"
    # and the client's missed December list is missed, with no penalty (the penalty clause is the vendor's)
    missed = _period_of(view, "target_list", "2026-12")
    assert missed["status"] == "missed" and missed["penalty"]["amount"] == "0.00"
    assert _period_of(view, "target_list", "2026-11")["start"] == "2026-11-22"  # the first period is partial

    # And three KPI sheets below standard gave three rectification notices, then the termination ground
    notices = _subjects("vendor@example.com", "整改通知书")
    assert len(notices) == 3 and len(_subjects("client@example.com", "整改通知书")) == 3
    assert len(_subjects("operator@hetong.test", "整改通知书")) == 3
    grounds = {g["code"]: g for g in world.contract(cid)["termination_grounds"]}
    quality = grounds["quality_below_standard"]
    assert quality["party"] == "client"
    assert [e["period"] for e in quality["evidence"]] == ["2026-12", "2027-01", "2027-02"]
    assert quality["evidence"][0]["breaches"] == ["connect_rate"]
    data = grounds["client_data_not_provided"]
    assert data["party"] == "vendor" and [e["period"] for e in data["evidence"]] == ["2026-12"]
    doc = world.call("GET", f"/contracts/{cid}/document?part=rectification:quality_kpis:2027-02")
    assert doc.status_code == 200 and "整改通知书" in doc.body.decode() and "已连续3期未达标" in doc.body.decode()

    # And each overdue period was notified once: the client's December list, the vendor's December results
    overdue = _subjects("operator@hetong.test", "逾期履行通知书")
    bodies = sorted(re.search(r"「(.+?)」（(\S+?)期", m["body"]).groups() for m in overdue)  # type: ignore[union-attr]
    assert bodies == [("外呼结果反馈 / Call results", "2026-12"), ("目标客户名单 / Target customer list", "2026-12")]
    to_client = _subjects("client@example.com", "逾期履行通知书")
    assert len(to_client) == 2 and any("36.00" in m["body"] for m in to_client)  # 1 day late when the job saw it
    letter = world.call("GET", f"/contracts/{cid}/document?part=overdue-notice:target_list:2026-12")
    assert letter.status_code == 200 and "逾期履行通知书" in letter.body.decode()
    pdf = world.call(
        "GET",
        f"/contracts/{cid}/document?part=overdue-notice:call_results:2026-12&format=pdf",
        headers={"Accept": "application/pdf"},
    )
    assert pdf.status_code == 200, pdf.body[:300]
    assert pdf.body.startswith(b"%PDF") and pdf.headers["Content-Type"] == "application/pdf"
    bad = world.call("GET", f"/contracts/{cid}/document?part=overdue-notice:Call-Results:2026-12")
    assert bad.status_code == 400 and bad.json_body["error"]["field"] == "part"

    # And one reminder per period of each party, never two
    reminders = [m for m in sent_emails() if "履约报送提醒" in m["subject"]]
    seen = [(m["to"][0], re.search(r"「(.+?)」（(\S+?)期", m["body"]).groups()) for m in reminders]  # type: ignore[union-attr]
    assert len(seen) == len(set(seen))
    assert ("client@example.com", ("目标客户名单 / Target customer list", "2027-01")) in seen
    assert ("vendor@example.com", ("服务质量指标 / Quality indicators", "2027-03")) in seen

    # When finance sets the late penalty off against the fee, the obligation shows it settled
    world.travel(date(2027, 5, 20))
    set_off = {"year": 1, "amount": "108.01", "reason": "逾期违约金抵扣", "claim": "obligation:call_results:2026-12"}
    over = world.call("POST", f"/contracts/{cid}/set-offs", set_off, role="finance")
    assert over.status_code == 409 and over.json_body["error"]["field"] == "amount"
    for claim in ("obligation:nope:2026-12", "obligation:call_results:2026-11"):  # unknown; delivered on time
        bad = world.call("POST", f"/contracts/{cid}/set-offs", {**set_off, "claim": claim}, role="finance")
        assert bad.status_code == 400 and bad.json_body["error"]["field"] == "claim", bad.json_body
    world.ok(
        "POST",
        f"/contracts/{cid}/set-offs",
        {"year": 1, "amount": "108.00", "reason": "逾期违约金抵扣", "claim": "obligation:call_results:2026-12"},
        role="finance",
        status=201,
    )
    penalty = _period_of(world.ok("GET", f"/contracts/{cid}/obligations"), "call_results", "2026-12")["penalty"]
    assert penalty == {
        "amount": "108.00",
        "set_off": "108.00",
        "outstanding": "0.00",
        "settled": True,
        "over_set_off": "0.00",
        "claim": "obligation:call_results:2026-12",
    }
    # And every delivery and notice is in the verified audit chain
    audit = world.ok("GET", f"/contracts/{cid}/audit")
    types = [e["type"] for e in audit["entries"]]
    assert audit["verified"] is True
    assert types.count("ServiceStandardBreached") == 3 and types.count("ObligationOverdue") == 2


def test_submit_link_from_the_reminder(world: Any) -> None:
    # Given the reminder of the vendor's November KPI sheet (due 2026-12-10, reminded on the 5th)
    cid = world.active_contract()
    _run_job(world, date(2026, 12, 5))
    mail = [
        m for m in emails_to("vendor@example.com") if "履约报送提醒" in m["subject"] and "服务质量指标" in m["body"]
    ]
    assert len(mail) == 1
    token = SUBMIT.findall(mail[0]["body"])[-1].rsplit("/", 1)[1]
    page = world.call("GET", f"/submit/{token}", role=None, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "script-src" not in page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"] and "<script" not in page.body.decode()
    view = world.ok("GET", f"/submit/{token}", role=None, headers={"Accept": "application/json"})
    assert (view["period"], view["due_on"], view["status"], view["party"]) == ("2026-11", "2026-12-10", "due", "vendor")
    # When the vendor submits another period through it, or a rate over 100, nothing is recorded
    bad = world.call("POST", f"/submit/{token}", {"period": "2026-12", "delivered_on": "2026-12-05"}, role=None)
    assert bad.status_code == 400 and bad.json_body["error"]["field"] == "period"
    over = {"period": "2026-11", "delivered_on": "2026-12-05", "kpis": {**GOOD, "satisfaction_pct": "101"}}
    bad = world.call("POST", f"/submit/{token}", over, role=None)
    assert bad.status_code == 400 and bad.json_body["error"]["field"] == "kpis.satisfaction_pct"
    # When it submits the page's form
    form = "period=2026-11&delivered_on=2026-12-05&connect_rate_pct=97&satisfaction_pct=90&call_quality_ok=true"
    done = world.api.http.post(
        f"/submit/{token}", headers={"Content-Type": "application/x-www-form-urlencoded"}, body=form
    )
    assert done.status_code == 201 and "已报送" in done.body.decode()
    # Then the period is delivered on time, by the link
    period = _period_of(world.ok("GET", f"/contracts/{cid}/obligations"), "quality_kpis", "2026-11")
    assert (period["status"], period["delivered_on"], period["recorded_by"]) == (
        "delivered",
        "2026-12-05",
        "link:vendor",
    )
    assert period["kpis"] == {"connect_rate_pct": "97.00", "satisfaction_pct": "90.00", "call_quality_ok": True}
    # And an unknown token is a 404 page
    assert world.call("GET", "/submit/" + "x" * 43, role=None).status_code == 404


def test_incident_reported_late_and_its_progress(world: Any) -> None:
    cid = world.active_contract()
    world.travel(date(2026, 12, 2))
    body = {
        "occurred_at": "2026-12-01T09:00:00+08:00",
        "reported_at": "2026-12-01T13:30:00+08:00",
        "severity": "high",
        "summary": "外呼系统中断，约3000通电话未能接通",
    }
    first = world.ok("POST", f"/contracts/{cid}/incidents", body, status=201)
    assert (first["no"], first["report_delay_hours"], first["reported_late"]) == (1, "4.50", True)
    world.deliver()
    for who in ("client@example.com", "operator@hetong.test"):
        assert len(_subjects(who, "危机事件报告")) == 1
    assert _subjects("vendor@example.com", "危机事件报告") == []
    path = f"/contracts/{cid}/incidents/1/updates"
    world.ok("POST", path, {"stage": "plan", "at": "2026-12-01T15:00:00+08:00", "note": "启动应急预案"}, status=201)
    back = world.call("POST", path, {"stage": "plan", "at": "2026-12-01T16:00:00+08:00", "note": "again"})
    assert back.status_code == 409 and back.json_body["error"]["field"] == "stage"
    done = world.ok("POST", path, {"stage": "resolved", "at": "2026-12-01T20:00:00Z", "note": "已恢复"}, status=201)
    assert done["status"] == "resolved" and done["plan_at"] == "2026-12-01T15:00:00+08:00"
    after = world.call("POST", path, {"stage": "progress", "at": "2026-12-02T08:00:00+08:00", "note": "x"})
    assert after.status_code == 409
    listed = world.ok("GET", f"/contracts/{cid}/incidents")["items"]
    assert [(i["no"], i["status"], i["reported_late"]) for i in listed] == [(1, "resolved", True)]
    # Bad input names its field and records nothing
    for change, field in (
        ({"reported_at": "2026-12-01T08:00:00+08:00"}, "reported_at"),
        ({"occurred_at": "2026-12-01T09:00:00"}, "occurred_at"),
        ({"reported_at": "2030-01-01T00:00:00Z"}, "reported_at"),
        ({"summary": "bad\u0007bell"}, "summary"),
        ({"severity": "apocalyptic"}, "severity"),
    ):
        resp = world.call("POST", f"/contracts/{cid}/incidents", {**body, **change})
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == field, (change, resp.json_body)
    assert len(world.ok("GET", f"/contracts/{cid}/incidents")["items"]) == 1


def test_bad_deliveries_name_the_field_and_write_nothing(world: Any) -> None:
    cid = world.active_contract()
    world.travel(date(2026, 12, 20))
    path = f"/contracts/{cid}/obligations/quality_kpis/deliveries"
    cases = [
        ({"period": "2026-10", "delivered_on": "2026-12-01", "kpis": GOOD}, 400, "period"),  # before the term
        ({"period": "2030-01", "delivered_on": "2026-12-01", "kpis": GOOD}, 400, "period"),  # after the term
        ({"period": "2026-Q4", "delivered_on": "2026-12-01", "kpis": GOOD}, 400, "period"),  # not a monthly period
        ({"period": "2026-12", "delivered_on": "2026-11-30", "kpis": GOOD}, 400, "delivered_on"),  # before it starts
        ({"period": "2026-12", "delivered_on": "2026-12-21", "kpis": GOOD}, 400, "delivered_on"),  # after today
        (
            {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": {**GOOD, "connect_rate_pct": "100.5"}},
            400,
            "kpis.connect_rate_pct",
        ),
        (
            {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": {**GOOD, "satisfaction_pct": -1}},
            400,
            "kpis.satisfaction_pct",
        ),
        ({"period": "2026-11", "delivered_on": "2026-12-01"}, 400, "kpis"),
        ({"period": "2026-11", "delivered_on": "2026-12-01", "kpis": GOOD, "extra": 1}, 400, "extra"),
    ]
    for body, status, field in cases:
        resp = world.call("POST", path, body)
        assert resp.status_code == status and resp.json_body["error"]["field"] == field, (body, resp.json_body)
    report = world.call(
        "POST",
        f"/contracts/{cid}/obligations/call_results/deliveries",
        {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": GOOD},
    )
    assert report.status_code == 400 and report.json_body["error"]["field"] == "kpis"
    unknown = world.call(
        "POST", f"/contracts/{cid}/obligations/nope/deliveries", {"period": "2026-11", "delivered_on": "2026-12-01"}
    )
    assert unknown.status_code == 404 and unknown.json_body["error"]["field"] == "key"
    assert _period_of(world.ok("GET", f"/contracts/{cid}/obligations"), "quality_kpis", "2026-11")["status"] == "missed"
    # A retry with the same body gets the same reply; another delivery of the period is a 409
    body = {"period": "2026-11", "delivered_on": "2026-12-01", "kpis": GOOD}
    first = world.ok("POST", path, body, status=201)
    assert world.ok("POST", path, body, status=201) == first
    keyed = {"Idempotency-Key": "kpi-2026-11"}
    assert world.ok("POST", path, body, status=201, headers=keyed) == first
    other = world.call("POST", path, {**body, "delivered_on": "2026-12-02"})
    assert other.status_code == 409 and other.json_body["error"]["field"] == "period"
    audit = [e["type"] for e in world.ok("GET", f"/contracts/{cid}/audit")["entries"]]
    assert audit.count("ObligationDelivered") == 1


def test_terms_obligations_are_validated_when_drafting(world: Any) -> None:
    ob = {
        "key": "weekly",
        "party": "vendor",
        "title": "周报",
        "clause": "2.3",
        "period": "month",
        "due_days_after": 5,
        "kind": "report",
    }
    for change, field in (
        ({"obligations": [ob, ob]}, "terms.obligations[1].key"),
        ({"obligations": [{**ob, "period": "week"}]}, "terms.obligations[0].period"),
        ({"obligations": [{**ob, "due_days_after": 367}]}, "terms.obligations[0].due_days_after"),
        ({"obligations": [{**ob, "party": "client", "kind": "kpi"}]}, "terms.obligations[0].kind"),
        ({"vendor_late_penalty": {"mode": "daily_pct", "rate_pct": "2"}}, "terms.vendor_late_penalty.rate_pct"),
        ({"incident_report_hours": 0}, "terms.incident_report_hours"),
    ):
        from tests.factories import contract_body

        resp = world.call("POST", "/contracts", contract_body(**change))
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == field, (change, resp.json_body)
    cid = world.draft(obligations=[ob], incident_report_hours=4)
    terms = world.contract(cid)["terms"]
    assert terms["obligations"] == [ob] and terms["incident_report_hours"] == 4
    html = world.call("GET", f"/contracts/{cid}/document").body.decode()
    assert "周报" in html
