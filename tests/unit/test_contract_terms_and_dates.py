"""The calendar and terms rules as a contract applies them: contract years, end of term, 29 February, due dates,
the terms in force on a day, the contract amount; and terms parsing that names the offending dotted field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.contract import TermsVersion
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.terms import Party, Terms
from tests.factories import contract_body
from tests.fakes import active_contract, draft_contract, issue_invoice, make_terms

D = date.fromisoformat


def test_contract_years_and_term_end_count_from_the_effective_date() -> None:
    contract = active_contract(D("2026-11-22"), term_years=3)
    assert [contract.year_start(k) for k in (1, 2, 3)] == [D("2026-11-22"), D("2027-11-22"), D("2028-11-22")]
    assert contract.end_date == D("2029-11-21")
    assert contract.next_invoice_on() == D("2026-11-22")
    # The first renewal reminder is due 60 days before the end of term
    assert contract.next_lifecycle_on() == D("2029-09-22")


def test_a_draft_has_no_dates_yet() -> None:
    contract = draft_contract()
    assert (contract.effective_date, contract.end_date) == (None, None)
    assert contract.next_invoice_year() is None
    assert contract.next_lifecycle_on() is None


def test_a_contract_effective_on_29_february() -> None:
    contract = active_contract(D("2024-02-29"), term_years=5)
    assert [contract.year_start(k) for k in range(1, 6)] == [
        D("2024-02-29"),
        D("2025-02-28"),
        D("2026-02-28"),
        D("2027-02-28"),
        D("2028-02-29"),  # counted from the effective date, so a leap year gets its 29th back
    ]
    assert contract.end_date == D("2029-02-27")
    year1 = issue_invoice(contract, 1)
    assert (year1.period_start, year1.period_end) == (D("2024-02-29"), D("2025-02-27"))
    year4 = issue_invoice(contract, 4)
    assert (year4.period_start, year4.period_end) == (D("2027-02-28"), D("2028-02-28"))


def test_a_one_year_term_from_29_february_ends_on_27_february() -> None:
    assert active_contract(D("2024-02-29"), term_years=1).end_date == D("2025-02-27")


@pytest.mark.parametrize(
    ("due_days", "issue", "due"),
    [(30, "2026-11-22", "2026-12-22"), (0, "2026-11-22", "2026-11-22"), (45, "2026-11-22", "2027-01-06")],
)
def test_an_invoice_is_due_payment_due_days_after_its_issue_date(due_days: int, issue: str, due: str) -> None:
    invoice = issue_invoice(active_contract(D("2026-11-22"), payment_due_days=due_days), 1)
    assert (invoice.issue_on, invoice.due_on) == (D(issue), D(due))


def test_a_leap_day_due_date() -> None:
    invoice = issue_invoice(active_contract(D("2024-01-30"), payment_due_days=30), 1)
    assert invoice.due_on == D("2024-02-29")


def test_terms_in_force_change_from_the_amendment_date_for_years_starting_on_or_after_it() -> None:
    contract = active_contract(D("2026-11-22"), term_years=3)
    new_terms = make_terms(annual_fee="150000.00")
    contract.terms_versions.append(TermsVersion(2, new_terms, D("2027-11-22"), 1, "2027-11-22T02:00:00Z"))
    assert contract.terms_on(D("2027-11-21")).annual_fee == Decimal("120000.00")
    assert contract.terms_on(D("2027-11-22")).annual_fee == Decimal("150000.00")
    assert [contract.annual_fee_for_year(k) for k in (1, 2, 3)] == [
        Decimal("120000.00"),
        Decimal("150000.00"),
        Decimal("150000.00"),
    ]
    assert contract.contract_amount == Decimal("420000.00")


def test_the_contract_amount_is_the_sum_of_the_annual_fees() -> None:
    assert active_contract(term_years=3).contract_amount == Decimal("360000.00")
    assert active_contract(term_years=2, annual_fee="99999.99").contract_amount == Decimal("199999.98")


# ---- parsing terms and parties ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"annual_fee": "0"}, "terms.annual_fee"),
        ({"annual_fee": "12.345"}, "terms.annual_fee"),
        ({"annual_fee": 1.5}, "terms.annual_fee"),
        ({"term_years": 0}, "terms.term_years"),
        ({"term_years": True}, "terms.term_years"),
        ({"payment_due_days": 366}, "terms.payment_due_days"),
        ({"services": []}, "terms.services"),
        ({"services": ["客户咨询解答", ""]}, "terms.services[1]"),
        ({"late_penalty": {"mode": "weekly", "rate_pct": "1"}}, "terms.late_penalty.mode"),
        ({"late_penalty": {"mode": "daily_pct", "rate_pct": "2"}}, "terms.late_penalty.rate_pct"),
        ({"late_penalty": {"mode": "daily_pct", "rate_pct": "0"}}, "terms.late_penalty.rate_pct"),
        ({"late_penalty": {"mode": "contract_pct", "rate_pct": "5", "cap_pct": "101"}}, "terms.late_penalty.cap_pct"),
        ({"breach_penalty_pct": "abc"}, "terms.breach_penalty_pct"),
        ({"dispute_resolution": {"method": "arbitration"}}, "terms.dispute_resolution.body"),
        ({"service_standards": {"connect_rate_min_pct": "95"}}, "terms.service_standards.satisfaction_min_pct"),
        ({"signing_place": "  "}, "terms.signing_place"),
    ],
)
def test_bad_terms_name_the_dotted_field(change: dict[str, Any], field: str) -> None:
    body = contract_body(**change)
    with pytest.raises(ValidationError) as refused:
        Terms.parse(body["terms"], "terms")
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"credit_code": "91110105MA01ABCD10"}, "client.credit_code"),
        ({"email": "not-an-email"}, "client.email"),
        ({"phone": "call me"}, "client.phone"),
        ({"name": None}, "client.name"),
    ],
)
def test_bad_parties_name_the_dotted_field(change: dict[str, Any], field: str) -> None:
    data = {**contract_body()["client"], **change}
    with pytest.raises(ValidationError) as refused:
        Party.parse(data, "client")
    assert refused.value.field == field


def test_terms_round_trip_through_storage() -> None:
    terms = make_terms(late_penalty={"mode": "contract_pct", "rate_pct": "5", "cap_pct": "10"})
    assert Terms.from_dict(terms.to_dict()) == terms
    assert terms.to_dict()["annual_fee"] == "120000.00"


def test_the_last_day_of_the_term_is_still_in_force() -> None:
    contract = active_contract(D("2026-11-22"), term_years=3)
    contract.reminders_sent = [60, 30]
    assert contract.due_lifecycle_events(D("2029-11-21")) == []
    assert contract.status == "active"
    assert [e.type for e in contract.due_lifecycle_events(D("2029-11-22"))] == ["ContractExpired"]
    assert (contract.status, contract.closed_on) == ("expired", D("2029-11-22"))
