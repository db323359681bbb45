"""CSV formula injection: no text cell of the receivables export starts with what makes a spreadsheet run it."""

from __future__ import annotations

import csv
import io

import pytest

from chalicelib.services.receivables import csv_amount, csv_cell, receivables_csv

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"]


@pytest.mark.parametrize("trigger", TRIGGERS, ids=lambda t: f"U+{ord(t):04X}")
def test_a_text_cell_starting_with_a_trigger_is_quoted(trigger: str) -> None:
    assert csv_cell(f"{trigger}1+1") == f"'{trigger}1+1"


@pytest.mark.parametrize("text", ["北京云帆科技有限公司", "ACME = fine", "1+1", "'already", " =1+1"])
def test_other_text_is_left_as_written(text: str) -> None:
    assert csv_cell(text) == text


@pytest.mark.parametrize("amount", ["0.00", "120000.00", "9999999999999.99"])
def test_real_amounts_stay_numbers(amount: str) -> None:
    assert csv_amount(amount) == amount


@pytest.mark.parametrize(("amount", "cell"), [("-100.00", "(100.00)"), ("-0.01", "(0.01)"), ("-0.00", "0.00")])
def test_a_negative_amount_is_written_in_parentheses(amount: str, cell: str) -> None:
    assert csv_amount(amount) == cell


@pytest.mark.parametrize("text", ["-2+3", "-1.00+1", "+100.00", "=1", "-100", "-1e5", "@1.00"])
def test_anything_else_in_an_amount_column_is_neutralized(text: str) -> None:
    assert csv_amount(text) == "'" + text


def test_every_cell_of_an_export_is_safe() -> None:
    # Given a report whose names and (hypothetically corrupted) figures are all hostile
    row = dict.fromkeys(("outstanding", "not_yet_due", "overdue", "0-30", "31-60", "61-90", "90+"), "-2+3")
    row |= {"penalties": "=1", "penalties_outstanding": "@A1", "credit": "100.00", "net": "-100.00"}
    report = {
        "contracts": [
            {
                "contract_id": "@id",
                "contract_no": "+HT",
                "client": '=HYPERLINK("http://evil.example","x")',
                "status": "-",
                **row,
            }
        ],
        "totals": row,
    }
    # When it is exported
    rows = list(csv.reader(io.StringIO(receivables_csv(report).lstrip("\ufeff"))))
    # Then no cell starts with a trigger unless it is a real amount
    for cells in rows[1:]:
        for cell in cells:
            assert not cell.startswith(tuple(TRIGGERS)), cell
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[1][-1] == "(100.00)" and rows[1][-2] == "100.00"
