"""Held-out-style date scenarios: contract years, invoices, renewal reminders, expiry, termination notices and
supplementary agreements, on dates the seeds never use (29 Feb, 31 Jan, 30 Apr, 31 Dec), terms of 1, 2 and 5
years, payment_due_days 0, 1 and 45 and notice periods other than 30 days.

Every expected date and figure is worked out by hand from docs/domain-rules.md in the comment beside it:
"Dates and contract years", "Invoices", "Overdue invoices and late penalties", "Termination notices",
"Supplementary agreements". Nothing here is copied from the code's output."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.errors import IllegalTransition, ValidationError
from tests.unit.conftest import Office, shanghai, utc

D = date.fromisoformat
FEE = Decimal("120000.00")


def rows(office: Office, cid: str) -> list[tuple[int, str, str, str, Decimal]]:
    """(year, issue date, due date, period end, amount) of each invoice."""
    return [
        (i.year, i.issue_on.isoformat(), i.due_on.isoformat(), i.period_end.isoformat(), i.amount)
        for i in office.invoices(cid)
    ]


def days(first: str, last: str) -> list[date]:
    start, end = D(first), D(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# ---- contract years and invoices ----------------------------------------------------------------------------
def test_leap_day_contract_of_two_years_due_the_same_day(office: Office) -> None:
    # Given a 2-year contract in force from 2024-02-29 with payment_due_days 0.
    #   Year 1 starts 2024-02-29; year 2 starts add_years(2024-02-29, 1) = 2025-02-28 (no 29 Feb in 2025).
    #   Year 1 ends the day before year 2: 2025-02-27. The term ends the day before add_years(.., 2) =
    #   2026-02-28, i.e. 2026-02-27, which is also year 2's last day. Due = issue + 0 days = the issue date.
    cid = office.activate(D("2024-02-29"), term_years=2, payment_due_days=0)
    assert office.contract(cid).end_date == D("2026-02-27")
    # When the job runs on the day before year 2 and on its first day
    assert office.run_invoicing(D("2025-02-27"))["invoices_issued"] == 1
    assert office.run_invoicing(D("2025-02-28"))["invoices_issued"] == 1
    # Then
    assert rows(office, cid) == [
        (1, "2024-02-29", "2024-02-29", "2025-02-27", FEE),
        (2, "2025-02-28", "2025-02-28", "2026-02-27", FEE),
    ]
    # And the contract expires the day after the term: active on 2026-02-27, expired on 2026-02-28
    office.run_lifecycle(D("2026-02-27"))
    assert office.contract(cid).status == "active"
    assert office.run_lifecycle(D("2026-02-28"))["events"] == {"ContractExpired": 1}
    assert office.contract(cid).closed_on == D("2026-02-28")
    assert office.run_invoicing(D("2026-02-28"))["invoices_issued"] == 0


def test_due_the_same_day_is_overdue_the_next_day(office: Office) -> None:
    # payment_due_days 0: the invoice of 2024-02-29 is due 2024-02-29. On 2024-02-29 it is not overdue
    # (D must be after the due date); on 2024-03-01 it is 1 day overdue. daily_pct 0.05 % of 120000.00 for one
    # day = 60.00.
    cid = office.activate(D("2024-02-29"), term_years=2, payment_due_days=0)
    office.run_invoicing(D("2024-02-29"))
    office.run_overdue(D("2024-02-29"))
    assert office.repo.events("InvoiceOverdue", cid) == []
    office.run_overdue(D("2024-03-01"))
    [overdue] = [e.payload for e in office.repo.events("InvoiceOverdue", cid)]
    assert (overdue["level"], overdue["days_overdue"], overdue["due_date"]) == (1, 1, "2024-02-29")
    assert overdue["penalty_accrued"] == "60.00"


def test_31_january_one_year_due_next_day_with_reminders_and_expiry(office: Office) -> None:
    # Given a 1-year contract effective 2025-01-31, payment_due_days 1.
    #   Term end = add_years(2025-01-31, 1) - 1 day = 2026-01-30. Invoice: issued 2025-01-31, due 2025-02-01.
    #   Renewal reminders 60 and 30 days before the end: 2026-01-30 - 30 = 2025-12-31;
    #   2026-01-30 - 60 = 2025-12-01 (Dec 1 + 30 = Dec 31, + 30 = Jan 30). Expiry on 2026-01-31.
    cid = office.activate(D("2025-01-31"), term_years=1, payment_due_days=1)
    seen: list[tuple[str, str]] = []
    # When both daily jobs run every day from the start to a week after the end
    for day in days("2025-01-31", "2026-02-07"):
        office.run_invoicing(day)
        for event, n in office.run_lifecycle(day)["events"].items():
            seen += [(day.isoformat(), event)] * n
    # Then one invoice, two reminders on their days, then expiry
    assert rows(office, cid) == [(1, "2025-01-31", "2025-02-01", "2026-01-30", FEE)]
    assert seen == [
        ("2025-12-01", "RenewalReminder"),
        ("2025-12-31", "RenewalReminder"),
        ("2026-01-31", "ContractExpired"),
    ]
    reminders = [e.payload for e in office.repo.events("RenewalReminder", cid)]
    assert [(r["days_before_end"], r["end_date"]) for r in reminders] == [(60, "2026-01-30"), (30, "2026-01-30")]


def test_30_april_five_years_due_after_45_days_caught_up_on_the_last_day(office: Office) -> None:
    # Given a 5-year contract effective 2026-04-30, due 45 days after issue: 30 Apr + 31 days = 31 May,
    # + 14 = 14 Jun. Years start on 30 Apr of 2026..2030; the term ends 2031-04-29; amount 5 x 120000.00.
    cid = office.activate(D("2026-04-30"), term_years=5, payment_due_days=45)
    assert office.contract(cid).contract_amount == Decimal("600000.00")
    # When the job first runs on the last day of the term
    assert office.run_invoicing(D("2031-04-29"))["invoices_issued"] == 5
    # Then every year is issued on its own first day and due 45 days later
    assert rows(office, cid) == [
        (k, f"{y}-04-30", f"{y}-06-14", f"{y + 1}-04-29", FEE) for k, y in enumerate(range(2026, 2031), start=1)
    ]
    assert office.run_invoicing(D("2031-04-30"))["invoices_issued"] == 0


def test_45_days_due_across_the_new_year_and_penalty_levels(office: Office) -> None:
    # Effective 2026-11-17, due 45 days later: Nov 17 + 13 = Nov 30, + 31 = Dec 31, + 1 = 2027-01-01.
    # On 2027-01-02 it is 1 day overdue (level 1, 0.05 % x 120000.00 x 1 = 60.00); on 2027-01-16 15 days
    # (level 15, 60.00 x 15 = 900.00).
    cid = office.activate(D("2026-11-17"), payment_due_days=45)
    office.run_invoicing(D("2026-11-17"))
    assert rows(office, cid)[0][:3] == (1, "2026-11-17", "2027-01-01")
    for day in days("2026-12-30", "2027-01-16"):
        office.run_overdue(day)
    alerts = [
        (e.payload["as_of"], e.payload["level"], e.payload["penalty_accrued"])
        for e in office.repo.events("InvoiceOverdue", cid)
    ]
    assert alerts == [("2027-01-02", 1, "60.00"), ("2027-01-16", 15, "900.00")]


def test_31_december_daily_runs_across_the_year_boundary_issue_each_year_once_on_its_day(office: Office) -> None:
    # Given a 2-year contract effective 2026-12-31 (due 30 days: 2027-01-30 and 2028-01-30; term end 2028-12-30)
    cid = office.activate(D("2026-12-31"), term_years=2)
    issued_on: list[str] = []
    # When the invoicing job runs every day from the effective date to 2029-01-02
    for day in days("2026-12-31", "2029-01-02"):
        issued_on += [day.isoformat()] * office.run_invoicing(day)["invoices_issued"]
    # Then exactly two invoices, each by the run of its year's first day
    assert issued_on == ["2026-12-31", "2027-12-31"]
    assert rows(office, cid) == [
        (1, "2026-12-31", "2027-01-30", "2027-12-30", FEE),
        (2, "2027-12-31", "2028-01-30", "2028-12-30", FEE),
    ]
    assert len(office.repo.events("InvoiceIssued", cid)) == 2


def test_a_skipped_run_on_the_first_day_is_caught_up_the_next_day_dated_on_the_first_day(office: Office) -> None:
    # The run of 2027-12-31 (year 2's first day) never happens; the run of 2028-01-01 issues year 2 dated
    # 2027-12-31 and due 30 days after that date (2028-01-30), not after the run's date.
    cid = office.activate(D("2026-12-31"), term_years=2)
    office.run_invoicing(D("2026-12-31"))
    assert office.run_invoicing(D("2027-12-30"))["invoices_issued"] == 0
    assert office.run_invoicing(D("2028-01-01"))["invoices_issued"] == 1
    assert rows(office, cid)[-1] == (2, "2027-12-31", "2028-01-30", "2028-12-30", FEE)
    assert office.run_invoicing(D("2028-01-02"))["invoices_issued"] == 0


def test_a_skipped_lifecycle_day_still_expires_and_sends_only_the_nearest_reminder(office: Office) -> None:
    # Effective 2026-12-31, 2 years: end 2028-12-30. Reminders: 2028-12-30 - 30 = 2028-11-30,
    # - 60 = 2028-10-31 (Oct 31 + 30 = Nov 30, + 30 = Dec 30). A run first on 2028-12-01 finds both due: it sends
    # the nearest (30 days) and marks the 60-day one. The 2028-12-31 run (expiry day) is skipped; the
    # 2029-01-01 run expires the contract, closed as of 2028-12-31 (the day after the term).
    cid = office.activate(D("2026-12-31"), term_years=2)
    assert office.run_lifecycle(D("2028-10-30"))["events"] == {}
    assert office.run_lifecycle(D("2028-12-01"))["events"] == {"RenewalReminder": 1}
    assert office.repo.events("RenewalReminder", cid)[0].payload["days_before_end"] == 30
    assert office.run_lifecycle(D("2028-12-30"))["events"] == {}
    assert office.run_lifecycle(D("2029-01-01"))["events"] == {"ContractExpired": 1}
    contract = office.contract(cid)
    assert (contract.status, contract.closed_on) == ("expired", D("2028-12-31"))


# ---- signing near midnight: the Shanghai day counts ----------------------------------------------------------
@pytest.mark.parametrize(
    ("signed_at", "effective", "end"),
    [
        # 17:30 UTC on 31 March is 01:30 on 1 April in Shanghai (UTC+8): the contract is in force from 1 April,
        # and a 1-year term ends 2027-03-31.
        ("2026-03-31T17:30:00Z", "2026-04-01", "2027-03-31"),
        # 15:59:59 UTC is 23:59:59 on 31 March in Shanghai: still 31 March; the term ends 2027-03-30.
        ("2026-03-31T15:59:59Z", "2026-03-31", "2027-03-30"),
        # 16:00:00 UTC on 28 Feb 2028 is midnight starting 29 Feb in Shanghai; one year ends 2029-02-27.
        ("2028-02-28T16:00:00Z", "2028-02-29", "2029-02-27"),
    ],
)
def test_the_second_signature_dates_the_contract_in_shanghai(
    office: Office, signed_at: str, effective: str, end: str
) -> None:
    office.at(utc(signed_at) - timedelta(days=2))
    cid = office.draft(term_years=1)
    tokens = office.send(cid)
    office.sign(tokens["client"])
    office.at(signed_at)
    assert office.sign(tokens["vendor"], "韩梅梅")["effective_date"] == effective
    contract = office.contract(cid)
    assert (contract.effective_date, contract.end_date) == (D(effective), D(end))
    # The invoice comes with the run of the Shanghai effective date, not the UTC one
    assert office.run_invoicing(D(effective) - timedelta(days=1))["invoices_issued"] == 0
    assert office.run_invoicing(D(effective))["invoices_issued"] == 1
    assert rows(office, cid)[0][1] == effective


# ---- termination notices --------------------------------------------------------------------------------------
def test_notice_served_on_the_last_day_that_spares_the_next_years_invoice(office: Office) -> None:
    # Effective 2026-01-31, 3 years, 45 days' notice. Year 2 starts 2027-01-31. A notice stops year 2's invoice
    # when it takes effect on or before that day: notice date + 45 <= 2027-01-31, i.e. served by 2026-12-17
    # (Dec 17 + 14 = Dec 31, + 31 = Jan 31 = 45 days).
    cid = office.activate(D("2026-01-31"), notice_period_days=45)
    office.run_invoicing(D("2026-01-31"))
    notice = office.serve_notice(cid, D("2026-12-17")).notices[0]
    assert notice.effective_date == D("2027-01-31")
    office.run_invoicing(D("2027-01-31"))
    assert office.run_lifecycle(D("2027-01-31"))["events"] == {"ContractTerminated": 1}
    office.run_invoicing(D("2029-01-31"))
    assert [i.year for i in office.invoices(cid)] == [1]
    assert office.contract(cid).closed_on == D("2027-01-31")


def test_notice_served_one_day_too_late_leaves_that_years_invoice_whole(office: Office) -> None:
    # Served 2026-12-18: takes effect 2027-02-01, a day after year 2 started, so year 2 is invoiced in full
    # (120000.00, issued 2027-01-31, due 2027-03-02: Jan 31 + 28 = Feb 28, + 2 = Mar 2) and stays payable;
    # year 3 (2028-01-31) is never invoiced.
    cid = office.activate(D("2026-01-31"), notice_period_days=45)
    office.run_invoicing(D("2026-01-31"))
    assert office.serve_notice(cid, D("2026-12-18")).notices[0].effective_date == D("2027-02-01")
    assert office.run_invoicing(D("2027-01-31"))["invoices_issued"] == 1
    assert office.run_lifecycle(D("2027-01-31"))["events"] == {}
    assert office.run_lifecycle(D("2027-02-01"))["events"] == {"ContractTerminated": 1}
    office.run_invoicing(D("2029-01-31"))
    assert rows(office, cid)[1] == (2, "2027-01-31", "2027-03-02", "2028-01-30", FEE)
    assert [(i.year, i.status) for i in office.invoices(cid)] == [(1, "open"), (2, "open")]


def test_notice_taking_effect_on_the_last_day_of_the_term_terminates(office: Office) -> None:
    # Effective 2026-04-30, 1 year: the term ends 2027-04-29. 90 days' notice served 2027-01-29 takes effect
    # 2027-04-29 (Jan 29 + 2 = Jan 31, + 28 = Feb 28, + 31 = Mar 31, + 29 = Apr 29): within the term, so the
    # contract is terminated as of 2027-04-29, not expired.
    cid = office.activate(D("2026-04-30"), term_years=1, notice_period_days=90)
    assert office.serve_notice(cid, D("2027-01-29")).notices[0].effective_date == D("2027-04-29")
    assert office.run_lifecycle(D("2027-04-28"))["events"] == {}
    assert office.run_lifecycle(D("2027-04-29"))["events"] == {"ContractTerminated": 1}
    contract = office.contract(cid)
    assert (contract.status, contract.closed_on, contract.notices[0].status) == (
        "terminated",
        D("2027-04-29"),
        "effective",
    )


def test_notice_taking_effect_a_day_after_the_term_lapses_and_the_contract_expires(office: Office) -> None:
    # Served 2027-01-30: takes effect 2027-04-30, the day after the term ends. The contract runs to its end and
    # expires on 2027-04-30; the notice never takes effect.
    cid = office.activate(D("2026-04-30"), term_years=1, notice_period_days=90)
    assert office.serve_notice(cid, D("2027-01-30")).notices[0].effective_date == D("2027-04-30")
    assert office.run_lifecycle(D("2027-04-29"))["events"] == {}
    assert office.run_lifecycle(D("2027-04-30"))["events"] == {"ContractExpired": 1}
    contract = office.contract(cid)
    assert (contract.status, contract.closed_on) == ("expired", D("2027-04-30"))
    assert contract.notices[0].status != "effective"
    assert "ContractTerminated" not in office.event_types(cid)


def test_a_notice_may_be_dated_on_the_effective_date_but_not_the_day_before(office: Office) -> None:
    # 7 days' notice dated on the effective date 2024-02-29 takes effect 2024-03-07 (29 Feb + 7, leap year).
    cid = office.activate(D("2024-02-29"), notice_period_days=7)
    office.at(D("2024-03-01"))
    with pytest.raises(ValidationError) as bad:
        office.serve_notice(cid, D("2024-02-28"))
    assert bad.value.field == "notice_date"
    assert office.contract(cid).status == "active"
    assert office.serve_notice(cid, D("2024-02-29")).notices[0].effective_date == D("2024-03-07")


def test_a_notice_cannot_be_dated_tomorrow(office: Office) -> None:
    cid = office.activate(D("2026-04-30"))
    office.at(shanghai(D("2026-06-01"), 23, 59))
    from chalicelib.api import requests as rq
    from chalicelib.services import lifecycle
    from tests.factories import command
    from tests.unit.conftest import OPERATOR

    body = {"by": "vendor", "reason_code": "convenience", "details": "x", "notice_date": "2026-06-02"}
    with pytest.raises(ValidationError) as bad:
        lifecycle.serve_notice(office.deps, cid, command(rq.ServeNoticeRequest, body), OPERATOR)
    assert bad.value.field == "notice_date"
    assert office.contract(cid).notices == []


def test_a_withdrawal_on_the_last_day_before_effect_and_one_day_too_late(office: Office) -> None:
    # 10 days' notice served 2027-12-25 takes effect 2028-01-04. Withdrawn on 2028-01-03 (the last day before)
    # it is withdrawn; a second notice served 2028-01-05 takes effect 2028-01-15 and on that day is past
    # withdrawing.
    from chalicelib.api import requests as rq
    from chalicelib.services import lifecycle
    from tests.factories import command
    from tests.unit.conftest import OPERATOR

    def withdraw(on: date) -> None:
        office.at(on)
        body = {"reason": "协商继续", "agreed_by": ["client", "vendor"], "withdrawn_on": on.isoformat()}
        lifecycle.withdraw_notice(office.deps, cid, command(rq.WithdrawNoticeRequest, body), OPERATOR)

    cid = office.activate(D("2026-12-31"), notice_period_days=10)
    assert office.serve_notice(cid, D("2027-12-25")).notices[0].effective_date == D("2028-01-04")
    withdraw(D("2028-01-03"))
    assert office.contract(cid).status == "active"
    assert office.serve_notice(cid, D("2028-01-05")).notices[1].effective_date == D("2028-01-15")
    with pytest.raises(IllegalTransition):
        withdraw(D("2028-01-15"))
    assert office.contract(cid).notices[1].status == "served"
    assert office.run_lifecycle(D("2028-01-15"))["events"] == {"ContractTerminated": 1}


# ---- supplementary agreements ---------------------------------------------------------------------------------
def test_agreement_in_force_on_a_years_first_day_governs_that_year_even_if_invoiced_that_morning(
    office: Office,
) -> None:
    # Effective 2026-01-31, 3 years. Year 2 starts 2027-01-31 and is invoiced by the 01:00 run that day at
    # 120000.00. The agreement raising the fee to 150000.00 is signed later that day: it is in force on year 2's
    # first day, so year 2 is revised to 150000.00 (due stays 2027-03-02: the later of the original due date and
    # 2027-01-31 + 30 days, the same day) and year 3 is 150000.00.
    # Contract amount = 120000 + 150000 + 150000 = 420000.00.
    cid = office.activate(D("2026-01-31"))
    office.run_invoicing(D("2026-01-31"))
    office.run_invoicing(D("2027-01-31"))
    office.amend(cid, D("2027-01-31"), annual_fee="150000.00")
    office.run_invoicing(D("2028-01-31"))
    assert [(k, a) for k, _, _, _, a in rows(office, cid)] == [
        (1, FEE),
        (2, Decimal("150000.00")),
        (3, Decimal("150000.00")),
    ]
    assert office.invoices(cid)[1].due_on == D("2027-03-02")
    revised = [e.payload for e in office.repo.events("InvoiceRevised", cid)]
    assert [(r["year"], r["previous_amount"], r["amount"]) for r in revised] == [(2, "120000.00", "150000.00")]
    assert office.contract(cid).contract_amount == Decimal("420000.00")


def test_agreement_in_force_mid_year_leaves_the_current_year_alone(office: Office) -> None:
    # Signed 2027-02-01, the second day of year 2: year 2 keeps 120000.00 and is not revised; year 3 (from
    # 2028-01-31) is 150000.00. Contract amount = 120000 x 2 + 150000 = 390000.00.
    cid = office.activate(D("2026-01-31"))
    office.run_invoicing(D("2027-01-31"))
    office.amend(cid, D("2027-02-01"), annual_fee="150000.00")
    office.run_invoicing(D("2028-01-31"))
    assert [a for *_, a in rows(office, cid)] == [FEE, FEE, Decimal("150000.00")]
    assert office.repo.events("InvoiceRevised", cid) == []
    assert office.contract(cid).contract_amount == Decimal("390000.00")


def test_agreement_changing_due_days_and_notice_period_applies_from_its_day(office: Office) -> None:
    # Effective 2026-04-30, 3 years, due 30 days, 30 days' notice. Agreement in force 2026-10-10:
    # payment_due_days 0, notice_period_days 10. Year 1 (issued 2026-04-30) keeps its due date 2026-05-30;
    # year 2 (2027-04-30) is due the same day. A notice served 2027-05-01 takes effect 2027-05-11.
    cid = office.activate(D("2026-04-30"))
    office.run_invoicing(D("2026-04-30"))
    office.amend(cid, D("2026-10-10"), payment_due_days=0, notice_period_days=10)
    office.run_invoicing(D("2027-04-30"))
    assert [(k, issue, due) for k, issue, due, _, _ in rows(office, cid)] == [
        (1, "2026-04-30", "2026-05-30"),
        (2, "2027-04-30", "2027-04-30"),
    ]
    assert office.serve_notice(cid, D("2027-05-01")).notices[0].effective_date == D("2027-05-11")


def test_extending_a_leap_day_one_year_contract(office: Office) -> None:
    # Effective 2024-02-29, 1 year: ends 2025-02-27. Extended by 1 year on 2024-06-01: ends the day before
    # add_years(2024-02-29, 2) = 2026-02-28, i.e. 2026-02-27; year 2 starts 2025-02-28 (due 2025-03-30).
    # Reminders re-armed for the new end: 60 days before = 2025-12-29 (Feb 27 - 27 = Jan 31, - 31 = Dec 31,
    # - 2 = Dec 29), 30 days before = 2026-01-28. Expiry on 2026-02-28.
    cid = office.activate(D("2024-02-29"), term_years=1)
    office.amend(cid, D("2024-06-01"), extend_years=1)
    assert office.contract(cid).end_date == D("2026-02-27")
    seen: list[tuple[str, str]] = []
    for day in days("2024-06-02", "2026-03-02"):
        office.run_invoicing(day)
        for event, n in office.run_lifecycle(day)["events"].items():
            seen += [(day.isoformat(), event)] * n
    assert rows(office, cid) == [
        (1, "2024-02-29", "2024-03-30", "2025-02-27", FEE),
        (2, "2025-02-28", "2025-03-30", "2026-02-27", FEE),
    ]
    assert seen == [
        ("2025-12-29", "RenewalReminder"),
        ("2026-01-28", "RenewalReminder"),
        ("2026-02-28", "ContractExpired"),
    ]


# ---- signing reminders and link expiry near midnight ------------------------------------------------------------
def test_signing_reminders_and_expiry_count_shanghai_days_from_a_link_sent_after_utc_midnight(office: Office) -> None:
    # Links emailed at 2026-03-31T17:30Z = 01:30 on 1 April in Shanghai; they expire 14 days later, at 01:30 on
    # 15 April (Shanghai). Reminders every 3 days from the day issued (1 April): 4, 7 and 10 April (at most 3;
    # 13 April would be a 4th). The operator is told of each expired link on the day after the expiry day: 16 April.
    office.at("2026-03-31T17:30:00Z")
    cid = office.draft()
    office.send(cid)
    seen: list[tuple[str, str]] = []
    for day in days("2026-04-01", "2026-04-20"):
        for event, n in office.run_lifecycle(day)["events"].items():
            seen += [(day.isoformat(), event)] * n
    assert seen == [
        ("2026-04-04", "SigningReminder"),
        ("2026-04-04", "SigningReminder"),
        ("2026-04-07", "SigningReminder"),
        ("2026-04-07", "SigningReminder"),
        ("2026-04-10", "SigningReminder"),
        ("2026-04-10", "SigningReminder"),
        ("2026-04-16", "SigningLinkExpired"),
        ("2026-04-16", "SigningLinkExpired"),
    ]


def test_a_link_works_until_the_instant_it_expires(office: Office) -> None:
    # Sent 2026-03-31T17:30Z, valid 14 days: until 2026-04-14T17:30Z. The client signs a minute before (01:29 on
    # 15 April in Shanghai); the vendor a minute after is refused as expired. Nothing is in force.
    from chalicelib.domain.errors import TokenRejected

    office.at("2026-03-31T17:30:00Z")
    cid = office.draft()
    tokens = office.send(cid)
    office.at("2026-04-14T17:29:00Z")
    office.sign(tokens["client"])
    office.at("2026-04-14T17:31:00Z")
    with pytest.raises(TokenRejected):
        office.sign(tokens["vendor"], "韩梅梅")
    assert office.contract(cid).status == "awaiting_signatures"


# ---- backdated notices and re-armed reminders ------------------------------------------------------------------
def test_a_backdated_notice_cancels_the_invoice_of_a_year_starting_on_its_effective_date(office: Office) -> None:
    # Effective 2026-01-31, 45 days' notice. Year 2 (2027-01-31) is invoiced that morning. On 2027-02-03 the
    # operator records a notice served by post on 2026-12-17: it took effect 2026-12-17 + 45 = 2027-01-31, the
    # first day of year 2, so year 2's invoice is cancelled (it was never owed) and year 1's stays.
    cid = office.activate(D("2026-01-31"), notice_period_days=45)
    office.run_invoicing(D("2027-01-31"))
    assert [i.year for i in office.invoices(cid)] == [1, 2]
    office.at(D("2027-02-03"))
    assert office.serve_notice(cid, D("2026-12-17")).notices[0].effective_date == D("2027-01-31")
    assert [(i.year, i.status) for i in office.invoices(cid)] == [(1, "open"), (2, "cancelled")]
    assert office.run_lifecycle(D("2027-02-03"))["events"] == {"ContractTerminated": 1}
    assert office.contract(cid).closed_on == D("2027-01-31")
    assert office.run_invoicing(D("2028-02-01"))["invoices_issued"] == 0


def test_an_extension_after_the_60_day_reminder_rearms_both_for_the_new_end(office: Office) -> None:
    # Effective 2026-04-30, 1 year: ends 2027-04-29. 60 days before: 2027-02-28 (Apr 29 - 29 = Mar 31, - 31 =
    # Feb 28). After that reminder, a 1-year extension in force 2027-03-10 moves the end to 2028-04-29; the
    # reminders fall due again 60 days before it, 2028-02-29 (leap year: Apr 29 - 29 = Mar 31, - 31 = Feb 29), and
    # 30 days before, 2028-03-30. Nothing on 2027-03-30 (30 days before the old end). Year 2 invoiced 2027-04-30.
    cid = office.activate(D("2026-04-30"), term_years=1)
    seen: list[tuple[str, str]] = []

    def run(first: str, last: str) -> None:
        for day in days(first, last):
            office.run_invoicing(day)
            for event, n in office.run_lifecycle(day)["events"].items():
                seen.extend([(day.isoformat(), event)] * n)

    run("2027-02-01", "2027-03-09")
    office.amend(cid, D("2027-03-10"), extend_years=1)
    run("2027-03-10", "2028-05-01")
    assert seen == [
        ("2027-02-28", "RenewalReminder"),
        ("2028-02-29", "RenewalReminder"),
        ("2028-03-30", "RenewalReminder"),
        ("2028-04-30", "ContractExpired"),
    ]
    assert [(i.year, i.issue_on.isoformat()) for i in office.invoices(cid)] == [(1, "2026-04-30"), (2, "2027-04-30")]


@pytest.mark.parametrize("invoiced_first", [True, False])
@pytest.mark.parametrize("fee", [None, "150000.00"])
def test_an_agreement_on_a_years_first_day_sets_that_years_due_days_in_either_recording_order(
    office: Office, invoiced_first: bool, fee: str | None
) -> None:
    # Effective 2026-01-31, due 30 days. An agreement in force on 2027-01-31 (year 2's first day) sets
    # payment_due_days 45 (and perhaps the fee). The terms in force on that day govern year 2: it is due
    # 2027-01-31 + 45 = 2027-03-17 (Jan 31 + 28 = Feb 28, + 17 = Mar 17), whether the invoicing run came before the
    # signatures that day or after them ("governs that year even if the year was invoiced earlier that day";
    # a revision's due date is the later of the original 2027-03-02 and 2027-01-31 + 45).
    amount = Decimal(fee) if fee else FEE
    changes = {"payment_due_days": 45, **({"annual_fee": fee} if fee else {})}
    cid = office.activate(D("2026-01-31"))
    office.run_invoicing(D("2026-01-31"))
    if invoiced_first:
        office.run_invoicing(D("2027-01-31"))
    office.amend(cid, D("2027-01-31"), **changes)
    office.run_invoicing(D("2027-01-31"))
    assert rows(office, cid)[1] == (2, "2027-01-31", "2027-03-17", "2028-01-30", amount)
    # Overdue only after 03-17: 1 day on 03-18 at 0.05 % of the year's fee (120000.00 -> 60.00, 150000.00 -> 75.00)
    office.run_overdue(D("2027-03-03"))
    assert [e.payload["year"] for e in office.repo.events("InvoiceOverdue", cid)] == [1]  # year 1 (due 2026-03-02)
    office.run_overdue(D("2027-03-18"))
    year2 = [e.payload for e in office.repo.events("InvoiceOverdue", cid) if e.payload["year"] == 2]
    assert [(a["days_overdue"], a["penalty_accrued"]) for a in year2] == [(1, "75.00" if fee else "60.00")]
    # Year 3 is issued under the agreement from the start: due 2028-01-31 + 45 = 2028-03-16 (2028 is a leap year)
    office.run_invoicing(D("2028-01-31"))
    assert rows(office, cid)[2][:3] == (3, "2028-01-31", "2028-03-16")


def test_a_notice_recorded_late_keeps_the_notice_period_in_force_on_its_notice_date(office: Office) -> None:
    # Effective 2026-01-31, 30 days' notice. An agreement in force 2026-06-01 shortens it to 10 days. On 2026-06-05
    # the operator records a notice served by post on 2026-05-25, under the terms then in force (30 days): it takes
    # effect 2026-05-25 + 30 = 2026-06-24 (May 25 + 6 = May 31, + 24 = Jun 24), not 2026-06-04. A notice served
    # on 2026-06-05 itself has the new 10 days: 2026-06-15.
    cid = office.activate(D("2026-01-31"))
    office.amend(cid, D("2026-06-01"), notice_period_days=10)
    office.at(D("2026-06-05"))
    notice = office.serve_notice(cid, D("2026-05-25")).notices[0]
    assert notice.effective_date == D("2026-06-24")
    assert office.run_lifecycle(D("2026-06-05"))["events"] == {}
    html = office.repo.get_document(cid, "notice:1").html
    assert "2026年6月24日" in html and "2026年6月4日" not in html
    assert office.run_lifecycle(D("2026-06-24"))["events"] == {"ContractTerminated": 1}
    other = Office()
    cid = other.activate(D("2026-01-31"))
    other.amend(cid, D("2026-06-01"), notice_period_days=10)
    assert other.serve_notice(cid, D("2026-06-05")).notices[0].effective_date == D("2026-06-15")


# ---- overdue days across 29 February, aging buckets ------------------------------------------------------------
def test_days_overdue_count_29_february(office: Office) -> None:
    # Effective 2028-01-29, due 30 days later: Jan 29 + 2 = Jan 31, + 28 = Feb 28. On 2028-03-01 it is 2 days
    # overdue (29 Feb and 1 Mar): 120000.00 x 0.05 % x 2 = 120.00. Level 15 is reached 15 days after the due date:
    # Feb 28 + 1 = Feb 29, + 15 = Mar 14 (120000.00 x 0.05 % x 15 = 900.00).
    cid = office.activate(D("2028-01-29"))
    office.run_invoicing(D("2028-01-29"))
    assert rows(office, cid)[0][2] == "2028-02-28"
    for day in days("2028-02-28", "2028-03-14"):
        office.run_overdue(day)
    alerts = [e.payload for e in office.repo.events("InvoiceOverdue", cid)]
    assert [(a["as_of"], a["days_overdue"], a["level"], a["penalty_accrued"]) for a in alerts] == [
        ("2028-02-29", 1, 1, "60.00"),
        ("2028-03-14", 15, 15, "900.00"),
    ]
    from chalicelib.services import ledger as ledgers

    book = office.repo.load_ledger(cid)
    assert ledgers.view(book, D("2028-03-01")).fees[1].penalty_accrued == Decimal("120.00")


@pytest.mark.parametrize(
    ("as_of", "bucket"),
    [
        # Effective 2026-12-31, due 2027-01-30. 2027-03-01 is 30 days after it (Jan 30 + 1 = Jan 31, + 28 = Feb 28,
        # + 1 = Mar 1): still "0-30"; 2027-03-02 is 31 days: "31-60"; 2027-03-31 is 60; 2027-04-01 is 61.
        ("2027-01-30", None),
        ("2027-01-31", "0-30"),
        ("2027-03-01", "0-30"),
        ("2027-03-02", "31-60"),
        ("2027-03-31", "31-60"),
        ("2027-04-01", "61-90"),
        ("2027-04-30", "61-90"),
        ("2027-05-01", "90+"),
    ],
)
def test_aging_buckets_count_days_from_the_due_date(office: Office, as_of: str, bucket: str | None) -> None:
    from chalicelib.services.receivables import receivables

    cid = office.activate(D("2026-12-31"))
    office.run_invoicing(D("2026-12-31"))
    [row] = [r for r in receivables(office.deps, D(as_of))["contracts"] if r["contract_id"] == cid]
    amounts = {b: row[b] for b in ("0-30", "31-60", "61-90", "90+")}
    assert amounts == {b: "120000.00" if b == bucket else "0.00" for b in amounts}
    assert row["not_yet_due"] == ("120000.00" if bucket is None else "0.00")


def test_renewal_reminders_on_configured_days_across_new_year(monkeypatch: pytest.MonkeyPatch) -> None:
    # HETONG_RENEWAL_REMINDER_DAYS=7,1. Effective 2026-01-01 for 1 year: the term ends 2026-12-31. Reminders on
    # 2026-12-24 (7 days before) and 2026-12-30 (1 day before); expiry on 2027-01-01.
    monkeypatch.setenv("HETONG_RENEWAL_REMINDER_DAYS", "7,1")
    office = Office()
    cid = office.activate(D("2026-01-01"), term_years=1)
    for day in days("2026-12-01", "2027-01-03"):
        office.run_lifecycle(day)
    seen = [(e.payload["end_date"], e.payload["days_before_end"]) for e in office.repo.events("RenewalReminder", cid)]
    assert seen == [("2026-12-31", 7), ("2026-12-31", 1)]
    days_told = [
        e.type for e in office.repo.events(contract_id=cid) if e.type in ("RenewalReminder", "ContractExpired")
    ]
    assert days_told == ["RenewalReminder", "RenewalReminder", "ContractExpired"]
    assert office.contract(cid).closed_on == D("2027-01-01")
