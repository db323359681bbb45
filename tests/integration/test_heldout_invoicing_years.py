"""Held-out-style invoicing scenarios over the API and the invoicing worker on moto: issue dates for contracts
effective on 29 February, a 31st and a month's end, every term from 1 to 5 years, the term's last day, a run
late by years (catching up once, idempotent, a concurrent duplicate), and the invoices' 大写. Expected dates are
hand-computed from docs/domain-rules.md ("Dates and contract years", "Invoices")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.support import finance_messages

pytestmark = pytest.mark.integration


def active(world: Any, on: date, **terms: Any) -> str:
    world.travel(on)
    return str(world.active_contract(**terms))


def issued(world: Any, cid: str) -> list[tuple[int, str, str, str, str]]:
    return [
        (i["year"], i["issue_date"], i["due_date"], i["period_start"], i["period_end"]) for i in world.invoices(cid)
    ]


def test_leap_day_contract_caught_up_by_one_late_run(world: Any) -> None:
    # Given a five-year contract effective 2024-02-29 (30 days to pay) whose invoicing never ran until 2028-03-01
    cid = active(world, date(2024, 2, 29), term_years=5, payment_due_days=30)
    assert (world.contract(cid)["effective_date"], world.contract(cid)["end_date"]) == ("2024-02-29", "2029-02-27")
    result = world.run("invoicing", date(2028, 3, 1))
    assert result["invoices_issued"] == 5
    # Years start 2024-02-29, 2025-02-28, 2026-02-28, 2027-02-28, 2028-02-29; each ends the day before the next
    assert issued(world, cid) == [
        (1, "2024-02-29", "2024-03-30", "2024-02-29", "2025-02-27"),
        (2, "2025-02-28", "2025-03-30", "2025-02-28", "2026-02-27"),
        (3, "2026-02-28", "2026-03-30", "2026-02-28", "2027-02-27"),
        (4, "2027-02-28", "2027-03-30", "2027-02-28", "2028-02-28"),
        (5, "2028-02-29", "2028-03-30", "2028-02-29", "2029-02-27"),
    ]
    # Rerun, and a run after the term: nothing more, ever
    assert world.run("invoicing", date(2028, 3, 1))["invoices_issued"] == 0
    assert world.run("invoicing", date(2029, 3, 1))["invoices_issued"] == 0
    assert len(world.invoices(cid)) == 5
    assert len([m for m in finance_messages(world.aws) if m.get("event_type") == "InvoiceIssued"]) == 5


@pytest.mark.parametrize("term_years", [1, 2, 3, 4, 5])
def test_every_term_length_gets_one_invoice_per_year_and_none_on_the_day_after_the_term(
    world: Any, term_years: int
) -> None:
    # Effective on a 31st: years start on 31 January of each year; the term ends on 30 January
    cid = active(world, date(2025, 1, 31), term_years=term_years, payment_due_days=15)
    end = date(2025 + term_years, 1, 30)
    assert world.contract(cid)["end_date"] == end.isoformat()
    world.run("invoicing", end)  # the term's last day: every year has started
    world.run("invoicing", date(2025 + term_years, 1, 31))  # the day a next year would start: the term has ended
    assert issued(world, cid) == [
        (
            k,
            f"{2024 + k}-01-31",
            f"{2024 + k}-02-15",
            f"{2024 + k}-01-31",
            f"{2025 + k}-01-30",
        )
        for k in range(1, term_years + 1)
    ]


def test_month_end_contract_year_by_year_runs(world: Any) -> None:
    # Effective 2025-04-30 (a month's last day, not a 31st): years start on 30 April, never on 1 May
    cid = active(world, date(2025, 4, 30), term_years=2, payment_due_days=31)
    world.run("invoicing", date(2025, 4, 30))
    world.run("invoicing", date(2026, 4, 29))  # the day before year 2: nothing yet
    assert [i["year"] for i in world.invoices(cid)] == [1]
    world.run("invoicing", date(2026, 4, 30))
    assert issued(world, cid) == [
        (1, "2025-04-30", "2025-05-31", "2025-04-30", "2026-04-29"),
        (2, "2026-04-30", "2026-05-31", "2026-04-30", "2027-04-29"),
    ]


def test_a_concurrent_duplicate_run_issues_each_year_once(world: Any) -> None:
    # Given a four-year contract effective 2023-06-15 whose invoicing first runs on 2026-06-15 (years 1-4 due)
    cid = active(world, date(2023, 6, 15), term_years=4)
    world.travel(date(2026, 6, 15))
    from chalicelib.bootstrap import get_deps
    from chalicelib.services.billing import issue_for_contract

    deps = get_deps()
    # A second run read the contract (nothing invoiced yet) just before the first run wrote all four years
    stale = deps.repo.get_contract(cid)
    assert world.run("invoicing", date(2026, 6, 15))["invoices_issued"] == 4
    # When the second run goes on from its stale copy, it issues nothing and raises nothing
    assert issue_for_contract(deps, stale, date(2026, 6, 15)) == 0
    world.deliver()
    assert [i["year"] for i in world.invoices(cid)] == [1, 2, 3, 4]
    issued_events = [m for m in finance_messages(world.aws) if m.get("event_type") == "InvoiceIssued"]
    assert sorted(m["year"] for m in issued_events) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("fee", "words"),
    [
        ("100000000.00", "人民币壹亿元整"),
        ("10.00", "人民币壹拾元整"),
        ("0.05", "人民币伍分"),
        ("1000000.10", "人民币壹佰万元壹角"),
        ("1010.01", "人民币壹仟零壹拾元零壹分"),
        ("20000.00", "人民币贰万元整"),
    ],
)
def test_invoice_amount_in_words(world: Any, fee: str, words: str) -> None:
    cid = active(world, date(2025, 3, 1), annual_fee=fee)
    world.run("invoicing", date(2025, 3, 1))
    [inv] = world.invoices(cid)
    assert (inv["amount"], inv["amount_in_words"], inv["outstanding_in_words"]) == (fee, words, words)


def test_a_late_catch_up_run_pays_each_new_year_from_credit_on_its_own_issue_date(world: Any) -> None:
    # 100000.00 a year, due 10 days after issue; 250000.00 paid on 2025-01-05 → year 1 paid, 150000.00 credit
    cid = active(world, date(2025, 1, 1), annual_fee="100000.00", payment_due_days=10, term_years=3)
    world.run("invoicing", date(2025, 1, 1))
    world.travel(date(2025, 1, 5))
    body = {"amount": "250000.00", "paid_on": "2025-01-05", "voucher_no": "ADV-1", "method": "bank_transfer"}
    world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=201)
    # The invoicing job does not run again until 2027-01-15: years 2 and 3 are issued at once
    assert world.run("invoicing", date(2027, 1, 15))["invoices_issued"] == 2
    by_year = {i["year"]: i for i in world.invoices(cid, date(2027, 1, 15))}
    # Year 2 was paid from credit on 2026-01-01 (on time: no penalty); year 3 got the 50000.00 left on 2027-01-01
    assert (by_year[2]["status"], by_year[2]["paid"], by_year[2]["penalties"]["accrued"]) == (
        "paid",
        "100000.00",
        "0.00",
    )
    assert (by_year[3]["status"], by_year[3]["paid"], by_year[3]["outstanding"]) == (
        "partially_paid",
        "50000.00",
        "50000.00",
    )
    # 2027-01-11 → 2027-01-15: 4 days on 50000.00 at 0.05 % = 100.00
    assert by_year[3]["penalties"]["accrued"] == "100.00"
    applied = [m for m in finance_messages(world.aws) if m.get("event_type") == "CreditApplied"]
    assert [(m["year"], m["amount"], m["credit_after"]) for m in applied] == [
        (2, "100000.00", "50000.00"),
        (3, "50000.00", "0.00"),
    ]
    rows = world.ok("GET", "/receivables?as_of=2026-06-01", role="finance")["contracts"]
    assert [(r["outstanding"], r["credit"], r["net"]) for r in rows] == [("0.00", "50000.00", "-50000.00")]


def test_a_late_run_after_expiry_still_issues_the_last_year(world: Any) -> None:
    cid = active(world, date(2024, 7, 1), term_years=2, payment_due_days=30)
    world.run("invoicing", date(2024, 7, 1))
    world.run("lifecycle", date(2026, 7, 1))  # the term ended 2026-06-30: expired, year 2 never invoiced
    assert world.contract(cid)["status"] == "expired"
    assert world.run("invoicing", date(2026, 7, 2))["invoices_issued"] == 1
    assert issued(world, cid) == [
        (1, "2024-07-01", "2024-07-31", "2024-07-01", "2025-06-30"),
        (2, "2025-07-01", "2025-07-31", "2025-07-01", "2026-06-30"),
    ]
