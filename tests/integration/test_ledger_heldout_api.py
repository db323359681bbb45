"""Held-out-style ledger scenarios over the API on moto, with their own amounts, rate and dates (98765.43 a year,
20 days to pay, 0.07 %/day, years starting on 31 January). Expected figures are hand-computed from
docs/domain-rules.md ("Receivables ledger"); finance is told each thing once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.integration.test_notices_and_amendments import sign_amendment
from tests.support import finance_messages

pytestmark = pytest.mark.integration
FEE = "98765.43"
TERMS: dict[str, Any] = {
    "annual_fee": FEE,
    "payment_due_days": 20,
    "late_penalty": {"mode": "daily_pct", "rate_pct": "0.07", "cap_pct": None},
    "term_years": 3,
}
Y1, Y2 = date(2026, 1, 31), date(2027, 1, 31)


def contract(world: Any) -> str:
    world.travel(Y1)
    cid = world.active_contract(**TERMS)
    world.run("invoicing", Y1)
    return cid


def pay(world: Any, cid: str, amount: str, paid_on: str, voucher: str) -> Any:
    if world.today < date.fromisoformat(paid_on):
        world.travel(date.fromisoformat(paid_on))
    body = {"amount": amount, "paid_on": paid_on, "voucher_no": voucher, "method": "bank_transfer"}
    return world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=201)


def year(world: Any, cid: str, k: int, as_of: str) -> dict[str, Any] | None:
    items = world.ok("GET", f"/contracts/{cid}/invoices?as_of={as_of}", role="finance")["items"]
    return next((i for i in items if i["year"] == k), None)


def balances(world: Any, cid: str, as_of: str) -> dict[str, str]:
    return dict(world.ok("GET", f"/contracts/{cid}/ledger?as_of={as_of}", role="finance")["balances"])


def told(world: Any, kind: str) -> list[dict[str, Any]]:
    return [m for m in finance_messages(world.aws) if m.get("event_type") == kind]


def test_an_agreement_signed_on_year_2s_first_day_revises_a_fee_paid_from_credit(world: Any) -> None:
    cid = contract(world)
    pay(world, cid, FEE, "2026-02-10", "Y1-1")
    world.travel(date(2027, 1, 25))
    pay(world, cid, "98765.43", "2027-01-25", "PRE-1")  # all credit: year 2 is not issued yet
    world.ok(
        "POST", f"/contracts/{cid}/amendments", {"changes": {"annual_fee": "90000.00"}, "reason": "调价"}, status=201
    )
    world.run("invoicing", Y2)  # year 2 issued at 98765.43 and paid from credit
    world.clock.set(datetime(2027, 1, 31, 6, 0, tzinfo=UTC))  # 14:00 in Shanghai, after the run
    sign_amendment(world, 1)
    # The day before: no year 2, 98765.43 of credit
    assert year(world, cid, 2, "2027-01-30") is None
    assert balances(world, cid, "2027-01-30")["credit"] == FEE
    # On its first day: 90000.00, due 2027-02-20 (max of 2027-02-20 and 2027-01-31 + 20), paid; 8765.43 credit
    y2 = year(world, cid, 2, "2027-01-31")
    assert y2 is not None
    assert (y2["amount"], y2["due_date"], y2["paid"], y2["status"]) == ("90000.00", "2027-02-20", "90000.00", "paid")
    assert [(r["on"], r["amount"]) for r in y2["revisions"]] == [("2027-01-31", "90000.00")]
    assert balances(world, cid, "2027-01-31") == {
        "fees_outstanding": "0.00",
        "penalties_outstanding": "0.00",
        "credit": "8765.43",
        "net": "-8765.43",
    }
    # Finance: the credit applied once (CreditApplied, not a reallocation), then the revision moved PRE-1 once
    assert [m["amount"] for m in told(world, "CreditApplied")] == [FEE]
    [moved] = told(world, "PaymentsReallocated")
    assert moved["moves"][0]["source"] == "payment:PRE-1" and moved["credit_after"] == "8765.43"
    assert len(told(world, "InvoiceRevised")) == 1
    # A rerun of the invoicing job changes nothing
    world.run("invoicing", Y2)
    assert (len(told(world, "PaymentsReallocated")), len(told(world, "CreditApplied"))) == (1, 1)


def test_waiver_set_off_and_refund_limits_over_the_api(world: Any) -> None:
    cid = contract(world)
    world.travel(date(2026, 3, 22))
    pay(world, cid, FEE, "2026-03-22", "LATE-1")  # 30 days late: 98765.43 × 0.07 % × 30 = 2074.07403 → 2074.07
    assert year(world, cid, 1, "2026-03-22")["penalties"]["accrued"] == "2074.07"  # type: ignore[index]
    too_much = world.call(
        "POST", f"/contracts/{cid}/penalties/1/waive", {"amount": "2074.08", "reason": "减免"}, role="finance"
    )
    assert too_much.status_code == 409 and too_much.json_body["error"]["field"] == "amount"
    world.ok("POST", f"/contracts/{cid}/penalties/1/waive", {"amount": "74.07", "reason": "减免"}, "finance", 201)
    # A set-off of 2500.00: the fee is paid, 2000.00 settles the penalty, 500.00 is credit
    off = world.ok(
        "POST", f"/contracts/{cid}/set-offs", {"year": 1, "amount": "2500.00", "reason": "抵销"}, "finance", 201
    )
    assert (off["penalty_outstanding"], off["placed"]) == (
        "0.00",
        [{"year": 1, "what": "late_penalty", "amount": "2000.00"}],
    )
    penalties = year(world, cid, 1, "2026-03-22")["penalties"]  # type: ignore[index]
    assert (penalties["waived"], penalties["set_off"], penalties["paid"]) == ("74.07", "2000.00", "0.00")
    assert balances(world, cid, "2026-03-22")["credit"] == "500.00"
    # Refunds: at most the credit (409 naming amount); a payment's voucher is not a refund's (409 voucher_no)
    refund = {"amount": "500.01", "paid_on": "2026-03-22", "voucher_no": "RF-1", "reason": "退回"}
    refused = world.call("POST", f"/contracts/{cid}/refunds", refund, role="finance")
    assert refused.status_code == 409 and refused.json_body["error"]["field"] == "amount"
    reused = world.call("POST", f"/contracts/{cid}/refunds", {**refund, "voucher_no": "LATE-1"}, role="finance")
    assert reused.status_code == 409 and reused.json_body["error"]["field"] == "voucher_no"
    world.ok("POST", f"/contracts/{cid}/refunds", {**refund, "amount": "500.00"}, "finance", 201)
    assert balances(world, cid, "2026-03-22") == {
        "fees_outstanding": "0.00",
        "penalties_outstanding": "0.00",
        "credit": "0.00",
        "net": "0.00",
    }
    # As of the day before, the fee and 29 days of penalty were owed: 98765.43 × 0.07 % × 29 = 2004.938229 → 2004.94
    assert balances(world, cid, "2026-03-21")["net"] == "100770.37"
    assert world.ok("GET", "/receivables?as_of=2026-03-22", role="finance")["contracts"] == []


def test_a_retried_waiver_and_set_off_with_their_idempotency_keys_are_recorded_once(world: Any) -> None:
    cid = contract(world)
    world.travel(date(2026, 3, 2))
    pay(world, cid, FEE, "2026-03-02", "SLIP")  # 10 days late: 98765.43 × 0.07 % × 10 = 691.35801 → 691.36
    waiver = {"amount": "91.36", "reason": "减免"}
    off = {"year": 1, "amount": "250.00", "reason": "抵销"}
    for _ in range(2):
        w = world.ok(
            "POST",
            f"/contracts/{cid}/penalties/1/waive",
            waiver,
            "finance",
            201,
            headers={"Idempotency-Key": "waive-0001"},
        )
        s = world.ok(
            "POST", f"/contracts/{cid}/set-offs", off, "finance", 201, headers={"Idempotency-Key": "setoff-0001"}
        )
        # 691.36 − 91.36 = 600.00; − 250.00 = 350.00, however many times it was sent
        assert (w["penalty_outstanding"], s["penalty_outstanding"]) == ("600.00", "350.00")
    penalties = year(world, cid, 1, "2026-03-02")["penalties"]  # type: ignore[index]
    assert (penalties["waived"], penalties["set_off"], penalties["outstanding"]) == ("91.36", "250.00", "350.00")
    world.deliver()
    assert (len(told(world, "PenaltyWaived")), len(told(world, "SetOffRecorded"))) == (1, 1)
    # The same key with another body is refused
    other = world.call(
        "POST",
        f"/contracts/{cid}/set-offs",
        {**off, "amount": "1.00"},
        "finance",
        headers={"Idempotency-Key": "setoff-0001"},
    )
    assert other.status_code == 422
