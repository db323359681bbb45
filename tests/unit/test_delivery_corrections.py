"""Corrections of recorded deliveries (履约) on the fakes: the rules a correction is held to, what a view as of a day
knows, how status, penalty, breaches and grounds follow the corrected facts, a withdrawn period going back to the
daily job once, and two corrections racing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.api import obligation_requests as oq
from chalicelib.api.obligation_correction_requests import CorrectDeliveryRequest
from chalicelib.domain.delivery_history import (
    CORRECTED,
    WITHDRAWN,
    DeliveryHistory,
    DeliveryRevision,
    corrected,
    deliveries_known_on,
)
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.kpis import Kpis
from chalicelib.domain.obligations import Delivery, find_scheduled
from chalicelib.services import delivery_corrections, obligation_job, obligations
from chalicelib.services.correction_notifications import recipients
from chalicelib.services.notifications import MessageBuilder
from tests.factories import command
from tests.unit.conftest import Office, shanghai

LOW = {"connect_rate_pct": "90", "satisfaction_pct": "90", "call_quality_ok": True}
OK = {"connect_rate_pct": "99", "satisfaction_pct": "90", "call_quality_ok": True}
OPERATOR = "staff:operator:k1:王经理"


def _deliver(office: Office, cid: str, key: str, period: str, on: date, kpis: Any = None) -> dict[str, Any]:
    office.at(shanghai(on, 10))
    body: dict[str, Any] = {"period": period, "delivered_on": on.isoformat()}
    if kpis:
        body["kpis"] = kpis
    return obligations.record_delivery(office.deps, cid, key, command(oq.RecordDeliveryRequest, body), OPERATOR)


def _correct(office: Office, cid: str, key: str, period: str, on: date, **body: Any) -> dict[str, Any]:
    office.at(shanghai(on, 15))
    cmd = command(CorrectDeliveryRequest, {"reason": "录入有误", **body})
    return delivery_corrections.correct_delivery(office.deps, cid, key, period, cmd, OPERATOR)


def _view(office: Office, cid: str, as_of: date) -> dict[str, Any]:
    return obligations.obligations_response(office.deps, cid, as_of)


def _period(view: dict[str, Any], key: str, period: str) -> dict[str, Any]:
    ob = next(o for o in view["obligations"] if o["key"] == key)
    return dict(next(p for p in ob["periods"] if p["period"] == period))


def _run_job(office: Office, day: date) -> dict[str, Any]:
    office.at(shanghai(day, 0, 35))
    return obligation_job.run_obligations(office.deps, day)


# ---- the rules, pure --------------------------------------------------------------------------------------------
def _delivery(on: date, kpis: Kpis | None = None) -> Delivery:
    return Delivery("quality_kpis", "2026-11", on, "2026-12-05T02:00:00Z", OPERATOR, "", kpis, ())


def test_a_correction_is_held_to_a_deliverys_rules(office: Office) -> None:
    contract = office.contract(office.activate())
    s = find_scheduled(contract, "quality_kpis", "2026-11")  # 2026-11-22 to 11-30, due 12-10
    first = _delivery(date(2026, 12, 5), Kpis(Decimal(99), Decimal(90), True))
    today = date(2026, 12, 20)
    for day, field in ((date(2026, 11, 21), "delivered_on"), (date(2026, 12, 21), "delivered_on")):
        with pytest.raises(ValidationError) as bad:
            corrected(s, first, today, delivered_on=day)
        assert bad.value.field == field
    # KPIs judged again against the period's standards (95 % / 85 %); what is not given stays
    low = corrected(s, first, today, kpis=Kpis(Decimal(93), Decimal(90), True))
    assert (low.delivered_on, low.breaches, low.recorded_by) == (date(2026, 12, 5), ("connect_rate",), OPERATOR)
    assert corrected(s, low, today, note="补充说明").kpis == low.kpis
    report = find_scheduled(contract, "call_results", "2026-11")
    with pytest.raises(ValidationError) as on_report:
        corrected(s=report, current=first, today=today, kpis=Kpis(Decimal(99), Decimal(90), True))
    assert on_report.value.field == "kpis"


def test_a_view_knows_the_revisions_recorded_by_the_end_of_its_day() -> None:
    first = _delivery(date(2026, 12, 5))
    moved = _delivery(date(2026, 12, 12))
    # recorded 2026-12-20 at 23:30 Shanghai (15:30 UTC) and 2026-12-21 at 00:30 Shanghai (16:30 UTC the day before)
    fix = DeliveryRevision("quality_kpis", "2026-11", 1, "2026-12-20T15:30:00Z", OPERATOR, CORRECTED, "r", moved)
    gone = DeliveryRevision("quality_kpis", "2026-11", 2, "2026-12-20T16:30:00Z", OPERATOR, WITHDRAWN, "r", None)
    history = DeliveryHistory(first, (fix, gone))
    assert (fix.recorded_on, gone.recorded_on) == (date(2026, 12, 20), date(2026, 12, 21))
    assert fix.local_at == "2026-12-20T23:30:00+08:00"
    assert history.known_on(date(2026, 12, 19)).current == first
    assert history.known_on(date(2026, 12, 20)).current == moved
    assert history.current is None and [b for _, b in history.steps()] == [first, moved]
    histories = {("quality_kpis", "2026-11"): history}
    assert deliveries_known_on(histories, date(2026, 12, 20)) == {("quality_kpis", "2026-11"): moved}
    assert deliveries_known_on(histories, None) == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "", "delivered_on": "2026-12-05"}, "reason"),
        ({"reason": "   ", "delivered_on": "2026-12-05"}, "reason"),
        ({"reason": "wrong\u202edate", "delivered_on": "2026-12-05"}, "reason"),
        ({"reason": "bell\u0007", "withdrawn": True}, "reason"),
        ({"reason": "r"}, "body"),
        ({"reason": "r", "withdrawn": False}, "withdrawn"),
        ({"reason": "r", "withdrawn": True, "delivered_on": "2026-12-05"}, "delivered_on"),
        ({"reason": "r", "withdrawn": True, "note": ""}, "note"),
        ({"reason": "r", "delivered_on": "2026-02-30"}, "delivered_on"),
        ({"reason": "r", "note": "a\u200fb"}, "note"),
        ({"reason": "r", "kpis": {**OK, "connect_rate_pct": "100.01"}}, "kpis.connect_rate_pct"),
        ({"reason": "r", "kpis": {**OK, "satisfaction_pct": "90.001"}}, "kpis.satisfaction_pct"),
        ({"reason": "r", "delivered_on": "2026-12-05", "period": "2026-11"}, "period"),
    ],
)
def test_bad_correction_bodies_name_their_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as bad:
        command(CorrectDeliveryRequest, body)
    assert bad.value.field == field, bad.value.message


def test_an_empty_note_clears_it_and_withdrawn_goes_alone() -> None:
    cmd = command(CorrectDeliveryRequest, {"reason": " 备注错误 ", "note": "  "})
    assert (cmd.reason, cmd.note, cmd.delivered_on, cmd.withdrawn) == ("备注错误", "", None, False)
    gone = command(CorrectDeliveryRequest, {"reason": "未实际报送", "withdrawn": True})
    assert gone.withdrawn and gone.note is None


# ---- status, penalty and as_of ------------------------------------------------------------------------------------
def test_a_correction_recomputes_the_period_and_leaves_earlier_views_as_they_were(office: Office) -> None:
    # Given the vendor's November call results recorded on time (2026-12-03; due 12-05)
    cid = office.activate()
    _deliver(office, cid, "call_results", "2026-11", date(2026, 12, 3))
    before = {day: _view(office, cid, day) for day in (date(2026, 12, 4), date(2026, 12, 19))}
    assert _period(before[date(2026, 12, 19)], "call_results", "2026-11")["status"] == "delivered"
    # When on 2026-12-20 the operator corrects the date: the report came on the 8th
    reply = _correct(office, cid, "call_results", "2026-11", date(2026, 12, 20), delivered_on="2026-12-08")
    # Then the period is 3 days late, with the default clause's 0.05 % of 360000.00 a day
    assert (reply["status"], reply["delivered_on"], reply["days_late"]) == ("late", "2026-12-08", 3)
    assert reply["penalty"]["amount"] == "540.00" and reply["corrected"] is True
    [fix] = reply["corrections"]
    assert (fix["no"], fix["action"], fix["reason"], fix["actor"], fix["changed"]) == (
        1,
        "corrected",
        "录入有误",
        OPERATOR,
        ["delivered_on"],
    )
    assert (fix["before"]["delivered_on"], fix["after"]["delivered_on"]) == ("2026-12-03", "2026-12-08")
    assert fix["at"] == "2026-12-20T15:00:00+08:00"
    # And a view as of a day before the correction was recorded is exactly what it was
    for day, view in before.items():
        assert _view(office, cid, day) == view
    today = _period(_view(office, cid, date(2026, 12, 20)), "call_results", "2026-11")
    assert (today["status"], today["days_late"], today["corrections"]) == ("late", 3, reply["corrections"])
    # And the original delivery is still stored as recorded, beside its revision
    assert office.repo.get_item(f"CONTRACT#{cid}", "DUTY#D#call_results#2026-11").body["delivered_on"] == "2026-12-03"
    [event] = office.repo.events("DeliveryCorrected", cid)
    assert (event.payload["status_before"], event.payload["status_after"], event.payload["penalty_after"]) == (
        "delivered",
        "late",
        "540.00",
    )


def test_the_same_correction_again_changes_nothing_and_a_no_op_is_refused(office: Office) -> None:
    cid = office.activate()
    _deliver(office, cid, "call_results", "2026-11", date(2026, 12, 3))
    first = _correct(office, cid, "call_results", "2026-11", date(2026, 12, 20), delivered_on="2026-12-04")
    before = office.repo.snapshot()
    assert _correct(office, cid, "call_results", "2026-11", date(2026, 12, 20), delivered_on="2026-12-04") == first
    assert office.repo.snapshot() == before
    office.at(shanghai(date(2026, 12, 20), 16))
    other = command(CorrectDeliveryRequest, {"reason": "再次确认", "delivered_on": "2026-12-04"})
    with pytest.raises(Conflict) as same:
        delivery_corrections.correct_delivery(office.deps, cid, "call_results", "2026-11", other, OPERATOR)
    assert same.value.field == "period" and office.repo.snapshot() == before


def test_unknown_periods_and_undelivered_ones(office: Office) -> None:
    cid = office.activate()
    office.at(shanghai(date(2026, 12, 20)))
    cmd = command(CorrectDeliveryRequest, {"reason": "r", "withdrawn": True})
    for key, period, entity in (("nope", "2026-11", "obligation"), ("call_results", "2030-01", "period")):
        with pytest.raises(NotFound) as missing:
            delivery_corrections.correct_delivery(office.deps, cid, key, period, cmd, OPERATOR)
        assert missing.value.entity == entity
    with pytest.raises(Conflict) as none:
        delivery_corrections.correct_delivery(office.deps, cid, "call_results", "2026-11", cmd, OPERATOR)
    assert none.value.field == "period"


# ---- withdrawn: the daily job, and delivered again ---------------------------------------------------------------
def test_a_withdrawn_period_is_picked_up_by_the_daily_job_once_and_can_be_delivered_again(office: Office) -> None:
    # Given call results for December delivered on 2027-01-03 (due 01-05) and the job run every day to 01-10
    cid = office.activate()
    _deliver(office, cid, "call_results", "2026-12", date(2027, 1, 3))
    for day in range(1, 11):
        _run_job(office, date(2027, 1, day))

    def overdue() -> list[tuple[str, int]]:
        events = office.repo.events("ObligationOverdue", cid)
        return [(e.payload["period"], e.payload["days_late"]) for e in events if e.payload["key"] == "call_results"]

    assert ("2026-12", 1) not in overdue()  # December's was in on time
    # When the operator withdraws it on 01-10 (after that day's run): the report never came
    reply = _correct(office, cid, "call_results", "2026-12", date(2027, 1, 10), withdrawn=True)
    assert (reply["status"], reply["delivered_on"], reply["days_late"]) == ("missed", None, 5)
    assert office.contract(cid).obligations_indexed_on is not None
    assert office.contract(cid).obligations_indexed_on <= date(2027, 1, 11)
    # Then the next run issues its 逾期履行通知书 once; reruns and later runs do not again
    for day in (date(2027, 1, 11), date(2027, 1, 11), date(2027, 1, 12)):
        _run_job(office, day)
    assert [o for o in overdue() if o[0] == "2026-12"] == [("2026-12", 6)]
    # And it can be delivered again, kept as a third fact beside the first delivery and its withdrawal
    again = _deliver(office, cid, "call_results", "2026-12", date(2027, 1, 12))
    assert (again["status"], again["days_late"]) == ("late", 7)
    period = _period(_view(office, cid, date(2027, 1, 12)), "call_results", "2026-12")
    assert [(c["action"], c["after"] and c["after"]["delivered_on"]) for c in period["corrections"]] == [
        ("withdrawn", None),
        ("redelivered", "2027-01-12"),
    ]
    # As of the day before the withdrawal the first delivery stands, as it did then
    assert _period(_view(office, cid, date(2027, 1, 9)), "call_results", "2026-12")["status"] == "delivered"


def test_a_period_withdrawn_before_its_reminder_day_is_reminded(office: Office) -> None:
    cid = office.activate()
    _deliver(office, cid, "quality_kpis", "2026-11", date(2026, 12, 1), OK)  # due 12-10, reminder day 12-05
    for day in range(1, 7):
        _run_job(office, date(2026, 12, day))
    reminded = [e.payload["key"] for e in office.repo.events("ObligationReminder", cid)]
    assert "quality_kpis" not in reminded
    _correct(office, cid, "quality_kpis", "2026-11", date(2026, 12, 6), withdrawn=True)
    _run_job(office, date(2026, 12, 7))
    reminded = [e.payload["key"] for e in office.repo.events("ObligationReminder", cid)]
    assert reminded.count("quality_kpis") == 1


# ---- breaches and the termination ground --------------------------------------------------------------------------
def _quality(office: Office, cid: str, day: date) -> list[str]:
    grounds = obligations.contract_grounds(office.deps, office.contract(cid), day)
    return [str(g["code"]) for g in grounds if g["code"] == "quality_below_standard"]


def test_a_correction_that_removes_a_breach_removes_it_from_the_run(office: Office) -> None:
    # Given three KPI sheets below standard in a row: three 整改通知书 and the client's ground
    cid = office.activate()
    for period, on in (("2026-11", date(2026, 12, 5)), ("2026-12", date(2027, 1, 5)), ("2027-01", date(2027, 2, 5))):
        _deliver(office, cid, "quality_kpis", period, on, LOW)
    assert _quality(office, cid, date(2027, 2, 5)) == ["quality_below_standard"]
    # When December's sheet is corrected: its figures met the standard
    _correct(office, cid, "quality_kpis", "2026-12", date(2027, 2, 10), kpis=OK)
    # Then the run is broken and the ground gone (as of that day on; as of the day before it still stood)
    assert _quality(office, cid, date(2027, 2, 10)) == []
    assert _quality(office, cid, date(2027, 2, 9)) == ["quality_below_standard"]
    [event] = office.repo.events("DeliveryCorrected", cid)
    assert (event.payload["grounds_before"], event.payload["grounds_after"]) == (["quality_below_standard"], [])
    # And the notices already sent stay sent; correcting it back to below standard sends no second one
    _correct(office, cid, "quality_kpis", "2026-12", date(2027, 2, 11), kpis=LOW)
    breached = office.repo.events("ServiceStandardBreached", cid)
    assert [e.payload["period"] for e in breached] == ["2026-11", "2026-12", "2027-01"]
    assert _quality(office, cid, date(2027, 2, 11)) == ["quality_below_standard"]


def test_a_correction_that_newly_breaches_issues_the_rectification_notice_once(office: Office) -> None:
    cid = office.activate()
    _deliver(office, cid, "quality_kpis", "2026-11", date(2026, 12, 5), LOW)
    _deliver(office, cid, "quality_kpis", "2026-12", date(2027, 1, 5), OK)
    _correct(office, cid, "quality_kpis", "2026-12", date(2027, 1, 8), kpis=LOW)
    _correct(office, cid, "quality_kpis", "2026-12", date(2027, 1, 9), kpis={**LOW, "call_quality_ok": False})
    breached = office.repo.events("ServiceStandardBreached", cid)
    assert [(e.payload["period"], e.payload["consecutive"]) for e in breached] == [("2026-11", 1), ("2026-12", 2)]
    doc = office.repo.get_document(cid, "rectification:quality_kpis:2026-12")
    assert "整改通知书" in doc.html and "已连续2期未达标" in doc.html


# ---- set-offs of a penalty a correction lowers ---------------------------------------------------------------------
def test_a_set_off_beyond_the_corrected_penalty_is_shown_and_finance_told(office: Office) -> None:
    from chalicelib.api import money_requests as mq
    from chalicelib.services import payments

    cid = office.activate()
    office.run_invoicing(date(2026, 11, 22))
    _deliver(office, cid, "call_results", "2026-11", date(2026, 12, 8))  # 3 days late: 540.00
    office.at(shanghai(date(2026, 12, 15)))
    body = {"year": 1, "amount": "540.00", "reason": "抵扣逾期违约金", "claim": "obligation:call_results:2026-11"}
    payments.record_set_off(office.deps, cid, command(mq.SetOffRequest, body), "finance:test")
    _correct(office, cid, "call_results", "2026-11", date(2026, 12, 20), delivered_on="2026-12-06")  # 1 day: 180.00
    penalty = _period(_view(office, cid, date(2026, 12, 20)), "call_results", "2026-11")["penalty"]
    assert penalty == {
        "amount": "180.00",
        "set_off": "180.00",
        "outstanding": "0.00",
        "settled": True,
        "over_set_off": "360.00",
        "claim": "obligation:call_results:2026-11",
    }
    earlier = _period(_view(office, cid, date(2026, 12, 19)), "call_results", "2026-11")["penalty"]
    assert (earlier["amount"], earlier["over_set_off"]) == ("540.00", "0.00")
    [event] = office.repo.events("DeliveryCorrected", cid)
    assert (event.payload["set_off"], event.payload["over_set_off"]) == ("540.00", "360.00")
    messages = MessageBuilder(office.settings, "https://hetong.test", lambda: "s" * 40).build(event)
    by_key = {m.key: m.email for m in messages}
    assert set(by_key) == {"email:operator", "email:vendor", "email:client", "email:finance"}
    finance = by_key["email:finance"]
    assert finance is not None and "360.00" in finance.text and "履约记录更正通知" in finance.subject


# ---- who is told ---------------------------------------------------------------------------------------------------
def test_a_note_only_correction_tells_the_operator_and_the_party_that_delivers(office: Office) -> None:
    cid = office.activate()
    _deliver(office, cid, "target_list", "2026-11", date(2026, 11, 28))  # the client's list
    _correct(office, cid, "target_list", "2026-11", date(2026, 12, 2), note="含补充名单")
    [event] = office.repo.events("DeliveryCorrected", cid)
    from chalicelib.domain.events import event_from_payload

    typed: Any = event_from_payload(event.type, event.payload)
    assert recipients(typed) == ["operator", "client"]
    messages = MessageBuilder(office.settings, "https://hetong.test", lambda: "s" * 40).build(event)
    client = next(m.email for m in messages if m.key == "email:client")
    assert client is not None and "如有异议" in client.text and "「录入有误」" in client.text


# ---- two corrections racing ----------------------------------------------------------------------------------------
def _racing(office: Office, monkeypatch: pytest.MonkeyPatch, rival: Any) -> None:
    monkeypatch.setattr("chalicelib.services.base.time.sleep", lambda _s: None)
    commit = office.repo.commit
    raced: list[bool] = []

    def racing_commit(changes: Any) -> None:
        if not raced and any(i.kind == "delivery_revision" for i in changes.items):
            raced.append(True)
            rival()  # lands first, at the version both read
        commit(changes)

    monkeypatch.setattr(office.repo, "commit", racing_commit)


def test_two_corrections_racing_the_later_applies_on_top(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = office.activate()
    _deliver(office, cid, "call_results", "2026-11", date(2026, 12, 3))
    office.at(shanghai(date(2026, 12, 20)))
    rival = command(CorrectDeliveryRequest, {"reason": "备注", "note": "邮件回执"})
    _racing(
        office,
        monkeypatch,
        lambda: delivery_corrections.correct_delivery(office.deps, cid, "call_results", "2026-11", rival, "staff:b"),
    )
    mine = command(CorrectDeliveryRequest, {"reason": "日期", "delivered_on": "2026-12-04"})
    reply = delivery_corrections.correct_delivery(office.deps, cid, "call_results", "2026-11", mine, OPERATOR)
    assert office.repo.failed_commits == 1
    assert [(c["no"], c["actor"], c["changed"]) for c in reply["corrections"]] == [
        (1, "staff:b", ["note"]),
        (2, OPERATOR, ["delivered_on"]),
    ]
    assert (reply["delivered_on"], reply["note"]) == ("2026-12-04", "邮件回执")  # on top of the rival's
    assert reply["corrections"][1]["before"]["note"] == "邮件回执"
    assert len(office.repo.events("DeliveryCorrected", cid)) == 2


def test_a_correction_racing_a_withdrawal_is_a_conflict(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = office.activate()
    _deliver(office, cid, "call_results", "2026-11", date(2026, 12, 3))
    office.at(shanghai(date(2026, 12, 20)))
    rival = command(CorrectDeliveryRequest, {"reason": "未报送", "withdrawn": True})
    _racing(
        office,
        monkeypatch,
        lambda: delivery_corrections.correct_delivery(office.deps, cid, "call_results", "2026-11", rival, "staff:b"),
    )
    mine = command(CorrectDeliveryRequest, {"reason": "日期", "delivered_on": "2026-12-04"})
    with pytest.raises(Conflict) as lost:
        delivery_corrections.correct_delivery(office.deps, cid, "call_results", "2026-11", mine, OPERATOR)
    assert lost.value.field == "period"
    assert [e.payload["action"] for e in office.repo.events("DeliveryCorrected", cid)] == ["withdrawn"]
