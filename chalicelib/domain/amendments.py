"""Supplementary agreements (补充协议): proposed by the operator, signed by both parties like the contract, and
in force from the day the second party signs, for contract years that start on or after that day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import Conflict, IllegalTransition, ValidationError
from chalicelib.domain.events import AmendmentEffective, AmendmentProposed, AmendmentSent, LinkSent, SigningVoided
from chalicelib.domain.obligation_terms import Obligation
from chalicelib.domain.signing import SignatureSet, SigningLink
from chalicelib.domain.states import AMENDMENT_TRANSITIONS, check_transition
from chalicelib.domain.terms import MAX_TERM_YEARS, LatePenalty, ServiceStandards, Terms, check_contract_amount
from chalicelib.domain.verification import invited

if TYPE_CHECKING:
    from chalicelib.domain.contract import Contract

AMENDABLE_FIELDS = (
    "annual_fee",
    "extend_years",
    "services",
    "payment_due_days",
    "breach_penalty_pct",
    "late_penalty",
    "notice_period_days",
    # 履约 (domain/obligation_terms.py)
    "obligations",
    "vendor_late_penalty",
    "incident_report_hours",
    "service_standards",
)


@dataclass(frozen=True)
class TermsVersion:
    """One version of the terms: the original (no 1) or the result of supplementary agreement `amendment_no`."""

    no: int
    terms: Terms
    effective_from: date | None  # None: from the contract's effective date
    amendment_no: int | None
    made_at: str


@dataclass
class Amendment:
    """补充协议 number `no` of the contract: proposed changes, signed like the contract itself."""

    no: int
    status: str
    changes: dict[str, Any]
    reason: str
    created_at: str
    signing: SignatureSet
    effective_date: date | None = None
    closed_reason: str | None = None


def links_sent(links: dict[str, SigningLink]) -> dict[str, LinkSent]:
    return {p: LinkSent(link.token_id, link.email, link.expires_at) for p, link in links.items()}


def apply_changes(terms: Terms, changes: dict[str, Any]) -> Terms:
    """The terms after applying `changes` (already validated)."""
    updates: dict[str, Any] = {}
    if "annual_fee" in changes:
        updates["annual_fee"] = Decimal(changes["annual_fee"])
    if "extend_years" in changes:
        updates["term_years"] = terms.term_years + int(changes["extend_years"])
    if "services" in changes:
        updates["services"] = tuple(changes["services"])
    if "payment_due_days" in changes:
        updates["payment_due_days"] = int(changes["payment_due_days"])
    if "breach_penalty_pct" in changes:
        updates["breach_penalty_pct"] = Decimal(changes["breach_penalty_pct"])
    if "late_penalty" in changes:
        updates["late_penalty"] = LatePenalty.from_dict(changes["late_penalty"])
    if "notice_period_days" in changes:
        updates["notice_period_days"] = int(changes["notice_period_days"])
    return terms.with_changes(**updates, **_performance_updates(changes))


def _performance_updates(changes: dict[str, Any]) -> dict[str, Any]:
    """The 履约 terms an agreement changes (domain/obligation_terms.py)."""
    readers: dict[str, Any] = {
        "obligations": lambda v: tuple(Obligation.from_dict(o) for o in v),
        "vendor_late_penalty": LatePenalty.from_dict,
        "incident_report_hours": int,
        "service_standards": ServiceStandards.from_dict,
    }
    return {key: read(changes[key]) for key, read in readers.items() if key in changes}


def check_changes(c: Contract, changes: dict[str, Any]) -> dict[str, Any]:
    """The rules of a 补充协议's changes that need the contract: the whole term stays within MAX_TERM_YEARS, the
    contract amount stays writable in 大写, and the agreement changes something. Returns `changes`."""
    extend = changes.get("extend_years")
    if extend is not None and c.term_years + int(extend) > MAX_TERM_YEARS:
        raise ValidationError("changes.extend_years", f"the whole term may not exceed {MAX_TERM_YEARS} years")
    check_contract_amount(
        _amount_after(c, changes), "changes.annual_fee" if "annual_fee" in changes else "changes.extend_years"
    )
    current = c.current_terms.to_dict()
    if extend is None and all(current.get(k) == v for k, v in changes.items()):
        raise ValidationError("changes", "changes nothing: every value equals the terms in force")
    return changes


def _amount_after(c: Contract, changes: dict[str, Any]) -> Decimal:
    """The contract amount once the agreement is in force: years already invoiced keep their fee, the rest take
    the new terms' (an agreement governs years that start on or after the day it takes effect)."""
    terms = c.amended_terms(changes)
    kept = [c.annual_fee_for_year(k) for k in range(1, min(c.invoiced_years, terms.term_years) + 1)]
    return sum(kept, Decimal(0)) + terms.annual_fee * (terms.term_years - len(kept))


