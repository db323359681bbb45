"""Held-out style: the SAME facts recorded in different orders (back-dated slips found after later ones, the
invoicing job on time or late) give identical figures in every view finance reads, for every `as_of`; and what
the overdue job tells finance (one alert per fee and level, PenaltyAssessed deltas summing to the penalty,
PenaltyAdjusted when a back-dated payment lowers it, nothing twice on a rerun). Hand-computed anchors in the
comments (docs/domain-rules.md, "Receivables ledger")."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.conftest import Office
from tests.unit.ledger_heldout_support import Desk, clause

D = date.fromisoformat
FEE = "98765.43"
EFFECTIVE = D("2027-01-31")  # year 1 due 2027-03-02, year 2 issued 2028-01-31 due 2028-03-01, year 3 2029-01-31
ISSUES = (D("2027-01-31"), D("2028-01-31"), D("2029-01-31"))
LATEST = D("2029-04-01")

# (kind, day, args): payments (amount, voucher, designation) and waivers (year, amount)
Fact = tuple[str, date, tuple[Any, ...]]
FACTS: list[Fact] = [
    ("pay", D("2027-03-03"), ("50000.00", "P-1", [])),
    ("pay", D("2027-03-12"), ("48765.43", "P-2", [])),
    ("pay", D("2027-04-30"), ("300.00", "P-3", [])),
    ("pay", D("2028-02-20"), ("20000.00", "P-4", [(2, "fee")])),
    ("pay", D("2028-03-20"), ("80000.00", "P-5", [])),
    ("waive", D("2028-03-10"), (2, "100.00")),
    ("pay", D("2029-03-05"), ("1000.00", "P-6", [(3, "late_penalty")])),
]


def new_contract(office: Office) -> str:
    return office.activate(
        EFFECTIVE, annual_fee=FEE, payment_due_days=30, late_penalty=clause("daily_pct", "0.05"), term_years=3
    )


def record(desk: Desk, cid: str, fact: Fact, record_on: date | None) -> None:
    kind, day, args = fact
    if kind == "pay":
        amount, voucher, designation = args
        desk.pay(cid, amount, day, voucher, applies_to=designation, record_on=record_on)
    else:
        year, amount = args
        desk.waive(cid, year, amount, day, record_on=record_on)


def chronological(office: Office, desk: Desk) -> str:
    """Each fact recorded on its own day, the invoicing and overdue jobs run on time in between."""
    cid = new_contract(office)
    jobs: list[Fact] = [("invoice", d, ()) for d in ISSUES]
    jobs += [("overdue", d + timedelta(days=n), ()) for d in (D("2027-03-02"), D("2028-03-01")) for n in (1, 15, 30)]
    for fact in sorted(FACTS + jobs, key=lambda f: (f[1], f[0] != "invoice")):
        if fact[0] == "invoice":
            office.run_invoicing(fact[1])
        elif fact[0] == "overdue":
            office.run_overdue(fact[1])
        else:
            record(desk, cid, fact, None)
    return cid


def late_and_shuffled(office: Office, desk: Desk, seed: int) -> str:
    """Every year invoiced on time, then finance types the slips in on 2029-04-01 in a random order (the waiver
    after the payments of its day and before, so it never exceeds what was owed on its date)."""
    cid = new_contract(office)
    for d in ISSUES:
        office.run_invoicing(d)
    facts = [f for f in FACTS if f[0] == "pay"]
    random.Random(seed).shuffle(facts)
    for fact in facts:
        record(desk, cid, fact, LATEST)
    record(desk, cid, next(f for f in FACTS if f[0] == "waive"), LATEST)
    return cid


def invoicing_late(office: Office, desk: Desk) -> str:
    """Payments recorded on their days, but the invoicing job only ran on 2029-04-01 (catching up)."""
    cid = new_contract(office)
    office.run_invoicing(ISSUES[0])
    for fact in [f for f in FACTS if f[1] < ISSUES[1]]:
        record(desk, cid, fact, None)
    office.run_invoicing(LATEST)
    for fact in [f for f in FACTS if f[1] >= ISSUES[1] and f[0] == "pay"]:
        record(desk, cid, fact, LATEST)
    record(desk, cid, next(f for f in FACTS if f[0] == "waive"), LATEST)
    return cid


TOLD = ("assessed", "assessed_in_words", "assessments")  # what finance was told depends on when jobs ran


def figures(desk: Desk, cid: str, as_of: date) -> dict[str, Any]:
    invoices = desk.invoices(cid, as_of)
    for inv in invoices.values():
        inv.pop("alert_levels_sent")
        for k in TOLD:
            inv["penalties"].pop(k)
    ledger = desk.ledger(cid, as_of)
    row = desk.row(cid, as_of)
    if row is not None:
        row = {k: v for k, v in row.items() if k not in ("contract_id", "contract_no")}
    return {"invoices": invoices, "fees": ledger["fees"], "balances": ledger["balances"], "receivables": row}


DAYS = sorted(
    {EFFECTIVE + timedelta(days=n) for n in range(0, (LATEST - EFFECTIVE).days + 1, 7)}
    | {d + timedelta(days=k) for (_, d, _) in FACTS for k in (-1, 0, 1)}
    | {d + timedelta(days=k) for d in ISSUES for k in (-1, 0, 30, 31)}
)


Recorder = Callable[[Office, Desk], str]


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda o, d: late_and_shuffled(o, d, 1), id="shuffled-1"),
        pytest.param(lambda o, d: late_and_shuffled(o, d, 7), id="shuffled-7"),
        pytest.param(invoicing_late, id="invoicing-late"),
    ],
)
def test_the_same_facts_in_another_order_give_the_same_figures_every_day(variant: Recorder) -> None:
    first, second = Office(), Office()
    a_desk, b_desk = Desk(first), Desk(second)
    a = chronological(first, a_desk)
    b = variant(second, b_desk)
    first.at(LATEST)
    second.at(LATEST)
    for day in DAYS:
        assert figures(a_desk, a, day) == figures(b_desk, b, day), day
    # The invoices' cached state (what the overdue job reads) is the ledger's, in both
    for office, desk, cid in ((first, a_desk, a), (second, b_desk, b)):
        view = desk.invoices(cid, LATEST)
        for inv in office.invoices(cid):
            assert (inv.status, str(inv.amount), str(inv.paid)) == (
                view[inv.year]["status"],
                view[inv.year]["amount"],
                view[inv.year]["paid"],
            )


def test_the_anchors_of_that_history_by_hand() -> None:
    office = Office()
    desk = Desk(office)
    cid = chronological(office, desk)
    office.at(LATEST)
    inv = desk.invoices(cid, LATEST)
    # Year 1: 268.83 penalty (1 day on 98,765.43 + 9 days on 48,765.43), paid by P-3 (300.00): 31.17 credit.
    assert (inv[1]["penalties"]["accrued"], inv[1]["penalties"]["outstanding"]) == ("268.83", "0.00")
    # Year 2: 31.17 from credit on 2028-01-31, P-4 20,000 on 02-20 → 78,734.26 unpaid on the due date 03-01;
    # P-5 on 03-20: 19 days (03-02..03-20) × 78,734.26 = 1,495,950.94 × 0.05 % = 747.97547 → 747.98;
    # waived 100.00 on 03-10 (outstanding then 9 days: 708,608.34 × 0.05 % = 354.30417 → 354.30 ≥ 100).
    assert (inv[2]["status"], inv[2]["penalties"]["accrued"], inv[2]["penalties"]["waived"]) == (
        "paid",
        "747.98",
        "100.00",
    )
    # P-5 80,000: fee 78,734.26, then penalty 747.98 − 100 = 647.98 → 80,000 − 78,734.26 − 647.98 = 617.76 credit
    assert desk.balances(cid, D("2028-03-20"))["credit"] == "617.76"
    # Year 3 (2029-01-31) takes the 617.76: 98,147.67 due 2029-03-02 (2029 is not a leap year).
    on_issue = desk.invoices(cid, ISSUES[2])[3]
    assert (on_issue["due_date"], on_issue["paid"], on_issue["outstanding"]) == ("2029-03-02", "617.76", "98147.67")
    # P-6 1,000 on 03-05 designated to year 3's penalty: 3 days (03-03..03-05) × 98,147.67 = 294,443.01
    #   × 0.05 % = 147.221505 → 147.22 → the rest 852.78 to the fee: 97,294.89 left
    assert desk.invoices(cid, D("2029-03-05"))[3]["outstanding"] == "97294.89"
    # As of 2029-04-01: 147.22 + 27 days (03-06..04-01) × 97,294.89 = 2,626,962.03
    #   → (294,443.01 + 2,626,962.03) × 0.05 % = 1,460.70252 → 1,460.70; 147.22 paid → 1,313.48 outstanding
    assert (inv[3]["penalties"]["accrued"], inv[3]["penalties"]["outstanding"]) == ("1460.70", "1313.48")
    assert desk.balances(cid, LATEST) == {
        "fees_outstanding": "97294.89",
        "penalties_outstanding": "1313.48",
        "credit": "0.00",
        "net": "98608.37",
    }


# ---- what finance is told ----------------------------------------------------------------------------------
def unpaid(office: Office) -> str:
    cid = new_contract(office)
    office.run_invoicing(ISSUES[0])
    return cid


def told(desk: Desk, cid: str, kind: str, *fields: str) -> list[tuple[Any, ...]]:
    return [tuple(p[f] for f in fields) for p in desk.told(cid, kind)]


def test_one_alert_per_level_deltas_sum_to_the_penalty_and_a_rerun_sends_nothing(office: Office) -> None:
    desk = Desk(office)
    cid = unpaid(office)
    due = D("2027-03-02")
    for n in (1, 15, 30, 30, 15):  # the last two: a rerun of the same day, and of an older day
        office.run_overdue(due + timedelta(days=n))
    assert told(desk, cid, "InvoiceOverdue", "level", "levels_skipped") == [(1, []), (15, []), (30, [])]
    # The invoice as of due + 15 shows what finance had been told by then, not what it was told later
    pen = desk.invoices(cid, due + timedelta(days=15))[1]["penalties"]
    assert (pen["assessed"], [a["total"] for a in pen["assessments"]]) == ("740.74", ["49.38", "740.74"])
    assert desk.invoices(cid, due)[1]["penalties"]["assessed"] == "0.00"
    # 49.382715 a day: 1 day 49.38; 15 days 740.740725 → 740.74; 30 days 1,481.4814 → 1,481.48
    assert told(desk, cid, "PenaltyAssessed", "penalty_total", "penalty_delta") == [
        ("49.38", "49.38"),
        ("740.74", "691.36"),
        ("1481.48", "740.74"),
    ]
    # A slip dated due + 5 for the whole fee, found and recorded on due + 31: 5 days → 246.913575 → 246.91
    Desk(office).pay(cid, FEE, due + timedelta(days=5), "FOUND", record_on=due + timedelta(days=31))
    assert told(desk, cid, "PenaltyAdjusted", "penalty_total", "penalty_delta") == [("246.91", "-1234.57")]
    deltas = [Decimal(p["penalty_delta"]) for k in ("PenaltyAssessed", "PenaltyAdjusted") for p in desk.told(cid, k)]
    assert sum(deltas) == Decimal("246.91") == Decimal(desk.invoices(cid)[1]["penalties"]["accrued"])
    # The paid fee gets no further alert
    office.run_overdue(due + timedelta(days=60))
    assert len(desk.told(cid, "InvoiceOverdue")) == 3


def test_a_late_first_run_sends_the_highest_level_once_and_marks_the_skipped(office: Office) -> None:
    desk = Desk(office)
    cid = unpaid(office)
    due = D("2027-03-02")
    office.run_overdue(due + timedelta(days=16))
    office.run_overdue(due + timedelta(days=16))
    assert told(desk, cid, "InvoiceOverdue", "level", "levels_skipped", "days_overdue") == [(15, [1], 16)]
    # 16 days: 49.382715 × 16 = 790.12344 → 790.12
    assert told(desk, cid, "PenaltyAssessed", "penalty_total", "penalty_delta") == [("790.12", "790.12")]
    assert desk.invoices(cid, due + timedelta(days=16))[1]["alert_levels_sent"] == [1, 15]


def test_a_back_dated_partial_payment_recorded_between_runs_is_in_the_next_assessment(office: Office) -> None:
    desk = Desk(office)
    cid = unpaid(office)
    due = D("2027-03-02")
    office.run_overdue(due + timedelta(days=1))  # 49.38
    desk.pay(cid, "50000.00", due + timedelta(days=1), "BACK", record_on=due + timedelta(days=10))
    office.run_overdue(due + timedelta(days=15))
    # 1 day on 98,765.43 + 14 days on 48,765.43 = 98,765.43 + 682,716.02 = 781,481.45 × 0.05 % = 390.740725
    #   → 390.74; told 49.38 before → delta 341.36
    assert told(desk, cid, "PenaltyAssessed", "penalty_total", "penalty_delta") == [
        ("49.38", "49.38"),
        ("390.74", "341.36"),
    ]
    [alert] = [p for p in desk.told(cid, "InvoiceOverdue") if p["level"] == 15]
    assert (alert["outstanding"], alert["penalty_accrued"]) == ("48765.43", "390.74")


def test_contract_pct_is_told_once_though_every_level_is_alerted(office: Office) -> None:
    desk = Desk(office)
    cid = office.activate(EFFECTIVE, annual_fee=FEE, late_penalty=clause("contract_pct", "2"), term_years=3)
    office.run_invoicing(ISSUES[0])
    due = D("2027-03-02")
    for n in (1, 15, 30):
        office.run_overdue(due + timedelta(days=n))
    assert [p["level"] for p in desk.told(cid, "InvoiceOverdue")] == [1, 15, 30]
    # 3 × 98,765.43 = 296,296.29 × 2 % = 5,925.9258 → 5,925.93, told once
    assert told(desk, cid, "PenaltyAssessed", "penalty_total", "penalty_delta") == [("5925.93", "5925.93")]
