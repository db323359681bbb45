"""Held-out-style termination scenarios over the API and the workers on moto: effective = notice date + notice
period, fees of years starting on or after it cancelled even when issued and paid (the money becomes credit), the
year in which it takes effect kept whole, notices dated in the future, backdated notices, withdrawals and their
dates, a second notice, client and vendor notices, terminating → terminated by the lifecycle job, no invoice after,
emails to both parties. Dates hand-computed from docs/domain-rules.md ("Termination notices")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.support import emails_to, finance_messages

pytestmark = pytest.mark.integration
START = date(2025, 1, 1)  # years start 1 January; 100000.00 a year, due 10 days after issue, 30 days' notice


def contract(world: Any, **terms: Any) -> str:
    world.travel(START)
    cid = str(
        world.active_contract(
            **{"annual_fee": "100000.00", "payment_due_days": 10, "term_years": 3, "notice_period_days": 30, **terms}
        )
    )
    world.run("invoicing", START)
    return cid


def notice(world: Any, cid: str, notice_date: str | None, by: str = "client") -> Any:
    body: dict[str, Any] = {"by": by, "reason_code": "convenience", "details": "提前解除"}
    if notice_date is not None:
        body["notice_date"] = notice_date
    return world.call("POST", f"/contracts/{cid}/termination", body)


def pay(world: Any, cid: str, amount: str, paid_on: str, voucher: str) -> None:
    body = {"amount": amount, "paid_on": paid_on, "voucher_no": voucher, "method": "bank_transfer"}
    world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=201)


def balances(world: Any, cid: str, as_of: str) -> dict[str, str]:
    return dict(world.ok("GET", f"/contracts/{cid}/ledger?as_of={as_of}", role="finance")["balances"])


def told(world: Any, kind: str) -> list[dict[str, Any]]:
    return [m for m in finance_messages(world.aws) if m.get("event_type") == kind]


def test_backdated_notice_cancels_a_paid_year_2_and_its_money_becomes_credit(world: Any) -> None:
    cid = contract(world)
    world.travel(date(2025, 1, 5))
    pay(world, cid, "100000.00", "2025-01-05", "Y1")
    world.run("invoicing", date(2026, 1, 1))
    world.travel(date(2026, 1, 5))
    pay(world, cid, "100000.00", "2026-01-05", "Y2")
    # Served by post on 2025-12-02 (recorded 2026-01-08): effective 2025-12-02 + 30 = 2026-01-01, year 2's first day
    world.travel(date(2026, 1, 8))
    resp = notice(world, cid, "2025-12-02")
    assert resp.status_code == 201, resp.json_body
    assert (resp.json_body["effective_date"], resp.json_body["contract_status"]) == ("2026-01-01", "terminating")
    world.deliver()
    by_year = {i["year"]: i for i in world.invoices(cid)}
    assert (by_year[1]["status"], by_year[1]["amount"], by_year[1]["paid"]) == ("paid", "100000.00", "100000.00")
    assert (by_year[2]["status"], by_year[2]["outstanding"]) == ("cancelled", "0.00")
    assert balances(world, cid, "2026-01-08") == {
        "fees_outstanding": "0.00",
        "penalties_outstanding": "0.00",
        "credit": "100000.00",
        "net": "-100000.00",
    }
    [cancelled] = told(world, "InvoiceCancelled")
    assert (cancelled["year"], cancelled["paid"]) == (2, "100000.00")
    # The lifecycle job terminates it as of the effective date; no invoice after, ever
    world.run("lifecycle", date(2026, 1, 8))
    c = world.contract(cid)
    assert (c["status"], c["closed_on"], c["notices"][0]["status"]) == ("terminated", "2026-01-01", "effective")
    world.run("invoicing", date(2027, 1, 1))
    assert [i["year"] for i in world.invoices(cid)] == [1, 2]
    rows = world.ok("GET", "/receivables?as_of=2026-01-08", role="finance")["contracts"]
    assert [(r["credit"], r["net"], r["status"]) for r in rows] == [("100000.00", "-100000.00", "terminated")]


def test_the_year_in_which_the_termination_takes_effect_stays_whole(world: Any) -> None:
    cid = contract(world)
    # Notice on 2025-12-01: effective 2025-12-31, the last day of year 1; year 1 owes its whole fee
    world.travel(date(2025, 12, 1))
    resp = notice(world, cid, None, by="vendor")
    assert resp.status_code == 201 and resp.json_body["effective_date"] == "2025-12-31"
    assert resp.json_body["notice_date"] == "2025-12-01"
    world.deliver()
    # Both parties are told
    for who in ("client@example.com", "vendor@example.com"):
        assert any("解除" in m["subject"] for m in emails_to(who)), who
    world.run("lifecycle", date(2025, 12, 30))
    assert world.contract(cid)["status"] == "terminating"
    world.run("lifecycle", date(2025, 12, 31))
    assert world.contract(cid)["status"] == "terminated"
    world.run("invoicing", date(2026, 1, 1))
    [y1] = world.invoices(cid, date(2026, 1, 1))
    assert (y1["year"], y1["status"], y1["amount"], y1["outstanding"]) == (1, "open", "100000.00", "100000.00")
    # Both parties are told it ended, once, however often the job runs
    world.run("lifecycle", date(2025, 12, 31))
    world.run("lifecycle", date(2026, 1, 2))
    assert len(told(world, "ContractTerminated")) == 1
    for who in ("client@example.com", "vendor@example.com"):
        assert len([m for m in emails_to(who) if "合同已解除" in m["subject"]]) == 1, who


def test_notice_dates_refused(world: Any) -> None:
    cid = contract(world)
    world.travel(date(2025, 6, 1))
    future = notice(world, cid, "2025-06-02")
    assert future.status_code == 400 and future.json_body["error"]["field"] == "notice_date"
    before = notice(world, cid, "2024-12-31")
    assert before.status_code == 400 and before.json_body["error"]["field"] == "notice_date"
    assert world.contract(cid)["status"] == "active"
    assert world.contract(cid)["notices"] == []


def test_second_notice_while_one_is_pending_is_refused_and_changes_nothing(world: Any) -> None:
    cid = contract(world)
    world.travel(date(2025, 6, 1))
    assert notice(world, cid, None).status_code == 201
    second = notice(world, cid, None, by="vendor")
    assert second.status_code == 409, second.json_body
    assert "terminating" in second.json_body["error"]["message"]
    c = world.contract(cid)
    assert (c["status"], len(c["notices"])) == ("terminating", 1)


def withdraw(world: Any, cid: str, **extra: Any) -> Any:
    body = {"reason": "双方协商撤回", "agreed_by": ["client", "vendor"], **extra}
    return world.call("POST", f"/contracts/{cid}/termination/withdraw", body)


def test_withdrawal_dates_and_agreement(world: Any) -> None:
    cid = contract(world)
    world.travel(date(2025, 6, 10))
    assert notice(world, cid, "2025-06-01").json_body["effective_date"] == "2025-07-01"
    # Both parties must agree
    one = world.call("POST", f"/contracts/{cid}/termination/withdraw", {"reason": "撤回", "agreed_by": ["client"]})
    assert one.status_code == 400 and one.json_body["error"]["field"] == "agreed_by"
    # Dated before the notice, or after today: refused
    early = withdraw(world, cid, withdrawn_on="2025-05-31")
    assert early.status_code == 400 and early.json_body["error"]["field"] == "withdrawn_on"
    late = withdraw(world, cid, withdrawn_on="2025-06-11")
    assert late.status_code == 400 and late.json_body["error"]["field"] == "withdrawn_on"
    assert world.contract(cid)["status"] == "terminating"
    # Dated on the notice date itself: accepted
    ok = withdraw(world, cid, withdrawn_on="2025-06-01")
    assert ok.status_code == 200, ok.json_body
    c = world.contract(cid)
    assert c["status"] == "active"
    assert c["notices"][0]["status"] == "withdrawn"
    # The effective date passes: nothing happens; year 2 is invoiced
    world.run("lifecycle", date(2025, 7, 1))
    assert world.contract(cid)["status"] == "active"
    world.run("invoicing", date(2026, 1, 1))
    assert [i["year"] for i in world.invoices(cid)] == [1, 2]


def test_no_withdrawal_on_or_after_the_effective_date(world: Any) -> None:
    cid = contract(world)
    world.travel(date(2025, 6, 1))
    notice(world, cid, None)  # effective 2025-07-01
    # The lifecycle job has not run yet, but the notice has taken effect
    world.travel(date(2025, 7, 1))
    refused = withdraw(world, cid, withdrawn_on="2025-06-30")
    assert refused.status_code == 409, refused.json_body
    assert world.contract(cid)["status"] == "terminating"
    world.run("lifecycle", date(2025, 7, 1))
    assert world.contract(cid)["status"] == "terminated"
    again = withdraw(world, cid)
    assert again.status_code == 409
    assert notice(world, cid, None).status_code == 409  # nor a new notice on a terminated contract


def test_a_notice_taking_effect_after_the_term_lapses_and_the_last_year_stays(world: Any) -> None:
    cid = contract(world, term_years=1)  # ends 2025-12-31
    world.travel(date(2025, 12, 15))
    assert notice(world, cid, None).json_body["effective_date"] == "2026-01-14"
    world.run("lifecycle", date(2026, 1, 1))
    c = world.contract(cid)
    assert (c["status"], c["notices"][0]["status"]) == ("expired", "lapsed")
    assert [i["status"] for i in world.invoices(cid)] == ["open"]
