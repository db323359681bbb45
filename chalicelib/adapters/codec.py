"""The storage shape of the contract aggregate (JSON-ready, as kept in the table's `body`) and the listing row
stored beside it. Only adapters (and the in-memory fakes) read or write these shapes.

The body is the aggregate's fields as the typed-field codec writes them (domain/event_codec.py: money as two-place
strings, dates ISO, nested parts as objects, Terms in its own wire shape); reading fills a field the stored body
lacks (an older body) with its default."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.contract import Contract
from chalicelib.domain.event_codec import decode_fields, encode_fields
from chalicelib.domain.money import money_str


def _d(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def contract_to_dict(c: Contract) -> dict[str, Any]:
    """The storage shape of the aggregate (JSON-ready)."""
    return encode_fields(c)


def contract_from_dict(d: dict[str, Any]) -> Contract:
    return decode_fields(Contract, d)


def contract_listing(c: Contract) -> dict[str, Any]:
    """The row GET /contracts shows; stored beside the body and projected into the by_status index."""
    return {
        "id": c.id,
        "contract_no": c.contract_no,
        "template": c.template,
        "status": c.status,
        "client": c.client.name,
        "vendor": c.vendor.name,
        "annual_fee": money_str(c.current_terms.annual_fee),
        "effective_date": _d(c.effective_date),
        "end_date": _d(c.end_date),
        "created_at": c.created_at,
    }
