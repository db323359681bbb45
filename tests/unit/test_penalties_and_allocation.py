"""Late penalties (逾期违约金) and payment allocation exactly as docs/domain-rules.md defines them, hand-computed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.errors import Conflict
from chalicelib.domain.invoice import Allocation, aging_bucket, allocate_payment, contract_penalty, daily_penalty
from tests.fakes import active_contract, issue_invoice

D = date.fromisoformat
M = Decimal
DUE = D("2026-12-22")


def day(n: int) -> date:
    """n days after the due date."""
    return DUE + timedelta(days=n)


def test_daily_pct_with_no_payment_is_amount_times_rate_times_days() -> None:
    # 120000.00 × 0.05 % × 40 days
    assert daily_penalty(M("120000.00"), DUE, [], M("0.05"), day(40), None) == M("2400.00")


def test_nothing_accrues_on_or_before_the_due_date() -> None:
    assert daily_penalty(M("120000.00"), DUE, [], M("0.05"), DUE, None) == M("0.00")
    assert daily_penalty(M("120000.00"), DUE, [], M("0.05"), day(1), None) == M("60.00")


def test_a_partial_payment_after_the_due_date_stops_accrual_on_what_it_paid() -> None:
    # Given 60000.00 of 120000.00 paid on day 10 after the due date
    paid = [Allocation("V-1", day(10), M("60000.00"))]
    # Then days 1–10 accrue on 120000.00 and days 11–40 on 60000.00:
    # (120000 × 10 + 60000 × 30) × 0.05 / 100 = (1200000 + 1800000) × 0.0005 = 1500.00
    assert daily_penalty(M("120000.00"), DUE, paid, M("0.05"), day(40), None) == M("1500.00")


def test_a_payment_before_the_due_date_reduces_the_overdue_amount() -> None:
    paid = [Allocation("V-1", DUE, M("100000.00"))]
    # 20000 × 0.05 % × 40 = 400.00
    assert daily_penalty(M("120000.00"), DUE, paid, M("0.05"), day(40), None) == M("400.00")


def test_paying_in_full_on_day_n_costs_n_days() -> None:
    paid = [Allocation("V-1", day(7), M("120000.00"))]
    assert daily_penalty(M("120000.00"), DUE, paid, M("0.05"), day(90), None) == M("420.00")


def test_a_payment_after_as_of_is_not_counted_yet() -> None:
    paid = [Allocation("V-1", day(50), M("120000.00"))]
    assert daily_penalty(M("120000.00"), DUE, paid, M("0.05"), day(40), None) == M("2400.00")


def test_the_cap_limits_the_daily_penalty_to_a_share_of_the_overdue_amount() -> None:
    # 2400.00 uncapped; a 1 % cap of 120000.00 is 1200.00
    assert daily_penalty(M("120000.00"), DUE, [], M("0.05"), day(40), M("1")) == M("1200.00")
    # and a cap above the accrual changes nothing
    assert daily_penalty(M("120000.00"), DUE, [], M("0.05"), day(40), M("5")) == M("2400.00")


def test_daily_penalty_rounds_half_up_to_cents() -> None:
    # 333.33 × 0.05 % × 3 = 0.499995 → 0.50
    assert daily_penalty(M("333.33"), DUE, [], M("0.05"), day(3), None) == M("0.50")


def test_contract_pct_is_the_contract_amount_times_the_rate() -> None:
    # 360000.00 × 5 % = 18000.00, whatever the overdue amount
    assert contract_penalty(M("360000.00"), M("120000.00"), M("5"), None) == M("18000.00")
    # capped at 10 % of the overdue 120000.00
    assert contract_penalty(M("360000.00"), M("120000.00"), M("5"), M("10")) == M("12000.00")


def test_contract_pct_is_assessed_once_per_invoice() -> None:
    contract = active_contract(late_penalty={"mode": "contract_pct", "rate_pct": "5", "cap_pct": None})
    invoice = issue_invoice(contract, 1)
    first = invoice.assess_penalty(day(1), contract.contract_amount)
    assert first is not None and (first.total, first.delta) == (M("18000.00"), M("18000.00"))
    assert invoice.assess_penalty(day(40), contract.contract_amount) is None
    assert invoice.accrued_penalty(day(90), contract.contract_amount) == M("18000.00")
    assert invoice.penalty_assessed == M("18000.00")


def test_daily_assessments_record_only_the_new_part() -> None:
    invoice = issue_invoice(active_contract(), 1)
    assert invoice.due_on == DUE
    first = invoice.assess_penalty(day(15), M("360000.00"))
    second = invoice.assess_penalty(day(40), M("360000.00"))
    assert first is not None and second is not None
    assert (first.total, second.total, second.delta) == (M("900.00"), M("2400.00"), M("1500.00"))
    assert invoice.assess_penalty(day(40), M("360000.00")) is None


def test_a_paid_invoice_stops_accruing_on_its_last_payment_date() -> None:
    invoice = issue_invoice(active_contract(), 1)
    invoice.allocate(M("120000.00"), "V-1", day(10))
    assert invoice.accrued_penalty(day(400), M("360000.00")) == M("600.00")


# ---- allocation -----------------------------------------------------------------------------------------
def test_a_payment_goes_to_the_oldest_open_invoice_first() -> None:
    contract = active_contract()
    year1, year2, year3 = (issue_invoice(contract, k) for k in (1, 2, 3))
    year1.allocate(M("20000.00"), "V-0", D("2026-12-01"))

    applied = allocate_payment([year3, year2, year1], M("150000.00"), "V-1", D("2027-12-01"))

    assert [(i.year, part) for i, part in applied] == [(1, M("100000.00")), (2, M("50000.00"))]
    assert [(i.status, i.outstanding) for i in (year1, year2, year3)] == [
        ("paid", M("0.00")),
        ("partially_paid", M("70000.00")),
        ("open", M("120000.00")),
    ]


def test_an_overpayment_is_refused_naming_the_amount_and_changes_nothing() -> None:
    contract = active_contract()
    year1 = issue_invoice(contract, 1)
    with pytest.raises(Conflict) as refused:
        allocate_payment([year1], M("120000.01"), "V-1", D("2026-12-01"))
    assert refused.value.field == "amount"
    assert (year1.status, year1.allocations) == ("open", [])


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, "0-30"), (30, "0-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "90+")],
)
def test_aging_buckets(days: int, bucket: str) -> None:
    assert aging_bucket(days) == bucket
