"""The storage shape of the contract aggregate (JSON-ready, as kept in the table's `body`) and the listing row
stored beside it. Only adapters (and the in-memory fakes) read or write these shapes."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.amendments import Amendment, TermsVersion
from chalicelib.domain.contract import Contract
from chalicelib.domain.money import money_str, to_money
from chalicelib.domain.notices import TerminationNotice
from chalicelib.domain.signing import Signature, SignatureSet, SigningLink
from chalicelib.domain.terms import Party, Terms

_LINK_FIELDS = ("token_id", "token_hash", "email", "issued_at", "expires_at")
_SIGNATURE_FIELDS = tuple(Signature.__dataclass_fields__)


def _d(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


# ---- signing -------------------------------------------------------------------------------------------
def link_to_dict(link: SigningLink) -> dict[str, str]:
    return {k: getattr(link, k) for k in _LINK_FIELDS}


def link_from_dict(d: dict[str, Any]) -> SigningLink:
    return SigningLink(**{k: d[k] for k in _LINK_FIELDS})


def signature_to_dict(s: Signature) -> dict[str, str]:
    return {k: getattr(s, k) for k in _SIGNATURE_FIELDS}


def signature_from_dict(d: dict[str, Any]) -> Signature:
    return Signature(**{k: d[k] for k in _SIGNATURE_FIELDS})


def signature_set_to_dict(s: SignatureSet) -> dict[str, Any]:
    return {
        "document_sha256": s.document_sha256,
        "frozen": s.frozen,
        "links": {p: link_to_dict(link) for p, link in s.links.items()},
        "signatures": {p: signature_to_dict(sig) for p, sig in s.signatures.items()},
        "declined": s.declined,
    }


def signature_set_from_dict(d: dict[str, Any]) -> SignatureSet:
    return SignatureSet(
        document_sha256=d["document_sha256"],
        frozen=bool(d.get("frozen")),
        links={p: link_from_dict(v) for p, v in d.get("links", {}).items()},
        signatures={p: signature_from_dict(v) for p, v in d.get("signatures", {}).items()},
        declined=d.get("declined"),
    )


# ---- terms versions and supplementary agreements ---------------------------------------------------------
def terms_version_to_dict(v: TermsVersion) -> dict[str, Any]:
    return {
        "no": v.no,
        "terms": v.terms.to_dict(),
        "effective_from": _d(v.effective_from),
        "amendment_no": v.amendment_no,
        "made_at": v.made_at,
    }


def terms_version_from_dict(d: dict[str, Any]) -> TermsVersion:
    return TermsVersion(
        no=int(d["no"]),
        terms=Terms.from_dict(d["terms"]),
        effective_from=_date(d.get("effective_from")),
        amendment_no=d.get("amendment_no"),
        made_at=d["made_at"],
    )


def amendment_to_dict(a: Amendment) -> dict[str, Any]:
    return {
        "no": a.no,
        "status": a.status,
        "changes": a.changes,
        "reason": a.reason,
        "created_at": a.created_at,
        "signing": signature_set_to_dict(a.signing),
        "effective_date": _d(a.effective_date),
        "closed_reason": a.closed_reason,
    }


def amendment_from_dict(d: dict[str, Any]) -> Amendment:
    return Amendment(
        no=int(d["no"]),
        status=d["status"],
        changes=d["changes"],
        reason=d["reason"],
        created_at=d["created_at"],
        signing=signature_set_from_dict(d["signing"]),
        effective_date=_date(d.get("effective_date")),
        closed_reason=d.get("closed_reason"),
    )


# ---- termination notices -----------------------------------------------------------------------------------
def notice_to_dict(n: TerminationNotice) -> dict[str, Any]:
    return {
        "no": n.no,
        "by": n.by,
        "reason_code": n.reason_code,
        "details": n.details,
        "notice_date": n.notice_date.isoformat(),
        "effective_date": n.effective_date.isoformat(),
        "status": n.status,
        "served_at": n.served_at,
        "document_sha256": n.document_sha256,
        "withdrawn_at": n.withdrawn_at,
        "withdrawal_reason": n.withdrawal_reason,
    }


def notice_from_dict(d: dict[str, Any]) -> TerminationNotice:
    return TerminationNotice(
        no=int(d["no"]),
        by=d["by"],
        reason_code=d["reason_code"],
        details=d["details"],
        notice_date=date.fromisoformat(d["notice_date"]),
        effective_date=date.fromisoformat(d["effective_date"]),
        status=d["status"],
        served_at=d["served_at"],
        document_sha256=d["document_sha256"],
        withdrawn_at=d.get("withdrawn_at"),
        withdrawal_reason=d.get("withdrawal_reason"),
    )


# ---- the aggregate -----------------------------------------------------------------------------------------
def contract_to_dict(c: Contract) -> dict[str, Any]:
    """The storage shape of the aggregate (JSON-ready)."""
    return {
        "id": c.id,
        "contract_no": c.contract_no,
        "template": c.template,
        "status": c.status,
        "version": c.version,
        "created_at": c.created_at,
        "client": c.client.to_dict(),
        "vendor": c.vendor.to_dict(),
        "terms_versions": [terms_version_to_dict(v) for v in c.terms_versions],
        "signing": signature_set_to_dict(c.signing),
        "reminder_days": list(c.reminder_days),
        "sent_at": c.sent_at,
        "effective_date": _d(c.effective_date),
        "invoiced_years": c.invoiced_years,
        "amendments": [amendment_to_dict(a) for a in c.amendments],
        "notices": [notice_to_dict(n) for n in c.notices],
        "reminders_sent": list(c.reminders_sent),
        "closed_on": _d(c.closed_on),
        "closed_reason": c.closed_reason,
        "audit_seq": c.audit_seq,
        "audit_head": c.audit_head,
        "ledger_credit": money_str(c.ledger_credit),
    }


def contract_from_dict(d: dict[str, Any]) -> Contract:
    return Contract(
        id=d["id"],
        contract_no=d["contract_no"],
        template=d["template"],
        status=d["status"],
        version=int(d["version"]),
        created_at=d["created_at"],
        client=Party.from_dict(d["client"]),
        vendor=Party.from_dict(d["vendor"]),
        terms_versions=[terms_version_from_dict(v) for v in d["terms_versions"]],
        signing=signature_set_from_dict(d["signing"]),
        reminder_days=tuple(d.get("reminder_days", (60, 30))),
        sent_at=d.get("sent_at"),
        effective_date=_date(d.get("effective_date")),
        invoiced_years=int(d.get("invoiced_years", 0)),
        amendments=[amendment_from_dict(a) for a in d.get("amendments", [])],
        notices=[notice_from_dict(n) for n in d.get("notices", [])],
        reminders_sent=[int(x) for x in d.get("reminders_sent", [])],
        closed_on=_date(d.get("closed_on")),
        closed_reason=d.get("closed_reason"),
        audit_seq=int(d.get("audit_seq", 0)),
        audit_head=d.get("audit_head", "0" * 64),
        ledger_credit=to_money(d.get("ledger_credit", "0.00")),
    )


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
