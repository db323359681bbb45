"""Receivables (应收账款) as of any day, from each contract's ledger: fees not yet due, fees overdue by aging bucket,
penalties outstanding, credit and net; and the CSV finance opens in Excel (cells neutralized against formulas)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain import notices
from chalicelib.domain.ledger import BUCKETS, ZERO, Ledger, aging_bucket
from chalicelib.domain.money import money_str, quantize
from chalicelib.services import ledger as ledgers
from chalicelib.services.base import Deps
from chalicelib.services.ports import LedgerBook

FIGURES = ("outstanding", "not_yet_due", "overdue", *BUCKETS, "penalties", "penalties_outstanding", "credit", "net")


def _row(book: LedgerBook, ledger: Ledger, as_of: date) -> dict[str, Any] | None:
    fees = [st for st in ledger.fees.values() if st.live]
    sums: dict[str, Decimal] = dict.fromkeys(FIGURES, ZERO)
    for st in fees:
        sums["outstanding"] += st.outstanding
        sums["penalties"] += st.penalty_accrued
        days = st.days_overdue(as_of)
        if days > 0:
            sums["overdue"] += st.outstanding
            sums[aging_bucket(days)] += st.outstanding
        else:
            sums["not_yet_due"] += st.outstanding
    sums["penalties_outstanding"] = ledger.penalties_outstanding
    sums["credit"] = ledger.credit
    sums["net"] = ledger.net
    if not (sums["outstanding"] or sums["penalties_outstanding"] or sums["credit"]):
        return None
    c = book.contract
    return {
        "contract_id": c.id,
        "contract_no": c.contract_no,
        "client": c.client.name,
        "status": notices.status_on(c, as_of),  # as it stood that day
        **{k: money_str(quantize(v)) for k, v in sums.items()},
        "invoices": [
            {
                "year": st.year,
                "due_date": st.due_on.isoformat(),
                "outstanding": money_str(st.outstanding),
                "days_overdue": st.days_overdue(as_of),
                "penalty_outstanding": money_str(st.penalty_outstanding),
            }
            for st in fees
            if st.outstanding or st.penalty_outstanding
        ],
    }


def receivables(deps: Deps, as_of: date) -> dict[str, Any]:
    """Every contract with anything owed or credited on `as_of`; reads only contracts not settled before it."""
    rows = []
    totals: dict[str, Decimal] = dict.fromkeys(FIGURES, ZERO)
    for contract_id in sorted(set(deps.repo.receivable_contracts(as_of))):
        book = deps.repo.load_ledger(contract_id)
        row = _row(book, ledgers.view(book, as_of), as_of)
        if row is None:
            continue
        rows.append(row)
        for k in FIGURES:
            totals[k] += Decimal(row[k])
    return {
        "as_of": as_of.isoformat(),
        "buckets": list(BUCKETS),
        "contracts": rows,
        "totals": {k: money_str(quantize(v)) for k, v in totals.items()},
    }


# What makes Excel (and LibreOffice, Google Sheets) read a cell as a formula: = + - @, and TAB / CR / LF, which
# some importers strip before they look. The fullwidth forms (＝ ＋ － ＠) are refused too: an East Asian IME or
# a sheet's "convert fullwidth" turns them into the ASCII ones, and a party name has no reason to start with one.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# An amount exactly as money_str writes it: a real number, negative ones included (a credit makes net -100.00).
_AMOUNT = re.compile(r"(-?)([0-9]+\.[0-9]{2})")


def csv_cell(value: str) -> str:
    """A text cell Excel will not run: a leading formula trigger is quoted with ' (OWASP CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_TRIGGERS) else value


def csv_amount(value: str) -> str:
    """An amount cell: a number finance can sum when it is one, neutralized text otherwise. A negative amount is
    written the accountant's way, in parentheses ("-100.00" → "(100.00)"): no cell may start with "-", and
    "(100.00)" is both what an accountant reads as negative and what Excel imports as the number -100."""
    amount = _AMOUNT.fullmatch(value)
    if amount is None:
        return csv_cell(value)
    sign, digits = amount.groups()
    return f"({digits})" if sign and Decimal(digits) else digits


CSV_COLUMNS = ("contract_id", "contract_no", "client", "status", *FIGURES)


def receivables_csv(report: dict[str, Any]) -> str:
    """One line per contract row of the JSON report, under the JSON's own field names (a spreadsheet or a script
    reads the same columns; the totals stay in the JSON, so sorting or summing the sheet never meets a totals
    line). UTF-8 with BOM so Excel shows Chinese correctly; names and numbers of parties are neutralized text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report["contracts"]:
        writer.writerow(
            [
                csv_cell(row["contract_id"]),
                csv_cell(row["contract_no"]),
                csv_cell(row["client"]),
                csv_cell(row["status"]),
                *[csv_amount(row[k]) for k in FIGURES],
            ]
        )
    return "\ufeff" + buf.getvalue()
