"""The storage shape (JSON-ready dicts) of invoices and ledger facts; the domain knows nothing of it."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.event_codec import decode_fields, encode, encode_fields
from chalicelib.domain.invoice import Accrual, Allocation, Invoice, PenaltyAssessment
from chalicelib.domain.ledger import Designation, Fact
from chalicelib.domain.ledger_facts import FACT_TYPES, fact_type
from chalicelib.domain.money import money_str, to_money
from chalicelib.domain.terms import LatePenalty


def _d(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def invoice_to_dict(inv: Invoice) -> dict[str, Any]:
    return {
        "contract_id": inv.contract_id,
        "year": inv.year,
        "period_start": inv.period_start.isoformat(),
        "period_end": inv.period_end.isoformat(),
        "issue_on": inv.issue_on.isoformat(),
        "due_on": inv.due_on.isoformat(),
        "amount": money_str(inv.amount),
        "status": inv.status,
        "version": inv.version,
        "contract_no": inv.contract_no,
        "client_name": inv.client_name,
        "client_email": inv.client_email,
        "late_penalty": inv.late_penalty.to_dict(),
        "payment_due_days": inv.payment_due_days,
        "original_amount": None if inv.original_amount is None else money_str(inv.original_amount),
        "original_due_on": _d(inv.original_due_on),
        "allocations": [
            {"voucher_no": a.voucher_no, "paid_on": a.paid_on.isoformat(), "amount": money_str(a.amount)}
            for a in inv.allocations
        ],
        "assessments": [
            {
                "on": a.on.isoformat(),
                "days_overdue": a.days_overdue,
                "total": money_str(a.total),
                "delta": money_str(a.delta),
            }
            for a in inv.assessments
        ],
        "levels_alerted": list(inv.levels_alerted),
        "void_reason": inv.void_reason,
        "accrual": None if inv.accrual is None else encode_fields(inv.accrual),
    }


def invoice_from_dict(d: dict[str, Any]) -> Invoice:
    issue_on = date.fromisoformat(d["issue_on"])
    due_on = date.fromisoformat(d["due_on"])
    original_amount = d.get("original_amount")
    return Invoice(
        contract_id=d["contract_id"],
        year=int(d["year"]),
        period_start=date.fromisoformat(d["period_start"]),
        period_end=date.fromisoformat(d["period_end"]),
        issue_on=issue_on,
        due_on=due_on,
        amount=to_money(d["amount"]),
        status=d["status"],
        version=int(d["version"]),
        contract_no=d["contract_no"],
        client_name=d["client_name"],
        client_email=d["client_email"],
        late_penalty=LatePenalty.from_dict(d["late_penalty"]),
        # Invoices stored before the ledger have no originals: what they hold is what was issued.
        payment_due_days=int(d.get("payment_due_days") or (due_on - issue_on).days),
        original_amount=to_money(original_amount) if original_amount is not None else to_money(d["amount"]),
        original_due_on=_date(d.get("original_due_on")) or due_on,
        allocations=[
            Allocation(a["voucher_no"], date.fromisoformat(a["paid_on"]), to_money(a["amount"]))
            for a in d.get("allocations", [])
        ],
        assessments=[
            PenaltyAssessment(
                date.fromisoformat(a["on"]), int(a["days_overdue"]), to_money(a["total"]), to_money(a["delta"])
            )
            for a in d.get("assessments", [])
        ],
        levels_alerted=[int(x) for x in d.get("levels_alerted", [])],
        void_reason=d.get("void_reason"),
        accrual=None if d.get("accrual") is None else decode_fields(Accrual, d["accrual"]),
    )


def fact_to_dict(fact: Fact) -> dict[str, Any]:
    """A ledger fact other than a fee (an invoice item) or a payment (its own item), as stored."""
    return {"type": fact_type(fact), **encode_fields(fact)}


def fact_from_dict(d: dict[str, Any]) -> Fact:
    cls = FACT_TYPES.get(d["type"])
    if cls is None:
        raise ValueError(f"unknown ledger fact type {d['type']!r}")
    fact: Fact = decode_fields(cls, d)
    return fact


def designations_to_list(applies_to: tuple[Designation, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = encode(applies_to)
    return out


def designations_from_list(raw: list[dict[str, Any]] | None) -> tuple[Designation, ...]:
    return tuple(decode_fields(Designation, d) for d in raw or [])
