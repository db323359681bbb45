"""Held-out-style operator voids over the API on moto: only open | partially_paid → void, by the operator with a
reason; every illegal transition refused with a clear error and nothing changed. Figures hand-computed from
docs/domain-rules.md ("Invoices", "Receivables ledger"): 100000.00 a year, due 10 days after issue, 0.05 %/day."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.support import finance_messages

pytestmark = pytest.mark.integration
START = date(2025, 1, 1)


def contract(world: Any, **terms: Any) -> str:
    world.travel(START)
    cid = str(
        world.active_contract(
            annual_fee="100000.00",
            payment_due_days=10,
            term_years=3,
            late_penalty={"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": None},
            **terms,
        )
    )
    world.run("invoicing", START)
    return cid


def void(world: Any, cid: str, year: int, role: str = "operator", body: Any = None) -> Any:
    return world.call("POST", f"/contracts/{cid}/invoices/{year}/void", body or {"reason": "开错了"}, role=role)


def pay(world: Any, cid: str, amount: str, paid_on: str, voucher: str) -> None:
    body = {"amount": amount, "paid_on": paid_on, "voucher_no": voucher, "method": "bank_transfer"}
    world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=201)


def snapshot(world: Any, cid: str) -> Any:
    return (world.invoices(cid), world.ok("GET", f"/contracts/{cid}/ledger", role="finance"), world.contract(cid))


def test_void_a_partially_paid_invoice_releases_its_money_to_credit(world: Any) -> None:
    cid = contract(world)
    world.travel(date(2025, 1, 21))  # 10 days overdue: 500.00 of penalty on the whole fee
    pay(world, cid, "30000.00", "2025-01-21", "V-1")
    y1 = world.invoices(cid)[0]
    assert (y1["status"], y1["outstanding"]) == ("partially_paid", "70000.00")
    world.travel(date(2025, 1, 25))
    resp = void(world, cid, 1)
    assert resp.status_code == 200, resp.json_body
    assert (resp.json_body["status"], resp.json_body["outstanding"]) == ("void", "0.00")
    world.deliver()
    [voided] = [m for m in finance_messages(world.aws) if m.get("event_type") == "InvoiceVoided"]
    assert (voided["year"], voided["paid"], voided["reason"]) == (1, "30000.00", "开错了")
    # From the void date: nothing owed, the 30000.00 is credit; the day before, the fee was still owed
    bal = world.ok("GET", f"/contracts/{cid}/ledger?as_of=2025-01-25", role="finance")["balances"]
    assert (bal["fees_outstanding"], bal["penalties_outstanding"], bal["credit"]) == ("0.00", "0.00", "30000.00")
    before = world.ok("GET", f"/contracts/{cid}/ledger?as_of=2025-01-24", role="finance")["balances"]
    # 10 days on 100000.00 (500.00) + 3 days on 70000.00 (105.00)
    assert (before["fees_outstanding"], before["penalties_outstanding"]) == ("70000.00", "605.00")
    # The overdue job sends nothing for a voided invoice
    world.run("overdue", date(2025, 2, 15))
    assert [m for m in finance_messages(world.aws) if m.get("event_type") == "InvoiceOverdue"] == []
    # A second void is refused
    again = void(world, cid, 1)
    assert again.status_code == 409, again.json_body
    assert "void" in again.json_body["error"]["message"]


def test_illegal_voids_are_refused_and_change_nothing(world: Any) -> None:
    cid = contract(world)
    world.travel(date(2025, 1, 5))
    pay(world, cid, "100000.00", "2025-01-05", "P-1")
    before = snapshot(world, cid)
    paid = void(world, cid, 1)
    assert paid.status_code == 409, paid.json_body
    assert "paid" in paid.json_body["error"]["message"]
    assert void(world, cid, 2).status_code == 404  # not issued
    assert void(world, cid, 0).status_code == 400
    assert void(world, cid, 1, role="finance").status_code == 403  # only the operator voids
    missing = world.call("POST", f"/contracts/{cid}/invoices/1/void", {}, role="operator")
    assert missing.status_code == 400 and missing.json_body["error"]["field"] == "reason"
    assert void(world, "0" * 32, 1).status_code == 404
    assert snapshot(world, cid) == before


def test_a_cancelled_invoice_cannot_be_voided(world: Any) -> None:
    cid = contract(world)
    world.run("invoicing", date(2026, 1, 1))
    world.travel(date(2026, 1, 3))
    resp = world.call(
        "POST",
        f"/contracts/{cid}/termination",
        {"by": "client", "reason_code": "convenience", "details": "提前解除", "notice_date": "2025-12-01"},
    )
    assert resp.status_code == 201 and resp.json_body["effective_date"] == "2025-12-31"
    assert [i["status"] for i in world.invoices(cid)] == ["open", "cancelled"]
    before = snapshot(world, cid)
    refused = void(world, cid, 2)
    assert refused.status_code == 409, refused.json_body
    assert snapshot(world, cid) == before
