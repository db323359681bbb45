"""Held-out-style date scenarios for 履约: obligation periods across month ends and leap years, due days and reminder
days, the daily job run for every day, periods cut short by a termination, agreements changing the obligations from
their day, the vendor late penalty, and incident report delays across midnight in Shanghai.

Each expected date and figure is worked out by hand from docs/domain-rules.md ("Obligations, service levels and
incidents"), in the comment beside it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.api import obligation_requests as oq
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.incidents import Incident
from chalicelib.services import obligation_job, obligations
from tests.factories import command
from tests.unit.conftest import Office, shanghai

D = date.fromisoformat
CS = "customer-service-management"


def table(office: Office, cid: str, as_of: date) -> dict[str, list[tuple[str, str, str, str]]]:
    """Per obligation: (period, first day, last day, due date) as GET /contracts/{id}/obligations shows them."""
    view = obligations.obligations_response(office.deps, cid, as_of)
    return {
        ob["key"]: [(p["period"], p["start"], p["end"], p["due_on"]) for p in ob["periods"]]
        for ob in view["obligations"]
    }


def period(office: Office, cid: str, key: str, pid: str, as_of: date) -> dict[str, Any]:
    view = obligations.obligations_response(office.deps, cid, as_of)
    ob = next(o for o in view["obligations"] if o["key"] == key)
    return dict(next(p for p in ob["periods"] if p["period"] == pid))


def deliver(office: Office, cid: str, key: str, pid: str, on: date, recorded: date) -> None:
    office.at(shanghai(recorded, 10))
    body = {"period": pid, "delivered_on": on.isoformat()}
    obligations.record_delivery(office.deps, cid, key, command(oq.RecordDeliveryRequest, body), "staff:operator")


def run_daily(office: Office, cid: str, first: str, last: str) -> list[tuple[str, str, str, str]]:
    """Runs the obligations job for every day (late in the Shanghai evening); what it sent, by day."""
    seen: list[tuple[str, str, str, str]] = []
    day = D(first)
    while day <= D(last):
        before = len(office.repo.events(contract_id=cid))
        office.at(shanghai(day, 23))
        obligation_job.run_obligations(office.deps, day)
        for e in office.repo.events(contract_id=cid)[before:]:
            seen.append((day.isoformat(), e.type, e.payload["key"], e.payload["period"]))
        day += timedelta(days=1)
    return seen


def test_periods_from_31_january_in_a_leap_year_to_the_end_of_a_one_year_term() -> None:
    # A customer-service contract effective 2024-01-31 for 1 year: the term ends 2025-01-30.
    # Monthly report (+10): first period is the one day 2024-01-31, due 02-10; February 2024 has 29 days, so
    # 2024-02 runs to 02-29 and is due 03-10; ...; the last, 2025-01, runs 01-01..01-30 (the term's end) and is
    # due 2025-02-09. Quarterly analysis (+15): 2024-Q1 from 01-31 to 03-31, due 04-15; the last, 2025-Q1, runs
    # 01-01..01-30, due 2025-02-14. Business data (+5): 2024-02 due 03-05; 2025-01 due 2025-02-04.
    office = Office()
    cid = office.activate(D("2024-01-31"), template=CS, term_years=1)
    got = table(office, cid, D("2025-03-01"))
    report = got["monthly_report"]
    assert len(report) == 13
    assert report[:3] == [
        ("2024-01", "2024-01-31", "2024-01-31", "2024-02-10"),
        ("2024-02", "2024-02-01", "2024-02-29", "2024-03-10"),
        ("2024-03", "2024-03-01", "2024-03-31", "2024-04-10"),
    ]
    assert report[-2:] == [
        ("2024-12", "2024-12-01", "2024-12-31", "2025-01-10"),
        ("2025-01", "2025-01-01", "2025-01-30", "2025-02-09"),
    ]
    assert got["data_analysis"] == [
        ("2024-Q1", "2024-01-31", "2024-03-31", "2024-04-15"),
        ("2024-Q2", "2024-04-01", "2024-06-30", "2024-07-15"),
        ("2024-Q3", "2024-07-01", "2024-09-30", "2024-10-15"),
        ("2024-Q4", "2024-10-01", "2024-12-31", "2025-01-15"),
        ("2025-Q1", "2025-01-01", "2025-01-30", "2025-02-14"),
    ]
    assert got["business_data"][1] == ("2024-02", "2024-02-01", "2024-02-29", "2024-03-05")
    assert got["business_data"][-1] == ("2025-01", "2025-01-01", "2025-01-30", "2025-02-04")


def test_the_daily_job_through_a_leap_february_sends_each_notice_once_on_its_day() -> None:
    # Same contract. Reminder = due - 5; overdue notice = the day after the due date. By day:
    #   business_data 2024-01 due 02-05: reminder 01-31, overdue 02-06
    #   monthly_report 2024-01 due 02-10: reminder 02-05, overdue 02-11
    #   business_data 2024-02 due 03-05: reminder 02-29 (03-05 - 5 in a leap year), overdue 03-06
    #   monthly_report 2024-02 due 03-10: reminder 03-05, overdue 03-11
    #   (business_data 2024-03 due 04-05 reminds on 03-31; 2024-Q1 due 04-15 on 04-10: after the window)
    office = Office()
    cid = office.activate(D("2024-01-31"), template=CS, term_years=1)
    assert run_daily(office, cid, "2024-01-31", "2024-03-12") == [
        ("2024-01-31", "ObligationReminder", "business_data", "2024-01"),
        ("2024-02-05", "ObligationReminder", "monthly_report", "2024-01"),
        ("2024-02-06", "ObligationOverdue", "business_data", "2024-01"),
        ("2024-02-11", "ObligationOverdue", "monthly_report", "2024-01"),
        ("2024-02-29", "ObligationReminder", "business_data", "2024-02"),
        ("2024-03-05", "ObligationReminder", "monthly_report", "2024-02"),
        ("2024-03-06", "ObligationOverdue", "business_data", "2024-02"),
        ("2024-03-11", "ObligationOverdue", "monthly_report", "2024-02"),
    ]


def test_lateness_and_the_vendor_penalty_across_the_leap_day() -> None:
    # Contract amount A = 120000.00 (1 year). The vendor clause defaults to the late-payment clause: daily_pct
    # 0.05 %. Report 2024-01 (due 02-10) delivered 02-13: late 3 days, 120000 x 0.0005 x 3 = 180.00.
    # Report 2024-02 (due 03-10) undelivered on 03-12: missed 2 days so far, 120.00.
    # Business data 2024-02 (due 03-05) undelivered on 03-12: missed 7 days (03-06..03-12), the client's: 0.00.
    office = Office()
    cid = office.activate(D("2024-01-31"), template=CS, term_years=1)
    deliver(office, cid, "monthly_report", "2024-01", D("2024-02-13"), recorded=D("2024-03-12"))
    late = period(office, cid, "monthly_report", "2024-01", D("2024-03-12"))
    assert (late["status"], late["days_late"], late["penalty"]["amount"]) == ("late", 3, "180.00")
    missed = period(office, cid, "monthly_report", "2024-02", D("2024-03-12"))
    assert (missed["status"], missed["days_late"], missed["penalty"]["amount"]) == ("missed", 2, "120.00")
    client = period(office, cid, "business_data", "2024-02", D("2024-03-12"))
    assert (client["status"], client["days_late"], client["penalty"]["amount"]) == ("missed", 7, "0.00")
    # On its due date a period is "due" (ended, not yet late); the day before its end it is "upcoming"
    assert period(office, cid, "monthly_report", "2024-02", D("2024-03-10"))["status"] == "due"
    assert period(office, cid, "monthly_report", "2024-02", D("2024-02-28"))["status"] == "upcoming"


def test_a_delivery_on_the_due_date_is_on_time_and_one_day_later_is_late() -> None:
    office = Office()
    cid = office.activate(D("2024-01-31"), template=CS, term_years=1)
    deliver(office, cid, "data_analysis", "2024-Q1", D("2024-04-15"), recorded=D("2024-04-20"))  # due 04-15
    deliver(office, cid, "data_analysis", "2024-Q2", D("2024-07-16"), recorded=D("2024-07-20"))  # due 07-15
    q1 = period(office, cid, "data_analysis", "2024-Q1", D("2024-08-01"))
    q2 = period(office, cid, "data_analysis", "2024-Q2", D("2024-08-01"))
    assert (q1["status"], q1["days_late"], q1["penalty"]["amount"]) == ("delivered", 0, "0.00")
    assert (q2["status"], q2["days_late"], q2["penalty"]["amount"]) == ("late", 1, "60.00")


def test_the_first_day_of_an_outbound_contract_on_30_april() -> None:
    # Outbound-call contract effective 2026-04-30. Its first periods are the one day 2026-04-30:
    #   target_list 2026-04 (+0): due 04-30, reminder 04-25 (before the contract existed): caught up on 04-30,
    #     while the period is still running; overdue on 05-01
    #   call_results 2026-04 (+5): due 05-05, reminder 04-30; overdue 05-06
    #   quality_kpis 2026-04 (+10): due 05-10, reminder 05-05; overdue 05-11
    #   target_list 2026-05 (+0): due 05-31, reminder 05-26 (inside the period)
    #   call_results 2026-05 (+5): due 06-05, reminder 05-31 (quality_kpis 2026-05 reminds on 06-05: after)
    office = Office()
    cid = office.activate(D("2026-04-30"))
    assert run_daily(office, cid, "2026-04-30", "2026-05-31") == [
        ("2026-04-30", "ObligationReminder", "call_results", "2026-04"),
        ("2026-04-30", "ObligationReminder", "target_list", "2026-04"),
        ("2026-05-01", "ObligationOverdue", "target_list", "2026-04"),
        ("2026-05-05", "ObligationReminder", "quality_kpis", "2026-04"),
        ("2026-05-06", "ObligationOverdue", "call_results", "2026-04"),
        ("2026-05-11", "ObligationOverdue", "quality_kpis", "2026-04"),
        ("2026-05-26", "ObligationReminder", "target_list", "2026-05"),
        ("2026-05-31", "ObligationReminder", "call_results", "2026-05"),
    ]


def test_year_once_and_366_day_obligations() -> None:
    # Effective 2026-04-30 for 2 years: the term ends 2028-04-29.
    #   annual (year, +0): 2026 = 04-30..12-31 due 12-31; 2027 whole year; 2028 = 01-01..04-29 due 04-29
    #   final (once, +30): the whole term 2026-04-30..2028-04-29, due 2028-05-29
    #   data (quarter, +366): 2026-Q2 = 04-30..06-30, due 2026-06-30 + 366 = 2027-07-01 (2027 is not leap)
    obs = [
        {"key": "annual", "party": "vendor", "title": "年报", "clause": "2.3", "period": "year",
         "due_days_after": 0, "kind": "report"},
        {"key": "final", "party": "vendor", "title": "总结", "clause": "2.3", "period": "once",
         "due_days_after": 30, "kind": "report"},
        {"key": "data", "party": "client", "title": "数据", "clause": "3.2", "period": "quarter",
         "due_days_after": 366, "kind": "data"},
    ]  # fmt: skip
    office = Office()
    cid = office.activate(D("2026-04-30"), template=CS, term_years=2, obligations=obs)
    got = table(office, cid, D("2028-06-01"))
    assert got["annual"] == [
        ("2026", "2026-04-30", "2026-12-31", "2026-12-31"),
        ("2027", "2027-01-01", "2027-12-31", "2027-12-31"),
        ("2028", "2028-01-01", "2028-04-29", "2028-04-29"),
    ]
    assert got["final"] == [("once", "2026-04-30", "2028-04-29", "2028-05-29")]
    assert got["data"][0] == ("2026-Q2", "2026-04-30", "2026-06-30", "2027-07-01")
    # The last quarter is cut at the term's end: 2028-04-01..04-29; 2028-04-29 + 365 = 2029-04-29 (no 29 Feb
    # between), so + 366 = 2029-04-30.
    assert got["data"][-1] == ("2028-Q2", "2028-04-01", "2028-04-29", "2029-04-30")


def test_a_termination_cuts_the_periods_at_the_day_before_it_takes_effect() -> None:
    # Effective 2026-01-31, 3 years, 30 days' notice served 2026-04-15: takes effect 2026-05-15. The obligations
    # run to 2026-05-14: monthly report 2026-05 = 05-01..05-14, due 05-24; quarterly 2026-Q2 = 04-01..05-14, due
    # 05-29; business data 2026-05 = 05-01..05-14, due 05-19. Nothing from June on.
    office = Office()
    cid = office.activate(D("2026-01-31"), template=CS)
    office.serve_notice(cid, D("2026-04-15"))
    office.run_lifecycle(D("2026-05-15"))
    assert office.contract(cid).status == "terminated"
    got = table(office, cid, D("2026-07-01"))
    assert got["monthly_report"][-1] == ("2026-05", "2026-05-01", "2026-05-14", "2026-05-24")
    assert [p for p, *_ in got["monthly_report"]] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert got["data_analysis"][-1] == ("2026-Q2", "2026-04-01", "2026-05-14", "2026-05-29")
    assert got["business_data"][-1] == ("2026-05", "2026-05-01", "2026-05-14", "2026-05-19")


def _obligations(report_due: int) -> list[dict[str, Any]]:
    return [
        {"key": "monthly_report", "party": "vendor", "title": "月报", "clause": "2.3", "period": "month",
         "due_days_after": report_due, "kind": "report"},
    ]  # fmt: skip


def test_agreements_change_the_obligations_of_periods_starting_on_or_after_their_day() -> None:
    # Effective 2026-01-31 (monthly report +10). Agreement A in force 2026-05-15 (mid-month): report +3.
    # Agreement B in force 2026-07-01 (a month's first day): report +20.
    #   2026-05 started 05-01 under the original terms: due 05-31 + 10 = 06-10
    #   2026-06 started 06-01 under A: due 06-30 + 3 = 07-03
    #   2026-07 starts 07-01, the day B takes effect: B governs it, due 07-31 + 20 = 08-20
    #   2026-08: due 08-31 + 20 = 09-20
    office = Office()
    cid = office.activate(D("2026-01-31"), template=CS)
    office.amend(cid, D("2026-05-15"), obligations=_obligations(3))
    office.amend(cid, D("2026-07-01"), obligations=_obligations(20))
    report = {p: due for p, _, _, due in table(office, cid, D("2026-09-01"))["monthly_report"]}
    assert (report["2026-04"], report["2026-05"], report["2026-06"]) == ("2026-05-10", "2026-06-10", "2026-07-03")
    assert (report["2026-07"], report["2026-08"]) == ("2026-08-20", "2026-09-20")


def test_incident_report_delay_across_midnight_in_shanghai() -> None:
    # Occurred 23:30 on 31 March in Shanghai; reported 17:30Z = 01:30 on 1 April in Shanghai: 2.00 hours, on
    # time with 2 hours allowed, late with 1.
    on_time = Incident(1, "2026-03-31T23:30:00+08:00", "2026-03-31T17:30:00Z", "high", "x", 2, "op")
    assert (on_time.report_delay_hours, on_time.reported_late) == (Decimal("2.00"), False)
    strict = Incident(2, "2026-03-31T23:30:00+08:00", "2026-03-31T17:30:00Z", "high", "x", 1, "op")
    assert strict.reported_late
    # 15:30Z to 01:31 (+08:00) the next day is 2 h 1 min = 2.0167 h -> 2.02: late with 2 hours allowed
    late = Incident(3, "2026-03-31T15:30:00Z", "2026-04-01T01:31:00+08:00", "low", "x", 2, "op")
    assert (late.report_delay_hours, late.reported_late) == (Decimal("2.02"), True)


def test_the_last_periods_are_chased_after_the_contract_expired() -> None:
    # 1 year from 2024-01-31: the term ends 2025-01-30 and the contract expires on 2025-01-31. The last periods end
    # with the term but fall due after it, and are still the parties' duties:
    #   business_data 2025-01 (01-01..01-30, +5): due 02-04, reminder 01-30, overdue 02-05
    #   monthly_report 2025-01 (+10): due 02-09, reminder 02-04, overdue 02-10
    #   data_analysis 2025-Q1 (01-01..01-30, +15): due 02-14, reminder 02-09, overdue 02-15
    # (2024-12 periods: business data due 2025-01-05, report 01-10, 2024-Q4 analysis 01-15 were dealt with before
    # the window: the job ran daily from the start.)
    office = Office()
    cid = office.activate(D("2024-01-31"), template=CS, term_years=1)
    run_daily(office, cid, "2024-01-31", "2025-01-29")
    seen = []
    for day in [D("2025-01-30") + timedelta(days=n) for n in range(20)]:
        office.run_lifecycle(day)
        seen += run_daily(office, cid, day.isoformat(), day.isoformat())
    assert office.contract(cid).status == "expired"
    assert seen == [
        ("2025-01-30", "ObligationReminder", "business_data", "2025-01"),
        ("2025-02-04", "ObligationReminder", "monthly_report", "2025-01"),
        ("2025-02-05", "ObligationOverdue", "business_data", "2025-01"),
        ("2025-02-09", "ObligationReminder", "data_analysis", "2025-Q1"),
        ("2025-02-10", "ObligationOverdue", "monthly_report", "2025-01"),
        ("2025-02-15", "ObligationOverdue", "data_analysis", "2025-Q1"),
    ]


def test_the_vendor_penalty_uses_the_contract_amount_as_it_stood_the_day_after_the_due_date() -> None:
    # 1 year from 2026-01-31: A = 120000.00. Report 2026-02 (due 03-10) delivered 03-13: 3 days late,
    # 120000 x 0.05 % x 3 = 180.00. A 1-year extension in force 2026-06-01 makes A = 240000.00 from then on; the
    # February penalty stays 180.00 (A on 03-11), while report 2026-06 (due 07-10) delivered 07-12 is 2 days late on
    # the new amount: 240000 x 0.05 % x 2 = 240.00.
    office = Office()
    cid = office.activate(D("2026-01-31"), template=CS, term_years=1)
    deliver(office, cid, "monthly_report", "2026-02", D("2026-03-13"), recorded=D("2026-03-13"))
    office.amend(cid, D("2026-06-01"), extend_years=1)
    deliver(office, cid, "monthly_report", "2026-06", D("2026-07-12"), recorded=D("2026-07-12"))
    feb = period(office, cid, "monthly_report", "2026-02", D("2026-08-01"))
    jun = period(office, cid, "monthly_report", "2026-06", D("2026-08-01"))
    assert (feb["days_late"], feb["penalty"]["amount"]) == (3, "180.00")
    assert (jun["days_late"], jun["penalty"]["amount"]) == (2, "240.00")
    # and the extension lengthened the periods: the last monthly report is now 2028-01 (01-01..01-30)
    assert table(office, cid, D("2028-03-01"))["monthly_report"][-1] == (
        "2028-01", "2028-01-01", "2028-01-30", "2028-02-09"
    )  # fmt: skip


def test_a_delivery_is_dated_from_its_periods_first_day_to_today() -> None:
    # Period 2024-02 runs 02-01..02-29. delivered_on 2024-01-31 (the day before) is refused naming delivered_on;
    # 2024-02-01 is accepted. Today being 2024-03-01 10:00 in Shanghai, 2024-03-02 is refused (the future).
    office = Office()
    cid = office.activate(D("2024-01-31"), template=CS, term_years=1)
    for bad in ("2024-01-31", "2024-03-02"):
        with pytest.raises(ValidationError) as refused:
            deliver(office, cid, "monthly_report", "2024-02", D(bad), recorded=D("2024-03-01"))
        assert refused.value.field == "delivered_on"
    deliver(office, cid, "monthly_report", "2024-02", D("2024-02-01"), recorded=D("2024-03-01"))
    assert period(office, cid, "monthly_report", "2024-02", D("2024-03-01"))["status"] == "delivered"
