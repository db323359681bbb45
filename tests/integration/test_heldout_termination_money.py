"""Held-out-style termination scenarios where money is involved: a backdated notice cancelling a year finance had
been told was overdue, a late invoicing run after the termination, the surviving year still chased, money sent to a
cancelled year, and a second notice after a withdrawal. Figures hand-computed from docs/domain-rules.md
("Termination notices", "Receivables ledger"): 100000.00 a year, due 10 days after issue, 0.05 %/day, 30 days'
notice."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.integration.test_heldout_termination_notices import balances, contract, notice, told, withdraw

pytestmark = pytest.mark.integration


def test_backdated_notice_cancels_an_overdue_year_and_adjusts_its_penalty(world: Any) -> None:
    cid = contract(world, late_penalty={"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": None})
    world.travel(date(2025, 1, 5))
    world.ok(
        "POST",
        f"/contracts/{cid}/payments",
        {"amount": "100000.00", "paid_on": "2025-01-05", "voucher_no": "Y1", "method": "bank_transfer"},
        role="finance",
        status=201,
    )
    world.run("invoicing", date(2026, 1, 1))
    world.run("overdue", date(2026, 1, 16))  # year 2: 5 days overdue → level 1, 250.00
    assert [(m["penalty_total"], m["days_overdue"]) for m in told(world, "PenaltyAssessed")] == [("250.00", 5)]
    # Then a notice served by post on 2025-12-01 is recorded: effective 2025-12-31, before year 2 began
    world.travel(date(2026, 1, 20))
    assert notice(world, cid, "2025-12-01").status_code == 201
    world.deliver()
    assert [i["status"] for i in world.invoices(cid)] == ["paid", "cancelled"]
    [adjusted] = told(world, "PenaltyAdjusted")
    assert (adjusted["year"], adjusted["penalty_total"], adjusted["penalty_delta"]) == (2, "0.00", "-250.00")
    # Nothing is owed any more, and the overdue job says nothing more about year 2
    assert balances(world, cid, "2026-01-20")["net"] == "0.00"
    world.run("overdue", date(2026, 2, 1))
    assert len(told(world, "InvoiceOverdue")) == 1
    assert world.ok("GET", "/receivables?as_of=2026-02-01", role="finance")["contracts"] == []
    # Money sent to the cancelled year later is credit
    world.travel(date(2026, 2, 2))
    paid = world.ok(
        "POST",
        f"/contracts/{cid}/payments",
        {
            "amount": "100000.00",
            "paid_on": "2026-02-02",
            "voucher_no": "Y2",
            "method": "bank_transfer",
            "applies_to": [{"year": 2, "what": "fee"}],
        },
        role="finance",
        status=201,
    )
    assert (paid["to_credit"], paid["credit_after"], paid["allocations"]) == ("100000.00", "100000.00", [])
    assert balances(world, cid, "2026-02-02")["credit"] == "100000.00"


def test_late_run_after_termination_issues_the_year_that_began_before_it_and_it_is_still_chased(world: Any) -> None:
    cid = contract(world)
    # Notice on 2026-01-15 → effective 2026-02-14, inside year 2 (which began 2026-01-01); invoicing had not run
    world.travel(date(2026, 1, 15))
    assert notice(world, cid, None).json_body["effective_date"] == "2026-02-14"
    world.run("lifecycle", date(2026, 2, 14))
    assert world.contract(cid)["status"] == "terminated"
    # A late invoicing run still issues year 2 (whole: no proration), and never year 3
    world.run("invoicing", date(2027, 1, 2))
    by_year = {i["year"]: i for i in world.invoices(cid)}
    assert sorted(by_year) == [1, 2]
    assert (by_year[2]["issue_date"], by_year[2]["due_date"], by_year[2]["amount"]) == (
        "2026-01-01",
        "2026-01-11",
        "100000.00",
    )
    # Both years are still chased after the termination
    before = len(told(world, "InvoiceOverdue"))
    world.run("overdue", date(2027, 1, 2))
    assert sorted(m["year"] for m in told(world, "InvoiceOverdue")[before:]) == [1, 2]


def test_a_second_notice_after_a_withdrawal(world: Any) -> None:
    cid = contract(world)
    world.travel(date(2025, 5, 1))
    assert notice(world, cid, None).status_code == 201  # effective 2025-05-31
    world.travel(date(2025, 5, 10))
    assert withdraw(world, cid).status_code == 200
    world.travel(date(2025, 11, 15))
    second = notice(world, cid, None, by="vendor")
    assert second.status_code == 201, second.json_body
    assert (second.json_body["no"], second.json_body["effective_date"]) == (2, "2025-12-15")
    world.run("lifecycle", date(2025, 12, 15))
    c = world.contract(cid)
    assert c["status"] == "terminated"
    assert [n["status"] for n in c["notices"]] == ["withdrawn", "effective"]
    world.run("invoicing", date(2026, 1, 1))
    assert [i["year"] for i in world.invoices(cid)] == [1]
