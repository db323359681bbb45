"""Held-out-style scenarios on the ledger's pure replay (chalicelib/domain/ledger.py): revisions, cancellations,
waivers, set-offs, refunds and credit, with amounts in cents, a 0.07 %/day rate, 20 days to pay and contract years
starting on a month's last day. Every expected figure is computed by hand from docs/domain-rules.md
("Receivables ledger"); each scenario is also recorded in every order (the recorded order is `seq`) and must give
the same figures on every day asked."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from itertools import permutations
from typing import Any

from chalicelib.domain.ledger import (
    Designation,
    Fact,
    Fee,
    FeeCancellation,
    FeeRevision,
    Ledger,
    Payment,
    Refund,
    SetOff,
    Waiver,
    replay,
)
from chalicelib.domain.terms import LatePenalty

D = date.fromisoformat
M = Decimal
DAILY = LatePenalty("daily_pct", M("0.07"), None)
FEE = "98765.43"
Y1, Y2 = D("2026-01-31"), D("2027-01-31")  # years start on a month's last day; 20 days to pay
DUE1, DUE2 = D("2026-02-20"), D("2027-02-20")


def fee(year: int, on: date, amount: str = FEE, clause: LatePenalty = DAILY, days: int = 20) -> Fee:
    return Fee(year, on, on + timedelta(days=days), M(amount), days, clause)


def pay(voucher: str, on: str, amount: str, *applies_to: Designation) -> Payment:
    return Payment(voucher, D(on), M(amount), 0, "bank_transfer", tuple(applies_to))


def recorded(*facts: Fact) -> list[Fact]:
    """The facts as recorded in this order: each gets its recorded order as `seq` (fees have none)."""
    return [f if isinstance(f, Fee) else dataclasses.replace(f, seq=i + 1) for i, f in enumerate(facts)]


def at(facts: list[Fact], as_of: str) -> Ledger:
    return replay(facts, D(as_of), lambda _d: M("296296.29"))


def figures(ledger: Ledger) -> dict[str, Any]:
    """Everything a person reads off the ledger: each fee's figures, balances, where every source's money is."""
    return {
        "fees": {
            y: (st.amount, st.due_on, st.status, st.paid, st.outstanding, st.penalty_accrued, st.penalty_outstanding)
            for y, st in ledger.fees.items()
        },
        "credit": ledger.credit,
        "net": ledger.net,
        # a set-off's id carries its seq, which the recording order changes: name it by its date and year
        "placed": {_name(src.fact): ledger.placed(sid) for sid, src in ledger.sources.items()},
    }


def _name(fact: Payment | SetOff) -> str:
    return fact.voucher_no if isinstance(fact, Payment) else f"set-off {fact.on} year {fact.year}"


def same_in_every_order(facts: list[Fact], days: list[str]) -> None:
    """Recording the same facts in any order (so with other seqs) gives the same figures on every day."""
    expected = {d: figures(at(recorded(*facts), d)) for d in days}
    for order in permutations(facts):
        for d in days:
            assert figures(at(recorded(*order), d)) == expected[d], (d, [type(f).__name__ for f in order])


def fee_row(ledger: Ledger, year: int) -> tuple[Any, ...]:
    st = ledger.fees[year]
    return (str(st.amount), st.due_on.isoformat(), st.status, str(st.paid), str(st.outstanding))


# ---- fee revisions --------------------------------------------------------------------------------------------
REVISED_DOWN = [
    fee(1, Y1),
    pay("P-1", "2026-02-05", "50000.00"),
    pay("P-2", "2026-02-10", "48765.43"),
    FeeRevision(1, D("2026-03-15"), M("90000.00"), 0, "补充协议"),
    fee(2, Y2),
]


def test_a_revision_down_releases_the_newest_money_which_becomes_credit_and_pays_the_next_year() -> None:
    facts = recorded(*REVISED_DOWN)
    # The day before: the old amount, fully paid, nothing to credit
    before = at(facts, "2026-03-14")
    assert fee_row(before, 1) == ("98765.43", "2026-02-20", "paid", "98765.43", "0.00")
    assert before.credit == M("0.00")
    # On it: 90000.00; due = max(2026-02-20, 2026-03-15 + 20 = 2026-04-04) = 2026-04-04;
    # excess 98765.43 − 90000.00 = 8765.43 comes back from P-2 (the newest money), P-1 stays whole
    on = at(facts, "2026-03-15")
    assert fee_row(on, 1) == ("90000.00", "2026-04-04", "paid", "90000.00", "0.00")
    assert on.placed("payment:P-2") == {(1, "fee"): M("40000.00")}
    assert on.placed("payment:P-1") == {(1, "fee"): M("50000.00")}
    assert (on.credit, on.net) == (M("8765.43"), M("-8765.43"))
    assert [r.amount for r in on.fees[1].revisions] == [M("90000.00")]
    # Year 2's fee takes the credit on its issue date: 98765.43 − 8765.43 = 90000.00 left, due 2027-02-20
    y2 = at(facts, "2027-01-31")
    assert fee_row(y2, 2) == ("98765.43", "2027-02-20", "partially_paid", "8765.43", "90000.00")
    assert y2.credit == M("0.00")
    assert y2.placed("payment:P-2") == {(1, "fee"): M("40000.00"), (2, "fee"): M("8765.43")}
    same_in_every_order(REVISED_DOWN, ["2026-03-14", "2026-03-15", "2026-04-05", "2027-01-30", "2027-01-31"])


def test_a_revision_up_after_payment_moves_the_due_date_and_the_rest_accrues_from_there() -> None:
    facts = [fee(1, Y1), pay("P-1", "2026-02-10", FEE), FeeRevision(1, D("2026-03-15"), M("105000.00"), 0)]
    # On 2026-03-15: 105000.00 − 98765.43 = 6234.57 owed, due 2026-04-04; not overdue on it
    on_due = at(recorded(*facts), "2026-04-04")
    assert fee_row(on_due, 1) == ("105000.00", "2026-04-04", "partially_paid", "98765.43", "6234.57")
    assert on_due.fees[1].penalty_accrued == M("0.00")
    # 10 days after the new due date: 6234.57 × 0.07 % × 10 = 43.64199 → 43.64
    later = at(recorded(*facts), "2026-04-14")
    assert (later.fees[1].penalty_accrued, later.fees[1].days_overdue(D("2026-04-14"))) == (M("43.64"), 10)
    # The day before the revision nothing was owed
    assert at(recorded(*facts), "2026-03-14").fees_outstanding == M("0.00")
    same_in_every_order(facts, ["2026-03-14", "2026-03-15", "2026-04-04", "2026-04-14"])


def test_a_revision_on_the_issue_date_keeps_the_due_date_and_a_designated_payment_flows_on() -> None:
    # The agreement took effect on year 2's first day (invoiced earlier that day): 98765.43 → 80000.00.
    # due = max(2027-02-20, 2027-01-31 + 20) = 2027-02-20. Year 1 still owes 10000.00 (due 2026-02-20).
    facts = [
        fee(1, Y1),
        pay("P-1", "2026-02-15", "88765.43"),
        fee(2, Y2),
        FeeRevision(2, Y2, M("80000.00"), 0),
        pay("P-2", "2027-02-10", "85000.00", Designation(2, "fee")),
    ]
    ledger = at(recorded(*facts), "2027-02-10")
    # P-2: 80000.00 where designated (all year 2 owes), the other 5000.00 by art. 560: year 1's matured fee
    assert ledger.placed("payment:P-2") == {(1, "fee"): M("5000.00"), (2, "fee"): M("80000.00")}
    assert fee_row(ledger, 2) == ("80000.00", "2027-02-20", "paid", "80000.00", "0.00")
    # Year 1: 10000.00 unpaid from 2026-02-21 to 2027-02-10 (355 days), 5000.00 after:
    # 10000.00 × 0.07 % × 355 = 2485.00; as of 2027-02-12 two more days on 5000.00: + 7.00 = 2492.00
    assert ledger.fees[1].penalty_accrued == M("2485.00")
    assert at(recorded(*facts), "2027-02-12").fees[1].penalty_accrued == M("2492.00")
    same_in_every_order(facts, ["2027-01-30", "2027-01-31", "2027-02-10", "2027-02-12"])


def test_a_revision_of_an_overdue_fee_keeps_what_accrued_and_resumes_after_the_new_due_date() -> None:
    facts = [fee(1, Y1), FeeRevision(1, D("2026-03-03"), M("90000.00"), 0)]
    # Before it: 10 days overdue on 98765.43: 98765.43 × 0.07 % × 10 = 691.35801 → 691.36
    assert at(recorded(*facts), "2026-03-02").fees[1].penalty_accrued == M("691.36")
    # New due = max(2026-02-20, 2026-03-03 + 20 = 2026-03-23): nothing accrues 2026-03-03 … 2026-03-23
    assert at(recorded(*facts), "2026-03-23").fees[1].penalty_accrued == M("691.36")
    # then 90000.00 a day: (987654.30 + 90000.00 × 10) × 0.07 % = 1321.35801 → 1321.36 on 2026-04-02
    assert at(recorded(*facts), "2026-04-02").fees[1].penalty_accrued == M("1321.36")
    same_in_every_order(facts, ["2026-03-02", "2026-03-03", "2026-03-23", "2026-04-02"])


# ---- cancellations and voids ----------------------------------------------------------------------------------
def test_a_backdated_termination_cancels_a_paid_year_and_its_money_becomes_credit() -> None:
    facts = [
        fee(1, Y1),
        pay("P-1", "2026-02-18", FEE),
        fee(2, Y2),
        pay("P-2", "2027-02-05", "98765.43"),
        FeeCancellation(2, Y2, 0, "cancelled", "合同解除"),
    ]
    # The day before year 2 began: year 1 paid, nothing else
    assert set(at(recorded(*facts), "2027-01-30").fees) == {1}
    # On its first day it is cancelled: owes nothing
    first = at(recorded(*facts), "2027-01-31")
    assert (first.fees[2].status, first.fees[2].outstanding, first.fees_outstanding) == ("cancelled", M("0"), M("0"))
    # P-2 finds nothing owed on its day: all 98765.43 is credit
    after = at(recorded(*facts), "2027-06-30")
    assert after.placed("payment:P-2") == {}
    assert (after.credit, after.net, after.fees[2].penalty_accrued) == (M("98765.43"), M("-98765.43"), M("0.00"))
    same_in_every_order(facts, ["2027-01-30", "2027-01-31", "2027-02-05", "2027-06-30"])


def test_a_void_releases_fee_and_penalty_money_to_credit_which_pays_the_next_year_on_time() -> None:
    facts = [
        fee(1, Y1),
        pay("P-1", "2026-03-02", "60000.00"),  # 10 days late, part of the fee
        pay("P-2", "2026-03-12", "38765.43"),  # the rest, 20 days late
        pay("P-3", "2026-03-20", "1100.00", Designation(1, "late_penalty")),
        FeeCancellation(1, D("2026-04-01"), 0, "void", "开票错误"),
        fee(2, Y2),
    ]
    # Penalty: 98765.43 × 10 days + 38765.43 × 10 days = 987654.30 + 387654.30 = 1375308.60 × 0.07 %
    # = 962.71602 → 962.72 (P-3 pays it; 1100.00 − 962.72 = 137.28 is credit)
    before = at(recorded(*facts), "2026-03-31")
    assert (before.fees[1].penalty_accrued, before.fees[1].penalty_outstanding) == (M("962.72"), M("0.00"))
    assert before.credit == M("137.28")
    # On the void date everything paid toward year 1 comes back: 98765.43 + 962.72 + 137.28 = 99865.43
    void = at(recorded(*facts), "2026-04-01")
    assert (void.fees[1].status, void.fees[1].outstanding, void.fees[1].penalty_accrued) == ("void", M("0"), M("0"))
    assert (void.credit, void.penalties_outstanding) == (M("99865.43"), M("0.00"))
    # Year 2 is paid from it on its issue date, oldest payment's credit first: P-1 60000.00, P-2 38765.43
    y2 = at(recorded(*facts), "2027-03-31")
    assert fee_row(y2, 2) == ("98765.43", "2027-02-20", "paid", "98765.43", "0.00")
    assert (y2.fees[2].penalty_accrued, y2.credit) == (M("0.00"), M("1100.00"))
    assert y2.placed("payment:P-3") == {}
    same_in_every_order(facts, ["2026-03-31", "2026-04-01", "2027-01-31", "2027-03-31"])


# ---- waivers, set-offs, refunds, credit -----------------------------------------------------------------------
WAIVED = [
    fee(1, Y1),
    Waiver(1, D("2026-03-10"), M("500.00"), 0, "客户申请减免"),
    pay("P-1", "2026-03-22", "100000.00"),
    SetOff(1, D("2026-04-10"), M("400.00"), 0, "乙方服务违约金抵销"),
]


def test_a_waiver_then_a_late_payment_then_a_set_off_beyond_the_penalty() -> None:
    facts = recorded(*WAIVED)
    # 2026-03-10 is 18 days overdue: 98765.43 × 0.07 % × 18 = 1244.444418 → 1244.44; 500.00 waived
    waived = at(facts, "2026-03-10").fees[1]
    assert (waived.penalty_accrued, waived.penalty_waived, waived.penalty_outstanding) == (
        M("1244.44"),
        M("500.00"),
        M("744.44"),
    )
    # 2026-03-22, 30 days: 2074.07403 → 2074.07 accrued, 1574.07 outstanding. P-1 pays the fee (98765.43), the
    # other 1234.57 goes to the penalty: 339.50 left, and the fee paid stops the accrual
    paid = at(facts, "2026-04-09")
    assert fee_row(paid, 1) == (FEE, "2026-02-20", "paid", FEE, "0.00")
    assert (paid.fees[1].penalty_accrued, paid.fees[1].penalty_outstanding) == (M("2074.07"), M("339.50"))
    assert (paid.net, paid.credit) == (M("339.50"), M("0.00"))
    # The set-off settles year 1's fee (nothing owed), then its penalty (339.50); the other 60.50 follows the
    # usual order: nothing else is owed, so it is credit
    off = at(facts, "2026-04-10")
    assert off.placed("set-off:4") == {(1, "late_penalty"): M("339.50")}
    assert (off.fees[1].penalty_outstanding, off.credit, off.net) == (M("0.00"), M("60.50"), M("-60.50"))
    same_in_every_order(WAIVED, ["2026-03-09", "2026-03-10", "2026-03-22", "2026-04-09", "2026-04-10"])


def test_a_waiver_is_at_most_what_is_outstanding_when_a_backdated_payment_lowers_the_penalty() -> None:
    # Recorded: a waiver of 2000.00 on 2026-03-22 (2074.07 outstanding then), and later a slip paid 2026-02-25
    facts = [fee(1, Y1), Waiver(1, D("2026-03-22"), M("2000.00"), 0), pay("P-1", "2026-02-25", FEE)]
    # The penalty is 5 days: 98765.43 × 0.07 % × 5 = 345.679005 → 345.68, so the waiver forgives only 345.68
    st = at(recorded(*facts), "2026-03-22").fees[1]
    assert (st.penalty_accrued, st.penalty_waived, st.penalty_outstanding) == (M("345.68"), M("345.68"), M("0.00"))
    assert at(recorded(*facts), "2026-03-21").fees[1].penalty_outstanding == M("345.68")


def test_a_set_off_settles_its_own_years_fee_then_penalty_then_the_older_matured_fee() -> None:
    facts = [
        fee(1, Y1),
        pay("P-1", "2026-02-10", "90000.00"),  # year 1 owes 8765.43 from its due date
        fee(2, Y2),
        SetOff(2, D("2027-03-02"), M("100000.00"), 0, "抵销"),
    ]
    off = at(recorded(*facts), "2027-03-02")
    # Year 2, 10 days overdue: 98765.43 × 0.07 % × 10 = 691.35801 → 691.36. The set-off pays year 2's fee
    # 98765.43, its penalty 691.36, and the other 100000.00 − 99456.79 = 543.21 to year 1's matured fee
    assert off.placed("set-off:4") == {(1, "fee"): M("543.21"), (2, "fee"): M(FEE), (2, "late_penalty"): M("691.36")}
    assert fee_row(off, 1)[3:] == ("90543.21", "8222.22")
    # Year 1's penalty: 8765.43 for 2026-02-21 … 2027-03-02 (375 days) = 2300.925375, then 8222.22 × 10 days
    # = 57.55554: 2358.480915 → 2358.48 on 2027-03-12; year 2's stays 691.36
    later = at(recorded(*facts), "2027-03-12")
    assert (later.fees[1].penalty_accrued, later.fees[2].penalty_accrued) == (M("2358.48"), M("691.36"))
    assert later.penalties_outstanding == M("2358.48")
    same_in_every_order(facts, ["2027-03-01", "2027-03-02", "2027-03-12"])


REFUNDED = [
    fee(1, Y1),
    pay("P-1", "2026-02-05", "100000.00"),  # 1234.57 over
    pay("P-2", "2026-02-12", "500.00"),  # all credit
    Refund("R-1", D("2026-02-15"), M("1500.00"), 0, "多付退回"),
    fee(2, Y2),
]


def test_a_refund_takes_the_oldest_payments_credit_first_and_the_rest_pays_the_next_year_on_time() -> None:
    facts = recorded(*REFUNDED)
    assert at(facts, "2026-02-14").credit == M("1734.57")
    # 1500.00 = P-1's 1234.57 + 265.43 of P-2's 500.00: P-2 keeps 234.57
    refunded = at(facts, "2026-02-15")
    assert (refunded.sources["payment:P-1"].unallocated, refunded.sources["payment:P-2"].unallocated) == (
        M("0.00"),
        M("234.57"),
    )
    assert (refunded.credit, refunded.refunded) == (M("234.57"), M("1500.00"))
    # Year 2 is paid 234.57 from credit on its issue date: 98530.86 left, due 2027-02-20, no penalty before then
    y2 = at(facts, "2027-02-20")
    assert fee_row(y2, 2) == (FEE, "2027-02-20", "partially_paid", "234.57", "98530.86")
    assert (y2.credit, y2.fees[2].penalty_accrued) == (M("0.00"), M("0.00"))
    # 2 days late on 98530.86: × 0.07 % × 2 = 137.943204 → 137.94
    assert at(facts, "2027-02-22").fees[2].penalty_accrued == M("137.94")
    same_in_every_order(REFUNDED, ["2026-02-14", "2026-02-15", "2027-01-30", "2027-01-31", "2027-02-22"])


def test_contract_pct_is_capped_at_a_share_of_what_was_unpaid_on_the_due_date() -> None:
    clause = LatePenalty("contract_pct", M("1.5"), M("2"))
    facts = [fee(1, Y1, clause=clause), pay("P-1", "2026-02-20", "60000.00"), pay("P-2", "2026-05-31", "38765.43")]
    # 296296.29 × 1.5 % = 4444.44435 → 4444.44, capped at 2 % of 38765.43 (unpaid at the end of the due date)
    # = 775.3086 → 775.31; nothing on the due date itself, and it stays after the fee is paid
    assert at(recorded(*facts), "2026-02-20").fees[1].penalty_accrued == M("0.00")
    assert at(recorded(*facts), "2026-02-21").fees[1].penalty_accrued == M("775.31")
    done = at(recorded(*facts), "2026-06-30")
    assert (done.fees[1].status, done.fees[1].penalty_outstanding, done.net) == ("paid", M("775.31"), M("775.31"))
    same_in_every_order(facts, ["2026-02-20", "2026-02-21", "2026-06-30"])
