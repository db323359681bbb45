"""Held-out-style 履约 scenarios on moto: the daily obligations job (once per period, reruns and older dates change
nothing), deliveries through the party's emailed link vs by the operator (retries: same reply, nothing twice), and
set-offs of a vendor penalty with their limits and `as_of` views. Figures by hand from docs/domain-rules.md."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from tests.integration.heldout_duties import at, audit_types, deliver, mails, ob

pytestmark = pytest.mark.integration

SUBMIT = re.compile(r"https?://[^\s\"<>]+/submit/([A-Za-z0-9_\-]+)")
OPERATOR = "operator@hetong.test"
# 0.01 % of A = 360000.00 a day = 36.00 a day, no cap
DAILY = {"mode": "daily_pct", "rate_pct": "0.01"}


def _token(address: str, subject: str) -> str:
    found = [SUBMIT.findall(m["body"]) for m in mails(address, subject)]
    assert len(found) == 1 and found[0], (address, subject)
    return str(found[0][-1])


def test_the_daily_job_notifies_an_overdue_period_once_whatever_the_reruns(world: Any) -> None:
    # Given one vendor report, November (2026-11-22..30) due 2026-12-05: reminded on 11-30, overdue on 12-06
    cid = world.active_contract(obligations=[ob("rpt", due=5)], vendor_late_penalty=DAILY)
    assert world.run("obligations", date(2026, 11, 29))["reminders"] == 0
    assert world.run("obligations", date(2026, 11, 30))["reminders"] == 1
    assert world.run("obligations", date(2026, 11, 30))["reminders"] == 0  # rerun for the same day
    assert len(mails("vendor@example.com", "履约报送提醒")) == 1
    # When the job does not run on 12-06 and first sees the period on 12-08 (3 days late: 3 × 36.00 = 108.00)
    first = world.run("obligations", date(2026, 12, 8))
    assert (first["reminders"], first["overdue"]) == (0, 1)
    for rerun in (date(2026, 12, 8), date(2026, 12, 6), date(2026, 12, 9)):  # the same day, an older one, the next
        again = world.run("obligations", rerun)
        assert (again["reminders"], again["overdue"]) == (0, 0), rerun
    # Then the 逾期履行通知书 went once each to the client (the other party), the vendor (late) and the operator,
    # with the penalty as of the day the job saw it
    for who in ("client@example.com", "vendor@example.com", OPERATOR):
        sent = mails(who, "逾期履行通知书")
        assert len(sent) == 1 and "108.00" in sent[0]["body"], who
    assert audit_types(world, cid).count("ObligationOverdue") == 1
    notice = world.call("GET", f"/contracts/{cid}/document?part=overdue-notice:rpt:2026-11").body.decode()
    assert "已逾期3日" in notice
    # And a late delivery afterwards sends no further notice (it asks for a performance that has happened)
    deliver(world, cid, "rpt", "2026-11", date(2026, 12, 10))
    world.run("obligations", date(2026, 12, 10))
    assert len(mails("client@example.com", "逾期履行通知书")) == 1
    assert at(world, cid, "rpt", "2026-11", date(2026, 12, 10))["penalty"]["amount"] == "180.00"  # 5 × 36.00


def test_a_delivery_through_the_link_and_its_retries_by_link_and_by_the_operator(world: Any) -> None:
    # Given the vendor's KPI sheet for 2026-11 (due 2026-12-10, reminded 12-05) and the client's data (due 12-03,
    # reminded 11-28), with standards of 90 / 80
    cid = world.active_contract(
        obligations=[ob("sla", due=10, kind="kpi"), ob("data", party="client", due=3, kind="data")],
        service_standards={"connect_rate_min_pct": "90", "satisfaction_min_pct": "80"},
    )
    world.run("obligations", date(2026, 11, 28))
    world.run("obligations", date(2026, 12, 5))
    vendor_token = _token("vendor@example.com", "履约报送提醒")
    client_token = _token("client@example.com", "履约报送提醒")
    # When the vendor submits 89.99 % through its link on 12-05 (0.01 below 90: a breach), and the same again
    body = {
        "period": "2026-11",
        "delivered_on": "2026-12-05",
        "kpis": {"connect_rate_pct": "89.99", "satisfaction_pct": "80", "call_quality_ok": True},
    }
    first = world.ok("POST", f"/submit/{vendor_token}", body, role=None, status=201)
    again = world.ok("POST", f"/submit/{vendor_token}", body, role=None, status=201)
    # Then both get the same reply: delivered on time, by the link, below the connect-rate standard
    assert first == again
    assert (first["status"], first["recorded_by"], first["breaches"]) == ("delivered", "link:vendor", ["connect_rate"])
    # And the operator entering the same sheet again is the same delivery, not a second one
    path = f"/contracts/{cid}/obligations/sla/deliveries"
    assert world.ok("POST", path, body, status=201) == first
    # but a different one for the delivered period is a 409 naming the period, through either door
    other = {**body, "delivered_on": "2026-12-04"}
    for resp in (world.call("POST", path, other), world.call("POST", f"/submit/{vendor_token}", other, role=None)):
        assert resp.status_code == 409 and resp.json_body["error"]["field"] == "period"
    world.deliver()
    types = audit_types(world, cid)
    assert types.count("ObligationDelivered") == 1 and types.count("ServiceStandardBreached") == 1
    assert len(mails("client@example.com", "整改通知书")) == 1
    # When the client submits its data late through its own link (12-05, due 12-03): late 2 days, no penalty
    data = world.ok(
        "POST", f"/submit/{client_token}", {"period": "2026-11", "delivered_on": "2026-12-05"}, role=None, status=201
    )
    assert (data["status"], data["days_late"], data["recorded_by"]) == ("late", 2, "link:client")
    assert data["penalty"]["amount"] == "0.00"
    # And the vendor's link cannot deliver the client's period (another obligation: its own period only)
    wrong = world.call(
        "POST",
        f"/submit/{vendor_token}",
        {"period": "2026-12", "delivered_on": "2026-12-05", "kpis": body["kpis"]},
        role=None,
    )
    assert wrong.status_code == 400 and wrong.json_body["error"]["field"] == "period"
    # and the operator's delivery of another period shows who recorded it
    op = deliver(world, cid, "sla", "2026-12", date(2027, 1, 8), body["kpis"])
    assert op["recorded_by"].startswith("staff:operator:") and op["recorded_by"].endswith(":test operator")


def test_set_offs_of_a_vendor_penalty_are_bounded_by_it_on_their_date(world: Any) -> None:
    # Given a vendor report for November due 2026-12-05, not delivered: 36.00 a day from 12-06;
    # year 1 invoiced on 2026-11-22 (120000.00, due 2026-12-22)
    cid = world.active_contract(obligations=[ob("rpt", due=5)], vendor_late_penalty=DAILY)
    world.run("invoicing", date(2026, 11, 22))
    claim = "obligation:rpt:2026-11"
    path = f"/contracts/{cid}/set-offs"

    def set_off(amount: str, on: date, **extra: Any) -> Any:
        return world.call(
            "POST",
            path,
            {"year": 1, "amount": amount, "reason": "逾期违约金抵扣", "on": on.isoformat(), "claim": claim, **extra},
            role="finance",
        )

    world.travel(date(2026, 12, 15))
    # On the due date nothing is owed yet: 400 naming the claim
    resp = set_off("1.00", date(2026, 12, 5))
    assert resp.status_code == 400 and resp.json_body["error"]["field"] == "claim"
    # As of 12-15: 10 days × 36.00 = 360.00; a cent more is a 409 naming the amount, nothing written
    resp = set_off("360.01", date(2026, 12, 15))
    assert resp.status_code == 409 and resp.json_body["error"]["field"] == "amount"
    # malformed claims name the claim
    for bad in ("obligation:rpt", "obligation:rpt:2026-11:x", "obligation:RPT:2026-11", "obligation:rpt:2026-10"):
        resp = set_off("1.00", date(2026, 12, 15), claim=bad)
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == "claim", bad
    ok = set_off("360.00", date(2026, 12, 15))
    assert ok.status_code == 201, ok.json_body
    # Nothing is left to deduct on 12-15: another cent is a 409 naming the amount
    resp = set_off("0.01", date(2026, 12, 15))
    assert resp.status_code == 409 and resp.json_body["error"]["field"] == "amount"
    # Then as of each day:
    p14 = at(world, cid, "rpt", "2026-11", date(2026, 12, 14))["penalty"]  # 9 days: 324.00, set-off not yet dated
    assert (p14["amount"], p14["set_off"], p14["outstanding"], p14["settled"]) == ("324.00", "0.00", "324.00", False)
    p15 = at(world, cid, "rpt", "2026-11", date(2026, 12, 15))["penalty"]
    assert (p15["amount"], p15["set_off"], p15["outstanding"], p15["settled"]) == ("360.00", "360.00", "0.00", True)
    world.travel(date(2026, 12, 20))
    p20 = at(world, cid, "rpt", "2026-11", date(2026, 12, 20))["penalty"]  # 15 days: 540.00, 180.00 left
    assert (p20["amount"], p20["set_off"], p20["outstanding"], p20["settled"]) == ("540.00", "360.00", "180.00", False)
    # When finance deducts the rest on 12-20: 180.01 is too much, 180.00 settles it (retried with a key: once)
    resp = set_off("180.01", date(2026, 12, 20))
    assert resp.status_code == 409 and resp.json_body["error"]["field"] == "amount"
    headers = {"Idempotency-Key": "set-off-rest-2026-12-20"}
    body = {"year": 1, "amount": "180.00", "reason": "逾期违约金抵扣", "on": "2026-12-20", "claim": claim}
    first = world.ok("POST", path, body, role="finance", status=201, headers=headers)
    assert world.ok("POST", path, body, role="finance", status=201, headers=headers) == first
    p20 = at(world, cid, "rpt", "2026-11", date(2026, 12, 20))["penalty"]
    assert (p20["set_off"], p20["outstanding"], p20["settled"]) == ("540.00", "0.00", True)
    # And the delivery on 12-20 fixes the penalty at 15 × 36.00 = 540.00: settled from then on
    deliver(world, cid, "rpt", "2026-11", date(2026, 12, 20))
    later = at(world, cid, "rpt", "2026-11", date(2027, 3, 1))["penalty"]
    assert (later["amount"], later["set_off"], later["outstanding"], later["settled"]) == (
        "540.00",
        "540.00",
        "0.00",
        True,
    )
    # And the ledger: the 540.00 deducted settles year 1's fee first: 120000.00 − 540.00 = 119460.00 still owed
    ledger = world.ok("GET", f"/contracts/{cid}/ledger?as_of=2026-12-20", role="finance")
    assert ledger["balances"]["fees_outstanding"] == "119460.00"
    before = world.ok("GET", f"/contracts/{cid}/ledger?as_of=2026-12-14", role="finance")
    assert before["balances"]["fees_outstanding"] == "120000.00"


def test_the_late_partys_link_shows_the_period_as_of_today_until_due_plus_60(world: Any) -> None:
    from datetime import UTC, datetime

    # Given the vendor's November report due 2026-12-05 (36.00 a day), first seen overdue by the job on 12-06
    cid = world.active_contract(obligations=[ob("rpt", due=5)], vendor_late_penalty=DAILY)
    world.run("obligations", date(2026, 12, 6))
    token = _token("vendor@example.com", "逾期履行通知书")
    # When the vendor opens its link on 12-09: missed 4 days, 4 × 36.00 = 144.00
    world.travel(date(2026, 12, 9))
    page = world.ok("GET", f"/submit/{token}", role=None, headers={"Accept": "application/json"})
    assert (page["period"], page["status"], page["days_late"], page["penalty"]["amount"]) == (
        "2026-11",
        "missed",
        4,
        "144.00",
    )
    assert page["valid_through"] == "2027-02-03"  # 2026-12-05 + 60 days
    # Then it works through the last second of 2027-02-03 in Shanghai (15:59:59 UTC) and is gone at midnight
    world.clock.set(datetime(2027, 2, 3, 15, 59, 59, tzinfo=UTC))
    late = world.ok("GET", f"/submit/{token}", role=None, headers={"Accept": "application/json"})
    assert (late["status"], late["days_late"]) == ("missed", 60)
    world.clock.set(datetime(2027, 2, 3, 16, 0, 0, tzinfo=UTC))
    gone = world.call("GET", f"/submit/{token}", role=None, headers={"Accept": "application/json"})
    assert gone.status_code == 410
    posted = world.call("POST", f"/submit/{token}", {"period": "2026-11", "delivered_on": "2027-02-04"}, role=None)
    assert posted.status_code == 410
    assert at(world, cid, "rpt", "2026-11", date(2027, 2, 4))["status"] == "missed"


def test_a_period_delivered_early_gets_no_reminder_and_no_overdue_notice(world: Any) -> None:
    # Given two vendor reports due 5 days after the month (2026-11: reminder 11-30, due 12-05)
    cid = world.active_contract(obligations=[ob("a", due=5), ob("b", due=5)])
    # When report a is delivered on 11-29, before its reminder day, and b on its due date 12-05
    deliver(world, cid, "a", "2026-11", date(2026, 11, 29))
    days = [date(2026, 11, 29), date(2026, 11, 30), date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 7)]
    counts = []
    for day in days:
        if day == date(2026, 12, 5):
            deliver(world, cid, "b", "2026-11", day)
        result = world.run("obligations", day)
        counts.append((result["reminders"], result["overdue"]))
    # Then only b is reminded (11-30) and nothing is ever overdue
    assert counts == [(0, 0), (1, 0), (0, 0), (0, 0), (0, 0)]
    reminders = mails("vendor@example.com", "履约报送提醒")
    assert len(reminders) == 1 and "b 报送" in reminders[0]["body"]
    assert mails("client@example.com", "逾期履行通知书") == []


def test_a_client_late_with_its_data_is_notified_with_its_link_and_no_penalty(world: Any) -> None:
    # Given the client's monthly data due 3 days after the month: 2026-11 due 2026-12-03, overdue on 12-04
    cid = world.active_contract(obligations=[ob("data", party="client", due=3, kind="data")], vendor_late_penalty=DAILY)
    assert world.run("obligations", date(2026, 12, 4))["overdue"] == 1
    # Then the vendor (the other party), the client (late, with its link) and the operator each get it once
    for who in ("vendor@example.com", "client@example.com", OPERATOR):
        assert len(mails(who, "逾期履行通知书")) == 1, who
    assert SUBMIT.findall(mails("client@example.com", "逾期履行通知书")[0]["body"])
    assert not SUBMIT.findall(mails("vendor@example.com", "逾期履行通知书")[0]["body"])
    # and the client owes no late penalty for it (the vendor's remedy is its ground)
    assert (
        "违约金" not in world.call("GET", f"/contracts/{cid}/document?part=overdue-notice:data:2026-11").body.decode()
    )
    p = at(world, cid, "data", "2026-11", date(2026, 12, 4))
    assert (p["status"], p["days_late"], p["penalty"]["amount"]) == ("missed", 1, "0.00")


def test_a_correction_lowering_a_penalty_already_set_off_shows_the_excess(world: Any) -> None:
    # Given the vendor's November report (due 2026-12-05, 36.00 a day) delivered 12-20: 15 × 36.00 = 540.00,
    # set off in full against year 1's fee on 12-21
    cid = world.active_contract(obligations=[ob("rpt", due=5)], vendor_late_penalty=DAILY)
    world.run("invoicing", date(2026, 11, 22))
    deliver(world, cid, "rpt", "2026-11", date(2026, 12, 20))
    world.travel(date(2026, 12, 21))
    claim = {"year": 1, "amount": "540.00", "reason": "逾期违约金抵扣", "claim": "obligation:rpt:2026-11"}
    world.ok("POST", f"/contracts/{cid}/set-offs", claim, role="finance", status=201)
    # When on 12-22 the delivery is corrected to 12-10 (it had arrived then): 5 × 36.00 = 180.00
    world.travel(date(2026, 12, 22))
    path = f"/contracts/{cid}/obligations/rpt/deliveries/2026-11/corrections"
    world.ok("POST", path, {"reason": "实际报送日为12月10日", "delivered_on": "2026-12-10"}, status=201)
    # Then the penalty shows 180.00 set off and 360.00 over-set-off (deducted beyond what the vendor owes: the client still owes it); before the
    # correction's day it still reads as it stood
    p = at(world, cid, "rpt", "2026-11", date(2026, 12, 22))
    assert (p["days_late"], p["penalty"]["amount"], p["penalty"]["set_off"]) == (5, "180.00", "180.00")
    assert (p["penalty"]["outstanding"], p["penalty"]["over_set_off"], p["penalty"]["settled"]) == (
        "0.00",
        "360.00",
        True,
    )
    before = at(world, cid, "rpt", "2026-11", date(2026, 12, 21))["penalty"]
    assert (before["amount"], before["set_off"], before["over_set_off"]) == ("540.00", "540.00", "0.00")
    # and nothing more can be set off against it
    more = world.call("POST", f"/contracts/{cid}/set-offs", {**claim, "amount": "0.01"}, role="finance")
    assert more.status_code == 409 and more.json_body["error"]["field"] == "amount"


def test_the_submit_form_refuses_bad_values_and_reads_an_unticked_box_as_not_clear(world: Any) -> None:
    # Given the vendor's KPI sheet for 2026-11 (standards 95 / 85), reminded on 12-05 with its link
    cid = world.active_contract(obligations=[ob("sla", due=10, kind="kpi")])
    world.run("obligations", date(2026, 12, 5))
    token = _token("vendor@example.com", "履约报送提醒")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    head = "period=2026-11&delivered_on=2026-12-05"
    bad = [
        (f"{head}&connect_rate_pct=abc&satisfaction_pct=90&call_quality_ok=true", "kpis.connect_rate_pct"),
        (f"{head}&connect_rate_pct=96.001&satisfaction_pct=90&call_quality_ok=true", "kpis.connect_rate_pct"),
        (f"{head}&connect_rate_pct=96&satisfaction_pct=90&call_quality_ok=maybe", "kpis.call_quality_ok"),
    ]
    for body, field in bad:
        resp = world.api.http.post(f"/submit/{token}", headers=form, body=body)
        assert resp.status_code == 400 and field in resp.body.decode(), body
    assert at(world, cid, "sla", "2026-11", date(2026, 12, 5))["status"] == "due"  # nothing recorded
    # When the box is left unticked: the calls were not clear, a breach of 3.2(2) whatever the rates
    done = world.api.http.post(f"/submit/{token}", headers=form, body=f"{head}&connect_rate_pct=96&satisfaction_pct=90")
    assert done.status_code == 201
    p = at(world, cid, "sla", "2026-11", date(2026, 12, 5))
    assert (p["status"], p["kpis"]["call_quality_ok"], p["breaches"]) == ("delivered", False, ["call_quality"])