def check_running(c: Contract, today: date | None) -> None:
    """An agreement is made only while the contract runs: active, and its term not over on `today` (the contract has
    expired after the term's last day whether or not the lifecycle job has run yet)."""
    if c.status != "active":
        raise IllegalTransition("contract", c.id, c.status, "amended", "the contract is no longer active")
    end = c.end_date
    if today is not None and end is not None and today > end:
        raise IllegalTransition("contract", c.id, c.status, "amended", f"its term ended on {end.isoformat()}")


def propose(
    c: Contract, changes: dict[str, Any], reason: str, now: str, document_sha256: str, today: date | None = None
) -> tuple[Amendment, AmendmentProposed]:
    if c.status != "active":
        raise IllegalTransition("contract", c.id, c.status, "amended", "only an active contract can be amended")
    check_running(c, today)
    if c.pending_amendment is not None:
        raise Conflict(f"supplementary agreement {c.pending_amendment.no} is still pending")
    if c.pending_notice is not None:
        raise Conflict("a termination notice is pending; withdraw it before amending the contract")
    amendment = Amendment(
        no=len(c.amendments) + 1,
        status="draft",
        changes=changes,
        reason=reason,
        created_at=now,
        signing=SignatureSet(document_sha256=document_sha256),
    )
    c.amendments.append(amendment)
    return amendment, AmendmentProposed(amendment.no, changes, reason, document_sha256)


def send(c: Contract, no: int, links: dict[str, SigningLink]) -> AmendmentSent:
    amendment = c.amendment(no)
    check_transition(AMENDMENT_TRANSITIONS, "amendment", f"{c.id}:{no}", amendment.status, "awaiting_signatures")
    amendment.status = "awaiting_signatures"
    amendment.signing.frozen = True
    amendment.signing.links = dict(links)
    return AmendmentSent(
        amendment_no=no,
        subject=f"amendment:{no}",
        document_sha256=amendment.signing.document_sha256,
        links=links_sent(links),
    )


def take_effect(c: Contract, no: int, today: date, at: str) -> AmendmentEffective:
    amendment = c.amendment(no)
    check_transition(AMENDMENT_TRANSITIONS, "amendment", f"{c.id}:{no}", amendment.status, "effective")
    check_running(c, today)
    old_end = c.end_date
    new_terms = apply_changes(c.current_terms, amendment.changes)
    amendment.status = "effective"
    amendment.effective_date = today
    c.terms_versions.append(TermsVersion(len(c.terms_versions) + 1, new_terms, today, no, at))
    # A changed end of term re-arms the renewal reminders that were counted against the old end.
    if c.end_date != old_end:
        c.reminders_sent = []
    return AmendmentEffective(
        amendment_no=no,
        effective_date=today,
        terms_version=len(c.terms_versions),
        changes=amendment.changes,
        end_date=c.end_date,
        contract_amount=c.contract_amount,
        signatures=dict(amendment.signing.signatures),
        document_sha256=amendment.signing.document_sha256,
    )


LAPSED = "合同期限届满，本补充协议未经双方签署，不再签署 / the contract's term ended before both parties signed"


def lapse_pending(c: Contract) -> list[SigningVoided]:
    """When the contract expires, an agreement still awaiting signatures can no longer be made: it is voided (its
    links stop working) and those who had a link are told it lapsed."""
    pending = c.pending_amendment
    if pending is None:
        return []
    subject = f"amendment:{pending.no}"
    told = invited(c.signature_set(subject)) if pending.status == "awaiting_signatures" else ()
    check_transition(AMENDMENT_TRANSITIONS, "amendment", f"{c.id}:{pending.no}", pending.status, "voided")
    pending.status = "voided"
    pending.closed_reason = LAPSED
    return [SigningVoided(subject=subject, reason=LAPSED, invited=told, lapsed=True)]
