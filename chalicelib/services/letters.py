"""Builds the 付款通知书 and 催款函 of a contract year from the receivables ledger as of a day: the same figures
GET /contracts/{id}/invoices shows, with every amount in figures and 大写."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import NotFound
from chalicelib.domain.ledger_facts import governing
from chalicelib.domain.letters import render_letter
from chalicelib.domain.money import amount_in_words, money_str
from chalicelib.domain.terms import LatePenalty, pct_str
from chalicelib.services import ledger as ledgers
from chalicelib.services.documents import TITLES
from chalicelib.services.ledger_views import invoice_response
from chalicelib.services.ports import LedgerBook


def late_penalty_text(lp: LatePenalty) -> str:
    cap = f"，累计不超过逾期金额的{pct_str(lp.cap_pct)}%" if lp.cap_pct is not None else ""
    rate = pct_str(lp.rate_pct)
    if lp.mode == "daily_pct":
        return f"依照合同约定，甲方逾期付款的，自付款期限届满之次日起按逾期金额每日{rate}%计付逾期违约金{cap}。"
    return f"依照合同约定，甲方逾期付款的，每笔逾期款项按合同金额的{rate}%支付逾期违约金{cap}。"


def _no_such(book: LedgerBook, kind: str, year: int, why: str) -> NotFound:
    return NotFound("part", f"{kind}:{year} of {book.contract.contract_no} ({why})", field="part")


def letter_html(book: LedgerBook, kind: str, year: int, as_of: date | None, today: date) -> str:
    """The HTML of `kind` (invoice | overdue-letter) for contract year `year`, figures as of `as_of` (default:
    today, or the last recorded fact's day). NotFound naming the request field `part` (`kind:year`) when that
    year has no invoice, or no overdue amount."""
    day = as_of or ledgers.latest_day(book, today)
    ledger = ledgers.view(book, day)  # one replay: the figures shown and the clause the fee is held to
    st = ledger.fees.get(year)
    if st is None:
        raise _no_such(book, kind, year, f"no invoice issued by {day.isoformat()}")
    inv = invoice_response(book.invoices[year], st, ledger)
    if kind == "overdue-letter" and (inv["days_overdue"] <= 0 or inv["status"] == "cancelled"):
        raise _no_such(book, kind, year, f"not overdue on {day.isoformat()}")
    contract = book.contract
    days, clause = governing(st.fee, st.revisions)
    total = Decimal(inv["outstanding"]) + Decimal(inv["penalties"]["outstanding"])
    context: dict[str, Any] = {
        "contract_no": contract.contract_no,
        "contract_title": TITLES[contract.template],
        "client": contract.client.to_dict(),
        "vendor": contract.vendor.to_dict(),
        "inv": inv,
        "as_of": day.isoformat(),
        "dated": day.isoformat() if kind == "overdue-letter" else inv["issue_date"],
        "original_words": amount_in_words(Decimal(inv["original_amount"])),
        "paid_words": amount_in_words(Decimal(inv["paid"])),
        "total": money_str(total),
        "total_words": amount_in_words(total),
        # what the fee is held to: the invoice's, or a revision's (an agreement in force on the year's first day)
        "payment_due_days": days,
        "late_penalty_text": late_penalty_text(clause),
    }
    return render_letter(kind, context)
