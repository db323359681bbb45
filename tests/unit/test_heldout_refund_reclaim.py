"""A refund recorded before a late invoicing run (or another later-recorded fact dated before it) that spent the
credit it was drawn from: the refund takes back what credit paid, so the fee it had paid is owed again from the
refund's date — not a negative credit beside a fee shown as partly paid, with a late penalty on too little.
Hand-computed from docs/domain-rules.md ("Receivables ledger": where money goes; refunds)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chalicelib.domain.ledger import Fee, Payment, Refund, replay
from chalicelib.domain.terms import LatePenalty
from tests.unit.conftest import Office
from tests.unit.ledger_heldout_support import Desk
from tests.unit.test_ledger_heldout_payments import contract_31st

D = date.fromisoformat
M = Decimal


@pytest.fixture
def desk(office: Office) -> Desk:
    return Desk(office)


def test_a_refund_recorded_before_a_late_run_reopens_the_fee_the_credit_paid(office: Office, desk: Desk) -> None:
    # Year 1 (98,765.43, due 2027-03-02, 0.05 %/day) paid 100,000.00 on 2027-02-10: 1,234.57 credit
    cid = contract_31st(office)
    desk.pay(cid, "100000.00", D("2027-02-10"), "RC-1")
    # Year 2 starts 2028-01-31; its run is late. On 2028-02-05 finance refunds the 1,234.57 (the credit that day,
    # as recorded so far), and the run on 2028-02-15 issues year 2 dated 2028-01-31 (due 2028-03-01).
    desk.refund(cid, "1234.57", D("2028-02-05"), "RF-1")
    office.run_invoicing(D("2028-02-15"))
    # From its issue date until the refund, year 2 was paid 1,234.57 from credit
    y2 = desk.invoices(cid, D("2028-02-04"))[2]
    assert (y2["paid"], y2["outstanding"], y2["status"]) == ("1234.57", "97530.86", "partially_paid")
    # The refund sent that money back: from 2028-02-05 the whole fee is owed and there is no credit (not −1,234.57)
    y2 = desk.invoices(cid, D("2028-02-05"))[2]
    assert (y2["paid"], y2["outstanding"], y2["status"]) == ("0.00", "98765.43", "open")
    assert desk.balances(cid, D("2028-02-05")) == {
        "fees_outstanding": "98765.43",
        "penalties_outstanding": "0.00",
        "credit": "0.00",
        "net": "98765.43",
    }
    # Two days late on the whole fee: 98,765.43 × 0.05 % × 2 = 98.76543 → 98.77
    assert desk.invoices(cid, D("2028-03-03"))[2]["penalties"]["accrued"] == "98.77"
    # Finance is not told credit paid year 2: as recorded now, none did (the refund had taken it)
    assert [e for e in desk.told(cid, "CreditApplied") if e["year"] == 2] == []
    row = desk.row(cid, D("2028-02-15"))
    assert row is not None and (row["credit"], row["net"]) == ("0.00", "98765.43")


def test_the_refund_takes_back_the_newest_credit_placement_first() -> None:
    clause = LatePenalty("daily_pct", M("0.1"), None)
    facts = [
        Fee(1, D("2026-01-10"), D("2026-01-20"), M("1000.00"), 10, clause),
        Payment("P-1", D("2026-01-12"), M("1500.00"), 1, "bank_transfer", ()),  # 500.00 credit
        Fee(2, D("2026-02-01"), D("2026-02-11"), M("300.00"), 10, clause),  # takes 300.00 of it
        Fee(3, D("2026-02-03"), D("2026-02-13"), M("300.00"), 10, clause),  # takes the last 200.00
        Refund("R-1", D("2026-02-05"), M("350.00"), 2, "退还"),  # recorded when the credit was 500.00
    ]
    ledger = replay(facts, D("2026-02-05"), lambda _d: M("3000.00"))
    # 350.00 back: year 3's 200.00 (newest), then 150.00 of year 2's 300.00
    assert (ledger.fees[2].paid, ledger.fees[3].paid) == (M("150.00"), M("0.00"))
    assert (ledger.credit, ledger.fees_outstanding, ledger.net) == (M("0.00"), M("450.00"), M("450.00"))
    # The refund's date is when they reopen: the day before, both were paid from credit
    before = replay(facts, D("2026-02-04"), lambda _d: M("3000.00"))
    assert (before.fees[2].paid, before.fees[3].paid, before.credit) == (M("300.00"), M("200.00"), M("0.00"))
    # Year 3 unpaid after its due date 2026-02-13: 2 days × 300.00 × 0.1 % = 0.60
    assert replay(facts, D("2026-02-15"), lambda _d: M("3000.00")).fees[3].penalty_accrued == M("0.60")
