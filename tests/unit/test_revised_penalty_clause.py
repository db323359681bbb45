"""An agreement in force on a contract year's first day sets that year's late-penalty clause whichever was recorded
first that day: the invoicing run or the agreement (docs/domain-rules.md, "Revisions and cancellations"). Figures,
finance's alerts, the invoice view and the 催款函 all use the clause the fee is held to."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chalicelib.services import letters
from chalicelib.services.ledger_views import invoices_response
from tests.unit.conftest import Office

D = date.fromisoformat
TERMS: dict[str, Any] = {
    "annual_fee": "120000.00",
    "term_years": 3,
    "payment_due_days": 30,
    "late_penalty": {"mode": "daily_pct", "rate_pct": "0.05"},
}


@pytest.mark.parametrize("invoiced_first", [True, False])
@pytest.mark.parametrize(
    ("clause", "day1", "day3", "text"),
    [
        # daily 0.1 %: 120000.00 × 0.1 % = 120.00 a day overdue (the old clause: 60.00)
        ({"mode": "daily_pct", "rate_pct": "0.1"}, "120.00", "360.00", "每日0.1%"),
        # 2 % of the contract amount once (3 × 120000.00 = 360000.00 → 7200.00), capped at 5 % of the 120000.00
        # unpaid on the due date = 6000.00
        ({"mode": "contract_pct", "rate_pct": "2", "cap_pct": "5"}, "6000.00", "6000.00", "合同金额的2%"),
    ],
)
def test_a_clause_in_force_on_the_years_first_day_governs_it_in_either_order(
    office: Office, invoiced_first: bool, clause: dict[str, Any], day1: str, day3: str, text: str
) -> None:
    # Effective 2026-01-31; year 2 starts 2027-01-31, due 30 days later: Jan 31 + 28 = Feb 28, + 2 = 2027-03-02.
    cid = office.activate(D("2026-01-31"), **TERMS)
    office.run_invoicing(D("2026-01-31"))
    office.pay(cid, "120000.00", D("2026-02-10"))
    if invoiced_first:
        office.run_invoicing(D("2027-01-31"))
    office.amend(cid, D("2027-01-31"), late_penalty=clause)
    office.run_invoicing(D("2027-01-31"))
    office.run_overdue(D("2027-03-03"))  # 1 day overdue
    alerts = [e.payload for e in office.repo.events("InvoiceOverdue", cid) if e.payload["year"] == 2]
    assert [(a["days_overdue"], a["penalty_accrued"]) for a in alerts] == [(1, day1)]
    assessed = [e.payload for e in office.repo.events("PenaltyAssessed", cid) if e.payload["year"] == 2]
    assert [(a["mode"], a["rate_pct"], a["penalty_total"]) for a in assessed] == [
        (clause["mode"], clause["rate_pct"], day1)
    ]
    book = office.repo.load_ledger(cid)
    row = next(i for i in invoices_response(book, D("2027-03-05"), D("2027-03-05"))["items"] if i["year"] == 2)
    assert row["penalties"]["accrued"] == day3  # 3 days on 03-05
    assert (row["penalties"]["mode"], row["penalties"]["rate_pct"]) == (clause["mode"], clause["rate_pct"])
    html = letters.letter_html(book, "overdue-letter", 2, D("2027-03-05"), D("2027-03-05"))
    assert text in html and "每日0.05%" not in html
