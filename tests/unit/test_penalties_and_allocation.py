"""Late penalties (逾期违约金) and payment allocation exactly as docs/domain-rules.md defines them, hand-computed,
on the ledger's replay (chalicelib/domain/ledger.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.ledger import Designation, Fee, Payment, aging_bucket, replay
from chalicelib.domain.terms import LatePenalty

D = date.fromisoformat
M = Decimal
ISSUE = D("2026-11-22")
DUE = D("2026-12-22")
DAILY = LatePenalty("daily_pct", M("0.05"), None)


def day(n: int) -> date:
    """n days after the due date."""
    return DUE + timedelta(days=n)


def fee(year: int = 1, amount: str = "120000.00", clause: LatePenalty = DAILY) -> Fee:
    issue = ISSUE.replace(year=ISSUE.year + year - 1)
    return Fee(year, issue, issue + timedelta(days=30), M(amount), 30, clause)


def pay(voucher: str, on: date, amount: str, seq: int = 1, *applies_to: Designation) -> Payment:
    return Payment(voucher, on, M(amount), seq, "bank_transfer", tuple(applies_to))


def penalty(*facts: object, as_of: date, amount: str = "360000.00") -> Decimal:
    ledger = replay(facts, as_of, lambda _d: M(amount))  # type: ignore[arg-type]
    return ledger.fees[1].penalty_accrued


def test_daily_pct_with_no_payment_is_amount_times_rate_times_days() -> None:
    # 120000.00 × 0.05 % × 40 days
    assert penalty(fee(), as_of=day(40)) == M("2400.00")


def test_nothing_accrues_on_or_before_the_due_date() -> None:
    assert penalty(fee(), as_of=DUE) == M("0.00")
    assert penalty(fee(), as_of=day(1)) == M("60.00")


def test_a_partial_payment_after_the_due_date_stops_accrual_on_what_it_paid() -> None:
    # Given 60000.00 of 120000.00 paid on day 10 after the due date
    # Then days 1–10 accrue on 120000.00 and days 11–40 on 60000.00:
    # (120000 × 10 + 60000 × 30) × 0.05 / 100 = (1200000 + 1800000) × 0.0005 = 1500.00
    assert penalty(fee(), pay("V-1", day(10), "60000.00"), as_of=day(40)) == M("1500.00")


def test_a_payment_before_the_due_date_reduces_the_overdue_amount() -> None:
    # 20000 × 0.05 % × 40 = 400.00
    assert penalty(fee(), pay("V-1", DUE, "100000.00"), as_of=day(40)) == M("400.00")


def test_paying_in_full_on_day_n_costs_n_days() -> None:
    assert penalty(fee(), pay("V-1", day(7), "120000.00"), as_of=day(90)) == M("420.00")


def test_a_payment_after_as_of_is_not_counted_yet() -> None:
    assert penalty(fee(), pay("V-1", day(50), "120000.00"), as_of=day(40)) == M("2400.00")


def test_the_cap_limits_the_daily_penalty_to_a_share_of_the_overdue_amount() -> None:
    # 2400.00 uncapped; a 1 % cap of 120000.00 is 1200.00
    assert penalty(fee(clause=LatePenalty("daily_pct", M("0.05"), M("1"))), as_of=day(40)) == M("1200.00")
    # and a cap above the accrual changes nothing
    assert penalty(fee(clause=LatePenalty("daily_pct", M("0.05"), M("5"))), as_of=day(40)) == M("2400.00")


def test_daily_penalty_rounds_half_up_to_cents_once_at_the_end() -> None:
    # 333.33 × 0.05 % × 3 = 0.499995 → 0.50
    assert penalty(fee(amount="333.33"), as_of=day(3)) == M("0.50")


def test_contract_pct_is_the_contract_amount_times_the_rate_once() -> None:
    once = LatePenalty("contract_pct", M("5"), None)
    # 360000.00 × 5 % = 18000.00, whatever the overdue amount, and it does not grow
    assert penalty(fee(clause=once), as_of=day(1)) == M("18000.00")
    assert penalty(fee(clause=once), as_of=day(90)) == M("18000.00")
    # capped at 10 % of the overdue 120000.00
    capped = LatePenalty("contract_pct", M("5"), M("10"))
    assert penalty(fee(clause=capped), as_of=day(1)) == M("12000.00")
    # nothing when paid by the due date
    assert penalty(fee(clause=once), pay("V-1", DUE, "120000.00"), as_of=day(40)) == M("0.00")


def test_a_paid_invoice_stops_accruing_on_its_last_payment_date() -> None:
    assert penalty(fee(), pay("V-1", day(10), "120000.00"), as_of=day(400)) == M("600.00")


# ---- allocation -----------------------------------------------------------------------------------------
def test_a_payment_goes_to_matured_fees_first_then_by_due_date() -> None:
    facts = [fee(1), fee(2), fee(3), pay("V-0", D("2026-12-01"), "20000.00", 1)]
    facts.append(pay("V-1", D("2027-12-01"), "150000.00", 2))
    ledger = replay(facts, D("2028-12-01"), lambda _d: M("360000.00"))
    assert ledger.placed("payment:V-1") == {(1, "fee"): M("100000.00"), (2, "fee"): M("50000.00")}
    assert [(s.status, s.outstanding) for s in ledger.fees.values()] == [
        ("paid", M("0.00")),
        ("partially_paid", M("70000.00")),
        ("open", M("120000.00")),
    ]


def test_an_overpayment_becomes_credit_and_pays_the_next_fee_on_its_issue_date() -> None:
    ledger = replay([fee(1), fee(2), pay("V-1", D("2026-12-01"), "150000.00")], D("2027-12-01"), lambda _d: M(0))
    assert ledger.placed("payment:V-1") == {(1, "fee"): M("120000.00"), (2, "fee"): M("30000.00")}
    assert ledger.fees[2].outstanding == M("90000.00")
    assert ledger.credit == M("0.00")
    before_year_2 = replay([fee(1), fee(2), pay("V-1", D("2026-12-01"), "150000.00")], D("2027-11-21"), lambda _d: M(0))
    assert before_year_2.credit == M("30000.00")


def test_a_designated_payment_goes_where_the_payer_said() -> None:
    facts = [fee(1), pay("V-1", day(10), "100.00", 1, Designation(1, "late_penalty"))]
    ledger = replay(facts, day(10), lambda _d: M(0))
    assert ledger.placed("payment:V-1") == {(1, "late_penalty"): M("100.00")}
    assert ledger.fees[1].outstanding == M("120000.00")
    assert ledger.fees[1].penalty_outstanding == M("500.00")  # 600.00 accrued − 100.00


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, "0-30"), (30, "0-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "90+")],
)
def test_aging_buckets(days: int, bucket: str) -> None:
    assert aging_bucket(days) == bucket
