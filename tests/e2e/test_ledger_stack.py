"""The receivables ledger's first story over HTTP on the local stack: a bank slip recorded after a later payment
still goes where it belonged on its date, and every figure is as of the day asked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from devstack.clock import clock_path, set_today
from tests.e2e.helpers import signed_contract
from tests.factories import contract_body

pytestmark = pytest.mark.e2e


def pay(stack: Any, cid: str, amount: str, paid_on: date, voucher: str, **extra: Any) -> tuple[int, Any]:
    body = {"amount": amount, "paid_on": paid_on.isoformat(), "voucher_no": voucher, "method": "bank_transfer"}
    status, reply, _ = stack.request("POST", f"/contracts/{cid}/payments", {**body, **extra}, role="finance")
    return status, reply


def invoices(stack: Any, cid: str, as_of: date | None = None) -> dict[int, dict[str, Any]]:
    query = f"?as_of={as_of.isoformat()}" if as_of else ""
    _, reply, _ = stack.request("GET", f"/contracts/{cid}/invoices{query}", role="finance")
    return {i["year"]: i for i in reply["items"]}


def test_a_late_slip_recorded_after_a_later_payment_goes_to_year_1(stack: Any) -> None:
    # Given a 120000.00 fee, 30 days to pay, 0.05 %/day, signed today on the stack's clock
    cid, no, effective = signed_contract(stack, contract_body())
    start2 = effective.replace(year=effective.year + 1)
    stack.worker("invoicing", start2.isoformat())
    due1 = date.fromisoformat(invoices(stack, cid)[1]["due_date"])
    clock = clock_path(stack.state_dir)
    set_today(clock, start2 + timedelta(days=20))
    try:
        # When finance records year 2's on-time payment first, then finds year 1's slip, paid 14 days late
        assert pay(stack, cid, "120000.00", start2 + timedelta(days=9), f"DEC-{no}")[0] == 201
        status, receipt = pay(stack, cid, "120000.00", due1 + timedelta(days=14), f"JAN-{no}")
        assert status == 201 and [a["year"] for a in receipt["allocations"]] == [1]
        # Then year 1 was paid by the slip with 14 days of penalty, year 2 by the December money
        now = invoices(stack, cid)
        assert (now[1]["status"], now[2]["status"]) == ("paid", "paid")
        assert now[1]["penalties"]["accrued"] == "840.00"  # 120000.00 × 0.05 % × 14
        # And as of due + 10 year 1 was still owed, with 10 days of penalty
        then = invoices(stack, cid, due1 + timedelta(days=10))
        assert (then[1]["outstanding"], then[1]["penalties"]["accrued"]) == ("120000.00", "600.00")
        # And the penalty is receivable until paid; no credit is there to refund
        _, report, _ = stack.request("GET", "/receivables", role="finance")
        [row] = [r for r in report["contracts"] if r["contract_id"] == cid]
        assert (row["outstanding"], row["penalties_outstanding"], row["credit"]) == ("0.00", "840.00", "0.00")
        refund = {"amount": "1.00", "paid_on": start2.isoformat(), "voucher_no": f"RF-{no}", "reason": "退款"}
        status, refused, _ = stack.request("POST", f"/contracts/{cid}/refunds", refund, role="finance")
        assert status == 409 and refused["error"]["field"] == "amount"
    finally:
        set_today(clock, None)  # the tests after this one see the real today
