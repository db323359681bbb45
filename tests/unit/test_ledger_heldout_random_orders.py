"""Held-out style, randomized: the same payments (random days, amounts with cents, some designated, some on one
day) recorded chronologically with the jobs on time, or found late and typed in shuffled, give the same figures in
every view for every day; the overdue job's alerts always carry the ledger's figure of their day, and what finance
was told of a penalty (PenaltyAssessed + PenaltyAdjusted deltas) adds up to the last figure told."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.conftest import Office
from tests.unit.ledger_heldout_support import Desk, clause
from tests.unit.test_ledger_heldout_orders import figures

D = date.fromisoformat
EFFECTIVE = D("2027-08-31")  # years start 08-31; 20 days to pay: year 1 due 2027-09-20, year 2 due 2028-09-20
ISSUES = (D("2027-08-31"), D("2028-08-31"))
END = D("2029-01-15")
CLAUSES = [clause("daily_pct", "0.05"), clause("daily_pct", "0.3", "7.5"), clause("contract_pct", "1.5", "4")]

Pay = tuple[date, str, str, list[tuple[int, str]]]


def history(seed: int) -> list[Pay]:
    rng = random.Random(seed)
    out: list[Pay] = []
    days = (END - EFFECTIVE).days
    for i in range(rng.randint(3, 7)):
        on = EFFECTIVE + timedelta(days=rng.randrange(days))
        amount = f"{rng.randint(1000, 60000)}.{rng.randint(0, 99):02d}"
        designation: list[tuple[int, str]] = []
        if rng.random() < 0.35:
            designation = [(rng.choice((1, 2)), rng.choice(("fee", "late_penalty")))]
        out.append((on, amount, f"R{seed}-{i}", designation))
        if rng.random() < 0.2:  # another the same day
            out.append((on, "777.77", f"R{seed}-{i}b", []))
    return out


def start(office: Office, seed: int) -> str:
    late = CLAUSES[seed % len(CLAUSES)]
    return office.activate(EFFECTIVE, annual_fee="45678.91", payment_due_days=20, late_penalty=late, term_years=2)


def on_time(office: Office, desk: Desk, seed: int) -> str:
    cid = start(office, seed)
    due_days = [d + timedelta(days=20 + n) for d in ISSUES for n in (1, 15, 30, 60, 90)]
    events: list[tuple[date, int, Any]] = [(d, 0, "invoice") for d in ISSUES]
    events += [(d, 2, "overdue") for d in due_days if d <= END]
    events += [(p[0], 1, p) for p in history(seed)]
    # same-day payments in the history's order (the recorded order within a day is a rule)
    for day, _, what in sorted(events, key=lambda e: (e[0], e[1])):
        if what == "invoice":
            office.run_invoicing(day)
        elif what == "overdue":
            office.run_overdue(day)
        else:
            _, amount, voucher, designation = what
            desk.pay(cid, amount, day, voucher, applies_to=designation)
    return cid


def found_late(office: Office, desk: Desk, seed: int) -> str:
    cid = start(office, seed)
    office.run_invoicing(ISSUES[0])
    pays = history(seed)
    # Same-day payments keep their recorded order (within a day it is a rule); the days are shuffled
    days = sorted({p[0] for p in pays})
    random.Random(seed * 31).shuffle(days)
    for day in days:
        for p in [p for p in pays if p[0] == day]:
            desk.pay(cid, p[1], p[0], p[2], applies_to=p[3], record_on=END)
    office.run_invoicing(END)  # the invoicing job ran late too
    office.run_overdue(END)
    return cid


def lagging(office: Office, desk: Desk, seed: int) -> str:
    """Each slip typed in 0–120 days after it was paid (so later slips often before earlier ones), the jobs run on
    time every day something happens and at every alert level; a same-day group is typed in together."""
    rng = random.Random(seed * 7 + 3)
    cid = start(office, seed)
    groups: dict[date, list[Pay]] = {}
    for p in history(seed):
        groups.setdefault(p[0], []).append(p)
    typed = {day: min(day + timedelta(days=rng.randint(0, 120)), END) for day in groups}
    due_days = [d + timedelta(days=20 + n) for d in ISSUES for n in (1, 15, 30, 60, 90)]
    job_days = sorted({*ISSUES, *due_days, *typed.values()})
    for day in [d for d in job_days if d <= END]:
        office.run_invoicing(day)
        for paid_on in [p for p, t in typed.items() if t == day]:
            for p in groups[paid_on]:
                desk.pay(cid, p[1], p[0], p[2], applies_to=p[3], record_on=day)
        office.run_overdue(day)
    return cid


SEEDS = range(int(__import__("os").environ.get("HO_SEEDS", "12")))


@pytest.mark.parametrize("variant", [found_late, lagging])
@pytest.mark.parametrize("seed", SEEDS)
def test_random_histories_give_the_same_figures_in_any_recording_order(seed: int, variant: Any) -> None:
    first, second = Office(), Office()
    a_desk, b_desk = Desk(first), Desk(second)
    a = on_time(first, a_desk, seed)
    b = variant(second, b_desk, seed)
    first.at(END)
    second.at(END)
    days = {EFFECTIVE + timedelta(days=n) for n in range(0, (END - EFFECTIVE).days + 1, 5)}
    days |= {p[0] + timedelta(days=k) for p in history(seed) for k in (-1, 0, 1)}
    days |= {d + timedelta(days=k) for d in ISSUES for k in (0, 20, 21)}
    for day in sorted(days):
        assert figures(a_desk, a, day) == figures(b_desk, b, day), (seed, day)
    check_what_finance_was_told(first, a_desk, a, all_known=True)
    # (a slip typed in after an alert may change that alert's day: the alert said what was known then)
    check_what_finance_was_told(second, b_desk, b, all_known=variant is found_late)


def check_what_finance_was_told(office: Office, desk: Desk, cid: str, all_known: bool) -> None:
    # Each alert's figures are the ledger's own as of the alert's day, when every slip of that day was known
    for alert in desk.told(cid, "InvoiceOverdue") if all_known else []:
        inv = desk.invoices(cid, D(alert["as_of"]))[alert["year"]]
        assert (alert["outstanding"], alert["penalty_accrued"]) == (inv["outstanding"], inv["penalties"]["accrued"])
    # One alert per (fee, level)
    levels = [(a["year"], lv) for a in desk.told(cid, "InvoiceOverdue") for lv in [a["level"], *a["levels_skipped"]]]
    assert len(levels) == len(set(levels))
    # Per fee, the deltas told add up to the last figure told, and that figure is the ledger's of its day
    for inv in office.invoices(cid):
        told = [p for k in ("PenaltyAssessed", "PenaltyAdjusted") for p in desk.told(cid, k) if p["year"] == inv.year]
        assert sum((Decimal(p["penalty_delta"]) for p in told), Decimal(0)) == inv.penalty_reported
        if inv.assessments:
            last = inv.assessments[-1]
            assert str(last.total) == desk.invoices(cid, last.on)[inv.year]["penalties"]["accrued"]
