"""Response shapes of the ledger: invoices and the ledger of a contract as of a day (JSON-ready dicts)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.event_codec import encode, encode_fields
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.ledger import (
    ZERO,
    Fact,
    FeeState,
    Ledger,
    Payment,
    SetOff,
)
from chalicelib.domain.ledger_facts import fact_type, source_id, voucher_of
from chalicelib.domain.money import amount_in_words, money_str
from chalicelib.domain.terms import LatePenalty, pct_str
from chalicelib.services import ledger as ledgers
from chalicelib.services.ports import LedgerBook


def _penalty_split(ledger: Ledger, year: int) -> tuple[str, str]:
    """What of a year's penalty was paid by payments and what by set-offs."""
    mine = [a for a in ledger.allocations if a.year == year and a.what == "late_penalty"]
    paid = sum((a.amount for a in mine if voucher_of(a.source) is not None), ZERO)
    set_off = sum((a.amount for a in mine if voucher_of(a.source) is None), ZERO)
    return money_str(paid), money_str(set_off)


def _told(inv: Invoice, as_of: date) -> tuple[Decimal, list[dict[str, Any]]]:
    """What finance had been told of the invoice's penalty by `as_of`: the last figure, and each assessment."""
    told = [a for a in inv.assessments if a.on <= as_of]
    listed = [
        {
            "on": a.on.isoformat(),
            "days_overdue": a.days_overdue,
            "total": money_str(a.total),
            "delta": money_str(a.delta),
        }
        for a in told
    ]
    return (told[-1].total if told else ZERO), listed


def _clause(clause: LatePenalty) -> dict[str, Any]:
    """The late-penalty clause the fee is held to (the invoice's, or a revision's)."""
    return {
        "mode": clause.mode,
        "rate_pct": pct_str(clause.rate_pct),
        "cap_pct": None if clause.cap_pct is None else pct_str(clause.cap_pct),
    }


def invoice_response(inv: Invoice, st: FeeState, ledger: Ledger) -> dict[str, Any]:
    as_of = ledger.as_of
    accrued = st.penalty_accrued
    paid, set_off = _penalty_split(ledger, inv.year)
    days = st.days_overdue(as_of)
    assessed, assessments = _told(inv, as_of)
    return {
        "year": inv.year,
        "period_start": inv.period_start.isoformat(),
        "period_end": inv.period_end.isoformat(),
        "issue_date": inv.issue_on.isoformat(),
        "due_date": st.due_on.isoformat(),
        "amount": money_str(st.amount),
        "amount_in_words": amount_in_words(st.amount),
        "original_amount": money_str(st.fee.amount),
        "paid": money_str(st.paid),
        "outstanding": money_str(st.outstanding),
        "outstanding_in_words": amount_in_words(st.outstanding),
        "status": st.status,
        "overdue": days > 0,
        "days_overdue": days,
        "penalties": {
            **_clause(st.clause),
            "as_of": as_of.isoformat(),
            "accrued": money_str(accrued),
            "accrued_in_words": amount_in_words(accrued),
            "paid": paid,
            "waived": money_str(st.penalty_waived),
            "set_off": set_off,
            "outstanding": money_str(st.penalty_outstanding),
            "outstanding_in_words": amount_in_words(st.penalty_outstanding),
            "assessed": money_str(assessed),
            "assessed_in_words": amount_in_words(assessed),
            "assessments": assessments,
        },
        "revisions": [
            {"on": r.on.isoformat(), "amount": money_str(r.amount), "amount_in_words": amount_in_words(r.amount)}
            for r in st.revisions
        ],
        "cancelled_on": None if st.cancelled_on is None else st.cancelled_on.isoformat(),
        "allocations": [
            {
                "voucher_no": voucher_of(a.source),  # None: a set-off
                "by": "payment" if voucher_of(a.source) else "set_off",
                "paid_on": a.on.isoformat(),
                "amount": money_str(a.amount),
            }
            for a in ledger.fee_allocations(inv.year)
        ],
        "alert_levels_sent": sorted(inv.levels_alerted),
        "void_reason": inv.void_reason if st.cancelled_on is not None else None,
    }


def invoices_response(book: LedgerBook, as_of: date | None, today: date) -> dict[str, Any]:
    """Every invoice issued by `as_of` with its figures as of that day (default: today, or the last fact's day)."""
    day = as_of or ledgers.latest_day(book, today)
    ledger = ledgers.view(book, day)
    return {
        "contract_id": book.contract.id,
        "contract_no": book.contract.contract_no,
        "as_of": day.isoformat(),
        "items": [invoice_response(book.invoices[y], st, ledger) for y, st in ledger.fees.items()],
    }


def _fact(fact: Fact) -> dict[str, Any]:
    """A fact as the ledger route shows it: its kind and fields (a fee's clause is on its invoice)."""
    shown = {k: v for k, v in encode_fields(fact).items() if k not in ("on", "late_penalty", "payment_due_days")}
    return {"type": fact_type(fact), **shown}


def invoice_of(book: LedgerBook, year: int, today: date) -> dict[str, Any]:
    """One invoice as GET /invoices shows it today."""
    reply = invoices_response(book, None, today)
    return next(i for i in reply["items"] if i["year"] == year)


def ledger_response(book: LedgerBook, as_of: date | None, today: date) -> dict[str, Any]:
    """The facts in date order with where each payment went, and the balances, as of `as_of` (default: today, or
    the last fact's day)."""
    as_of = as_of or ledgers.latest_day(book, today)
    ledger = ledgers.view(book, as_of)
    facts = []
    for fact in ledger.facts:
        item = {"on": fact.on.isoformat(), **_fact(fact)}
        if isinstance(fact, Payment | SetOff):
            sid = source_id(fact)
            item["placed"] = encode(ledgers.placements(ledger.placed(sid)))
            item["credit"] = money_str(ledger.sources[sid].unallocated)
            item["moves"] = [
                {"on": a.on.isoformat(), "year": a.year, "what": a.what, "amount": money_str(a.amount)}
                for a in ledger.allocations
                if a.source == sid
            ]
        facts.append(item)
    return {
        "contract_id": book.contract.id,
        "contract_no": book.contract.contract_no,
        "as_of": as_of.isoformat(),
        "facts": facts,
        "fees": [
            {
                "year": st.year,
                "status": st.status,
                "amount": money_str(st.amount),
                "due_date": st.due_on.isoformat(),
                "paid": money_str(st.paid),
                "outstanding": money_str(st.outstanding),
                "days_overdue": st.days_overdue(as_of),
                "penalty_accrued": money_str(st.penalty_accrued),
                "penalty_outstanding": money_str(st.penalty_outstanding),
            }
            for st in ledger.fees.values()
        ],
        "balances": {
            "fees_outstanding": money_str(ledger.fees_outstanding),
            "penalties_outstanding": money_str(ledger.penalties_outstanding),
            "credit": money_str(ledger.credit),
            "net": money_str(ledger.net),
        },
    }
