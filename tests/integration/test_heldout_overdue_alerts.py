"""Held-out-style overdue scenarios over the overdue worker on moto: one alert per (invoice, level) across repeated,
late and concurrent runs, nothing after payment, PenaltyAssessed deltas for daily_pct (with and without a cap) and
contract_pct, and the SNS message attribute `event_type`. Figures hand-computed from docs/domain-rules.md
("Overdue invoices and late penalties"): 100000.00 a year, due 10 days after issue (2025-01-11)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID

pytestmark = pytest.mark.integration
START = date(2025, 1, 1)


def contract(world: Any, penalty: dict[str, Any], **terms: Any) -> str:
    world.travel(START)
    cid = str(
        world.active_contract(annual_fee="100000.00", payment_due_days=10, term_years=3, late_penalty=penalty, **terms)
    )
    world.run("invoicing", START)
    return cid


def published(world: Any) -> list[tuple[str, dict[str, Any]]]:
    """(the message attribute event_type, the message) of everything sent to the finance topic, oldest first."""
    from moto.sns.models import sns_backends

    topic = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].topics[world.aws["topics"]["FinanceTopic"]]
    return [(attrs["event_type"]["Value"], json.loads(msg)) for _, msg, _, attrs, _ in topic.sent_notifications]


def of(world: Any, kind: str) -> list[dict[str, Any]]:
    out = []
    for attr, msg in published(world):
        assert attr == msg["event_type"]  # the attribute subscribers filter on says what the message is
        if attr == kind:
            out.append(msg)
    return out


def assessed(world: Any) -> list[tuple[str, str, int]]:
    return [(m["penalty_total"], m["penalty_delta"], m["days_overdue"]) for m in of(world, "PenaltyAssessed")]


def alerts(world: Any) -> list[tuple[int, list[int], int]]:
    return [(m["level"], list(m["levels_skipped"]), m["days_overdue"]) for m in of(world, "InvoiceOverdue")]


def test_levels_once_across_repeated_late_and_concurrent_runs_then_payment(world: Any) -> None:
    cid = contract(world, {"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": None})  # 50.00 a day
    world.run("overdue", date(2025, 1, 11))  # the due date: not overdue
    assert alerts(world) == []
    world.run("overdue", date(2025, 1, 12))
    world.run("overdue", date(2025, 1, 12))  # rerun: nothing twice
    world.run("overdue", date(2025, 1, 20))  # 9 days: no new level
    assert alerts(world) == [(1, [], 1)]
    assert assessed(world) == [("50.00", "50.00", 1)]
    # A run late by weeks (35 days): levels 15 and 30 newly reached → one alert at 30, 15 marked sent
    from chalicelib.bootstrap import get_deps
    from chalicelib.services.billing import check_overdue

    deps = get_deps()
    stale = deps.repo.get_invoice(cid, 1)  # a concurrent run read the invoice before this one wrote
    world.run("overdue", date(2025, 2, 15))
    assert check_overdue(deps, stale, date(2025, 2, 15)) == {"overdue_invoices": 1, "escalated": 0}
    world.deliver()
    assert alerts(world) == [(1, [], 1), (30, [15], 35)]
    assert assessed(world) == [("50.00", "50.00", 1), ("1750.00", "1700.00", 35)]
    # Paid in full on 2025-02-20 (40 days late): the final penalty, 40 × 50.00 = 2000.00, is reported once
    world.travel(date(2025, 2, 20))
    body = {"amount": "100000.00", "paid_on": "2025-02-20", "voucher_no": "OD-1", "method": "bank_transfer"}
    world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=201)
    world.deliver()
    assert assessed(world)[-1] == ("2000.00", "250.00", 40)
    # Runs after the payment (63 and 91 days after the due date) alert nothing and assess nothing more
    world.run("overdue", date(2025, 3, 15))
    world.run("overdue", date(2025, 4, 12))
    assert len(alerts(world)) == 2
    assert len(assessed(world)) == 3
    [inv] = world.invoices(cid, date(2025, 4, 12))
    assert (inv["status"], inv["penalties"]["accrued"], inv["penalties"]["outstanding"]) == (
        "paid",
        "2000.00",
        "2000.00",
    )


def test_daily_pct_with_a_cap(world: Any) -> None:
    # 0.1 %/day of 100000.00 = 100.00 a day, capped at 5 % of the overdue amount = 5000.00 (reached on day 50)
    cid = contract(world, {"mode": "daily_pct", "rate_pct": "0.1", "cap_pct": "5"})
    world.run("overdue", date(2025, 1, 26))  # 15 days
    world.run("overdue", date(2025, 2, 10))  # 30 days
    world.run("overdue", date(2025, 3, 12))  # 60 days: 6000.00 uncapped → 5000.00
    world.run("overdue", date(2025, 4, 11))  # 90 days: still 5000.00, no new assessment
    assert [lv for lv, _, _ in alerts(world)] == [15, 30, 60, 90]
    assert assessed(world) == [
        ("1500.00", "1500.00", 15),
        ("3000.00", "1500.00", 30),
        ("5000.00", "2000.00", 60),
    ]
    [inv] = world.invoices(cid, date(2025, 4, 11))
    assert inv["penalties"]["accrued"] == "5000.00"


def test_daily_pct_cap_counts_only_what_was_unpaid_on_the_due_date(world: Any) -> None:
    # 40000.00 paid on time: overdue amount 60000.00; 0.1 %/day = 60.00 a day, cap 5 % = 3000.00
    cid = contract(world, {"mode": "daily_pct", "rate_pct": "0.1", "cap_pct": "5"})
    world.travel(date(2025, 1, 10))
    body = {"amount": "40000.00", "paid_on": "2025-01-10", "voucher_no": "PART-1", "method": "bank_transfer"}
    world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=201)
    world.run("overdue", date(2025, 2, 10))  # 30 days: 1800.00
    world.run("overdue", date(2025, 3, 12))  # 60 days: 3600.00 → 3000.00
    assert assessed(world) == [("1800.00", "1800.00", 30), ("3000.00", "1200.00", 60)]


def test_contract_pct_once_with_and_without_cap(world: Any) -> None:
    # contract amount 3 × 100000.00 = 300000.00; 2 % = 6000.00, once per overdue invoice
    cid = contract(world, {"mode": "contract_pct", "rate_pct": "2", "cap_pct": None})
    world.run("overdue", date(2025, 1, 12))
    world.run("overdue", date(2025, 2, 10))
    world.run("overdue", date(2025, 4, 11))
    assert [lv for lv, _, _ in alerts(world)] == [1, 30, 90]
    assert assessed(world) == [("6000.00", "6000.00", 1)]
    [inv] = world.invoices(cid, date(2025, 4, 11))
    assert inv["penalties"]["accrued"] == "6000.00"


def test_contract_pct_capped(world: Any) -> None:
    # 2 % of 300000.00 = 6000.00, capped at 5 % of the overdue 100000.00 = 5000.00
    contract(world, {"mode": "contract_pct", "rate_pct": "2", "cap_pct": "5"})
    world.run("overdue", date(2025, 1, 12))
    world.run("overdue", date(2025, 1, 26))
    assert assessed(world) == [("5000.00", "5000.00", 1)]


def test_a_payment_recorded_while_the_job_runs_stops_the_alert(world: Any) -> None:
    cid = contract(world, {"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": None})
    from chalicelib.bootstrap import get_deps
    from chalicelib.services.billing import check_overdue

    deps = get_deps()
    world.travel(date(2025, 1, 26))
    # The job read the open invoice (15 days overdue) from its index; then finance recorded the full payment,
    # dated 2025-01-20 (9 days late: 450.00 of penalty, reported with the payment)
    stale = deps.repo.get_invoice(cid, 1)
    body = {"amount": "100000.00", "paid_on": "2025-01-20", "voucher_no": "RACE-1", "method": "bank_transfer"}
    world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=201)
    assert check_overdue(deps, stale, date(2025, 1, 26))["escalated"] == 0
    world.deliver()
    assert alerts(world) == []
    assert assessed(world) == [("450.00", "450.00", 9)]
