"""Response shapes of the API (JSON-ready dicts): what staff and signers see of the domain objects."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from chalicelib.domain.calendar import shanghai_iso
from chalicelib.domain.contract import Contract, Signature, SigningLink, TerminationNotice
from chalicelib.domain.event_codec import encode_fields
from chalicelib.domain.money import amount_in_words, money_str


def _d(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def contract_response(c: Contract) -> dict[str, Any]:
    end = c.end_date
    amount = c.contract_amount
    return {
        "id": c.id,
        "contract_no": c.contract_no,
        "template": c.template,
        "status": c.status,
        "version": c.version,
        "created_at": c.created_at,
        "sent_at": c.sent_at,
        "client": c.client.to_dict(),
        "vendor": c.vendor.to_dict(),
        "terms": c.current_terms.to_dict(),
        "terms_versions": [
            {
                "version": v.no,
                "amendment_no": v.amendment_no,
                "effective_from": _d(v.effective_from),
                "made_at": v.made_at,
                "terms": v.terms.to_dict(),
            }
            for v in c.terms_versions
        ],
        "contract_amount": money_str(amount),
        "contract_amount_in_words": amount_in_words(amount),
        "effective_date": _d(c.effective_date),
        "end_date": _d(end),
        "document_sha256": c.signing.document_sha256,
        "document_frozen": c.signing.frozen,
        "signatures": [signature_view(p, s) for p, s in sorted(c.signing.signatures.items())],
        "awaiting": [
            p for p in ("client", "vendor") if c.status == "awaiting_signatures" and p not in c.signing.signatures
        ],
        "declined": c.signing.declined,
        "signing_order": c.signing.order,
        "signing_links": {p: link_view(link) for p, link in sorted(c.signing.links.items())},
        "invoiced_years": c.invoiced_years,
        "next_invoice_on": _d(c.next_invoice_on()),
        "amendments": [
            {
                "no": a.no,
                "status": a.status,
                "changes": a.changes,
                "reason": a.reason,
                "created_at": a.created_at,
                "effective_date": _d(a.effective_date),
                "document_sha256": a.signing.document_sha256,
                "signatures": sorted(a.signing.signatures),
                "closed_reason": a.closed_reason,
            }
            for a in c.amendments
        ],
        "notices": [notice_response(n) for n in c.notices],
        "closed_on": _d(c.closed_on),
        "closed_reason": c.closed_reason,
    }


def signature_view(party: str, s: Signature) -> dict[str, Any]:
    """A signature's evidence as recorded, with its time also as read in Asia/Shanghai."""
    return {
        "party": party,
        **{k: v for k, v in asdict(s).items() if k != "party"},
        "signed_at_local": shanghai_iso(s.signed_at),
    }


def link_view(link: SigningLink) -> dict[str, Any]:
    """A party's link as staff see it: no token material, only its state."""
    return {
        "email": link.email,
        "issued_at": link.issued_at,
        "expires_at": link.expires_at,
        "reminders_sent": link.reminders_sent,
        "locked": link.locked_at is not None,
        "wrong_codes": link.failures,
    }


def notice_response(n: TerminationNotice) -> dict[str, Any]:
    """A notice as staff see it: all of it, dates ISO."""
    return encode_fields(n)
