"""履约 rules: periods inside the term, due dates, status and lateness as of a day, the vendor late penalty by its
clause, KPI breaches and termination grounds, incidents; and the daily job on the fakes (once per period)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.api import obligation_requests as oq
from chalicelib.domain.errors import Conflict, ValidationError
from chalicelib.domain.incidents import Incident
from chalicelib.domain.kpis import Kpis, breaches
from chalicelib.domain.obligation_terms import DEFAULT_OBLIGATIONS, Obligation, parse_obligations
from chalicelib.domain.obligations import (
    Delivery,
    periods,
    schedule,
    states,
    termination_grounds,
    vendor_penalty,
)
from chalicelib.domain.terms import LatePenalty, ServiceStandards, Terms
from chalicelib.services import obligation_job, obligations
from tests.factories import command
from tests.unit.conftest import Office, shanghai

MONTHLY = Obligation("report", "vendor", "月报", "2.3", "month", 10, "report")
KPI = Obligation("kpis", "vendor", "指标", "3.2", "month", 10, "kpi")
DATA = Obligation("data", "client", "业务数据", "3.2", "month", 5, "data")


def _ob(period: str, due: int = 10) -> Obligation:
    return Obligation("x", "vendor", "x", "1", period, due, "report")


# ---- periods ------------------------------------------------------------------------------------------------
def test_monthly_periods_are_calendar_months_clipped_to_the_term() -> None:
    got = periods(_ob("month"), date(2026, 11, 22), date(2027, 2, 14))
    assert [(p.id, p.start, p.end, p.due_on) for p in got] == [
        ("2026-11", date(2026, 11, 22), date(2026, 11, 30), date(2026, 12, 10)),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 10)),
        ("2027-01", date(2027, 1, 1), date(2027, 1, 31), date(2027, 2, 10)),
        ("2027-02", date(2027, 2, 1), date(2027, 2, 14), date(2027, 2, 24)),
    ]


def test_quarters_years_and_once() -> None:
    q = periods(_ob("quarter", 15), date(2026, 11, 22), date(2027, 5, 1))
    assert [(p.id, p.start, p.end, p.due_on) for p in q] == [
        ("2026-Q4", date(2026, 11, 22), date(2026, 12, 31), date(2027, 1, 15)),
        ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31), date(2027, 4, 15)),
        ("2027-Q2", date(2027, 4, 1), date(2027, 5, 1), date(2027, 5, 16)),
    ]
    y = periods(_ob("year", 0), date(2026, 11, 22), date(2029, 11, 21))
    assert [(p.id, p.start, p.end) for p in y] == [
        ("2026", date(2026, 11, 22), date(2026, 12, 31)),
        ("2027", date(2027, 1, 1), date(2027, 12, 31)),
        ("2028", date(2028, 1, 1), date(2028, 12, 31)),
        ("2029", date(2029, 1, 1), date(2029, 11, 21)),
    ]
    once = periods(_ob("once", 30), date(2026, 11, 22), date(2029, 11, 21))
    assert [(p.id, p.start, p.end, p.due_on) for p in once] == [
        ("once", date(2026, 11, 22), date(2029, 11, 21), date(2029, 12, 21))
    ]


def test_february_and_december_month_ends() -> None:
    got = periods(_ob("month", 0), date(2027, 12, 15), date(2028, 3, 1))
    assert [(p.id, p.end) for p in got] == [
        ("2027-12", date(2027, 12, 31)),
        ("2028-01", date(2028, 1, 31)),
        ("2028-02", date(2028, 2, 29)),
        ("2028-03", date(2028, 3, 1)),
    ]


# ---- penalty -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "rate", "cap", "days", "expected"),
    [
        ("daily_pct", "0.01", None, 3, "108.00"),  # 360000 × 0.01 % × 3
        ("daily_pct", "0.01", "0.05", 10, "180.00"),  # capped at 0.05 % of the contract amount
        ("contract_pct", "0.5", None, 40, "1800.00"),  # once per late period, whatever the days
        ("contract_pct", "0.5", None, 0, "0.00"),
        ("daily_pct", "0.0333", None, 1, "119.88"),
    ],
)
def test_vendor_penalty_by_the_clause(mode: str, rate: str, cap: str | None, days: int, expected: str) -> None:
    clause = LatePenalty(mode, Decimal(rate), None if cap is None else Decimal(cap))  # type: ignore[arg-type]
    assert vendor_penalty(clause, Decimal("360000.00"), days) == Decimal(expected)


# ---- terms ------------------------------------------------------------------------------------------------------
def test_obligations_validation_names_the_field() -> None:
    good = MONTHLY.to_dict()
    assert parse_obligations(None, "terms.obligations") is None
    assert parse_obligations([good], "t") == (MONTHLY,)
    for bad, field in (
        ([good, good], "t[1].key"),
        ([{**good, "key": "Bad Key"}], "t[0].key"),
        ([{**good, "party": "both"}], "t[0].party"),
        ([{**good, "due_days_after": -1}], "t[0].due_days_after"),
        ([{**good, "due_days_after": True}], "t[0].due_days_after"),
        ([{**good, "kind": "data"}], "t[0].kind"),  # data is the client's
        ([{**good, "title": "a\x00b"}], "t[0].title"),
        ([{**good, "extra": 1}], "t[0].extra"),
        ("monthly", "t"),
    ):
        with pytest.raises(ValidationError) as err:
            parse_obligations(bad, "t")
        assert err.value.field == field, bad


def test_old_terms_read_with_defaults() -> None:
    terms = Terms.parse(
        {
            "services": ["a"],
            "term_years": 1,
            "annual_fee": "1000.00",
            "payment_due_days": 30,
            "breach_penalty_pct": "10",
            "late_penalty": {"mode": "daily_pct", "rate_pct": "0.05"},
            "notice_period_days": 30,
            "signing_place": "北京",
        }
    )
    stored = terms.to_dict()
    for key in ("obligations", "vendor_late_penalty", "incident_report_hours"):
        stored.pop(key)
    old = Terms.from_dict(stored)
    assert old.obligations is None and old.incident_report_hours == 2
    assert old.vendor_penalty == old.late_penalty
    assert len(DEFAULT_OBLIGATIONS["customer-service-management"]) == 3


# ---- KPIs and grounds ------------------------------------------------------------------------------------------
def test_kpi_breaches_against_the_standards() -> None:
    std = ServiceStandards(Decimal(95), Decimal(85))
    assert breaches(Kpis(Decimal(95), Decimal(85), True), std) == ()
    assert breaches(Kpis(Decimal("94.99"), Decimal(90), True), std) == ("connect_rate",)
    assert breaches(Kpis(Decimal(99), Decimal("84.5"), False), std) == ("call_quality", "satisfaction")


def _deliver(office: Office, cid: str, key: str, period: str, on: date, kpis: Any = None) -> dict[str, Any]:
    office.at(shanghai(on, 10))
    body: dict[str, Any] = {"period": period, "delivered_on": on.isoformat()}
    if kpis:
        body["kpis"] = kpis
    return obligations.record_delivery(office.deps, cid, key, command(oq.RecordDeliveryRequest, body), "staff:operator")


LOW = {"connect_rate_pct": "90", "satisfaction_pct": "90", "call_quality_ok": True}
OK = {"connect_rate_pct": "99", "satisfaction_pct": "90", "call_quality_ok": True}


def test_three_breached_periods_in_a_row_give_the_client_its_ground(office: Office) -> None:
    cid = office.activate()
    _deliver(office, cid, "quality_kpis", "2026-11", date(2026, 12, 5), LOW)
    _deliver(office, cid, "quality_kpis", "2026-12", date(2027, 1, 5), LOW)

    def quality(day: date) -> list[dict[str, object]]:
        grounds = obligations.contract_grounds(office.deps, office.contract(cid), day)
        return [g for g in grounds if g["code"] == "quality_below_standard"]

    assert quality(date(2027, 1, 5)) == []
    _deliver(office, cid, "quality_kpis", "2027-01", date(2027, 2, 5), OK)  # the run is broken
    _deliver(office, cid, "quality_kpis", "2027-02", date(2027, 3, 5), LOW)
    _deliver(office, cid, "quality_kpis", "2027-03", date(2027, 4, 5), LOW)
    assert quality(date(2027, 4, 5)) == []
    _deliver(office, cid, "quality_kpis", "2027-04", date(2027, 5, 5), LOW)
    grounds = quality(date(2027, 5, 5))
    assert [(g["party"], g["code"]) for g in grounds] == [("client", "quality_below_standard")]
    assert [e["period"] for e in grounds[0]["evidence"]] == ["2027-02", "2027-03", "2027-04"]  # type: ignore[union-attr]
    breached = office.repo.events("ServiceStandardBreached", cid)
    assert [(e.payload["period"], e.payload["consecutive"], e.payload["termination_ground"]) for e in breached] == [
        ("2026-11", 1, False),
        ("2026-12", 2, False),
        ("2027-02", 1, False),
        ("2027-03", 2, False),
        ("2027-04", 3, True),
    ]
    # and each breach issued its 整改通知书
    doc = office.repo.get_document(cid, "rectification:quality_kpis:2027-04")
    assert "整改通知书" in doc.html and "90.00%" in doc.html


def test_status_as_of_a_day(office: Office) -> None:
    cid = office.activate()
    _deliver(office, cid, "call_results", "2026-11", date(2026, 12, 8))  # due 12-05: 3 days late
    contract = office.contract(cid)
    delivered = {("call_results", "2026-11"): _delivery("call_results", "2026-11", date(2026, 12, 8))}
    by = {(s.key, s.period.id): s for s in states(contract, delivered, date(2026, 12, 6))}
    assert by[("call_results", "2026-11")].status == "missed"  # the delivery of the 8th is not known on the 6th
    assert by[("call_results", "2026-11")].days_late == 1
    assert by[("call_results", "2026-12")].status == "upcoming"
    assert by[("target_list", "2026-11")].status == "missed"
    assert ("call_results", "2027-01") not in by  # not started yet
    late = {(s.key, s.period.id): s for s in states(contract, delivered, date(2026, 12, 31))}
    assert (late[("call_results", "2026-11")].status, late[("call_results", "2026-11")].days_late) == ("late", 3)
    # the vendor's default penalty is the late-payment clause: 0.05 % of 360000.00 a day
    assert late[("call_results", "2026-11")].penalty == Decimal("540.00")
    assert late[("target_list", "2026-11")].penalty == Decimal("0.00")  # the client's duty: a ground, no penalty
    grounds = termination_grounds(list(late.values()))
    assert [(g["party"], g["code"]) for g in grounds] == [("vendor", "client_data_not_provided")]
    assert len(schedule(contract)) > 100  # 3 years of monthly and quarterly periods


def _delivery(key: str, period: str, on: date) -> Delivery:
    return Delivery(key, period, on, "2026-12-08T02:00:00Z", "staff:operator")


# ---- the daily job on the fakes ------------------------------------------------------------------------------------
def test_the_job_notifies_once_and_reruns_change_nothing(office: Office) -> None:
    cid = office.activate()
    for day in (date(2026, 12, 6), date(2026, 12, 6), date(2026, 12, 10), date(2026, 12, 7)):
        office.at(shanghai(day, 3))
        obligation_job.run_obligations(office.deps, day)
    overdue = office.repo.events("ObligationOverdue", cid)
    assert sorted(e.payload["key"] for e in overdue) == ["call_results", "target_list"]
    reminders = office.repo.events("ObligationReminder", cid)
    keys = [(e.payload["key"], e.payload["period"]) for e in reminders]
    assert len(keys) == len(set(keys)) and ("quality_kpis", "2026-11") in keys
    before = office.repo.snapshot()
    office.at(shanghai(date(2026, 12, 10), 4))
    obligation_job.run_obligations(office.deps, date(2026, 12, 10))
    assert office.repo.snapshot() == before


def test_the_job_batches_a_late_first_run(office: Office) -> None:
    cid = office.activate()
    office.at(shanghai(date(2027, 11, 1), 3))
    office.repo.reset_counters()
    result = obligation_job.run_obligations(office.deps, date(2027, 11, 1))
    # call results and KPI sheets of 11 months, the target lists of 12 (due at month end), 4 quarterly surveys:
    # each overdue once, in transactions of 12 periods
    assert result["overdue"] == 11 + 11 + 12 + 4
    assert len(office.repo.events("ObligationOverdue", cid)) == 38
    assert office.repo.writes["commit"] == 4  # 12 + 12 + 12 + 2


# ---- incidents -------------------------------------------------------------------------------------------------
def test_incident_delay_and_stages() -> None:
    i = Incident(1, "2026-12-01T09:00:00+08:00", "2026-12-01T03:00:00+00:00", "high", "中断", 2, "staff:operator")
    assert i.report_delay_hours == Decimal("2.00") and not i.reported_late
    at = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    planned = i.update("plan", at, "预案")
    with pytest.raises(Conflict):
        planned.update("plan", at, "again")
    with pytest.raises(ValidationError):
        planned.update("progress", datetime(2026, 12, 1, 4, 0, tzinfo=UTC), "earlier than the plan")
    done = planned.update("progress", at, "进展").update("resolved", at, "好了")
    assert done.status == "resolved" and done.at_stage("plan") == at.isoformat()
    with pytest.raises(Conflict):
        done.update("progress", at, "after")
    late = Incident(2, "2026-12-01T09:00:00+08:00", "2026-12-01T11:00:36+08:00", "low", "x", 2, "op")
    assert late.report_delay_hours == Decimal("2.01") and late.reported_late


# ---- submit links ------------------------------------------------------------------------------------------------
def test_a_submit_link_is_for_its_period_until_60_days_after_the_due_date(office: Office) -> None:
    from chalicelib.domain.errors import TokenRejected
    from chalicelib.domain.links import link_token
    from chalicelib.services import submissions

    cid = office.activate()
    office.at(shanghai(date(2026, 12, 5), 3))
    obligation_job.run_obligations(office.deps, date(2026, 12, 5))  # the KPI sheet's reminder (due 12-10)
    token = link_token(office.deps.link_secret(), submissions.submit_token_id(cid, "quality_kpis", "2026-11"))
    # only the hash is stored, and the audit carries no link material
    assert office.repo.get_item(f"SUBMIT#{submissions.token_hash(token)}", "TOKEN") is not None
    assert all(token not in str(e.data) for e in office.repo.get_audit(cid))
    office.at(shanghai(date(2027, 2, 8), 23, 59))
    assert submissions.submit_view(office.deps, token)["period"] == "2026-11"
    office.at(shanghai(date(2027, 2, 9), 0, 1))
    with pytest.raises(TokenRejected) as gone:
        submissions.submit_view(office.deps, token)
    assert gone.value.status == 410
    # a link for a period whose reminder never went out does not exist
    other = link_token(office.deps.link_secret(), submissions.submit_token_id(cid, "quality_kpis", "2027-01"))
    with pytest.raises(TokenRejected) as unknown:
        submissions.submit_view(office.deps, other)
    assert unknown.value.status == 404
