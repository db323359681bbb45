"""Signing by link: send a contract or supplementary agreement for signature, show it to the signer, record
signatures and declines with their evidence, reissue and void links. One mechanism for both documents."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.audit import sha256_hex
from chalicelib.domain.calendar import iso_utc
from chalicelib.domain.contract import PARTIES, PARTY_LABELS, Contract, Signature, SigningLink
from chalicelib.domain.errors import Conflict, TokenRejected
from chalicelib.domain.links import link_token, new_token_id, plausible_token, token_hash
from chalicelib.domain.money import amount_in_words, money_str
from chalicelib.services.base import Deps
from chalicelib.services.commands import Decline, ResendLink, Sign, VoidSigning
from chalicelib.services.ledger_hooks import apply_to_issued_fees
from chalicelib.services.ports import SigningToken
from chalicelib.services.unit_of_work import UnitOfWork, run

CONSENT_VERSION = "2026-11-v1"
CONSENT_TEXT = (
    "本人确认已完整阅读上述文件，同意以电子签名方式签署；本人的电子签名与手写签名或盖章具有同等法律效力。"
    " / I confirm that I have read the whole document above and agree to sign it electronically; my "
    "electronic signature has the same legal effect as a handwritten signature or a company seal."
)
CONSENT_SHA256 = sha256_hex(CONSENT_TEXT)


def issue_links(
    deps: Deps, contract: Contract, subject: str, document_sha256: str, parties: tuple[str, ...] = PARTIES
) -> tuple[dict[str, SigningLink], list[SigningToken]]:
    now = deps.clock.now()
    expires = iso_utc(now + timedelta(days=deps.settings.signing_link_days))
    links: dict[str, SigningLink] = {}
    tokens: list[SigningToken] = []
    secret = deps.link_secret()
    for party in parties:
        token_id = new_token_id()
        hashed = token_hash(link_token(secret, token_id))
        email = contract.party(party).email
        links[party] = SigningLink(
            token_id=token_id, token_hash=hashed, email=email, issued_at=iso_utc(now), expires_at=expires
        )
        tokens.append(
            SigningToken(
                token_hash=hashed,
                token_id=token_id,
                contract_id=contract.id,
                subject=subject,
                party=party,
                email=email,
                document_sha256=document_sha256,
                expires_at=expires,
            )
        )
    return links, tokens


def send_for_signature(deps: Deps, contract_id: str, actor: str) -> Contract:
    def attempt(uow: UnitOfWork) -> Contract:
        contract = uow.contract(contract_id)
        links, tokens = issue_links(deps, contract, "contract", contract.signing.document_sha256)
        uow.raise_event(contract.send_for_signature(links, deps.now_iso()))
        uow.add_tokens(tokens)
        uow.commit()
        return contract

    return run(deps, actor, attempt)


def _revoke_active(uow: UnitOfWork, token_hashes: list[str]) -> None:
    for hashed in token_hashes:
        token = uow.deps.repo.find_token(hashed)
        if token is not None and token.status == "active":
            uow.mark_token(token, "revoked")


def resend_link(deps: Deps, contract_id: str, command: ResendLink, actor: str) -> Contract:
    party, subject = command.party, command.subject

    def attempt(uow: UnitOfWork) -> Contract:
        contract = uow.contract(contract_id)
        sigset = contract.signature_set(subject)
        links, tokens = issue_links(deps, contract, subject, sigset.document_sha256, (party,))
        old, event = contract.reissue_link(subject, party, links[party])
        uow.raise_event(event)
        uow.add_tokens(tokens)
        _revoke_active(uow, [old.token_hash])
        uow.commit()
        return contract

    return run(deps, actor, attempt)


def void_signing(deps: Deps, contract_id: str, subject: str, command: VoidSigning, actor: str) -> Contract:
    reason = command.reason

    def attempt(uow: UnitOfWork) -> Contract:
        contract = uow.contract(contract_id)
        uow.raise_event(contract.void(subject, reason))
        _revoke_active(uow, [link.token_hash for link in contract.signature_set(subject).links.values()])
        uow.commit()
        return contract

    return run(deps, actor, attempt)


def resolve_token(deps: Deps, token: str) -> tuple[SigningToken, Contract]:
    """The token's record and its contract, or TokenRejected saying why (nothing is changed)."""
    if not plausible_token(token):
        raise TokenRejected("this signing link is not valid", 404)
    record = deps.repo.find_token(token_hash(token))
    if record is None:
        raise TokenRejected("this signing link is not valid", 404)
    if record.status == "used":
        raise TokenRejected("this signing link has already been used", 410)
    if record.status == "revoked":
        raise TokenRejected("this signing link was replaced or withdrawn; use the newest link you received", 410)
    if datetime.fromisoformat(record.expires_at.replace("Z", "+00:00")) <= deps.clock.now():
        raise TokenRejected("this signing link has expired; ask for a new one", 410)
    contract = deps.repo.get_contract(record.contract_id)
    status = contract.subject_status(record.subject)
    if status != "awaiting_signatures":
        raise TokenRejected(f"this document is no longer awaiting signatures (status: {status})", 409)
    sigset = contract.signature_set(record.subject)
    if sigset.links.get(record.party) is None or sigset.links[record.party].token_hash != record.token_hash:
        raise TokenRejected("this signing link was replaced; use the newest link you received", 410)
    return record, contract


def signing_view(deps: Deps, token: str) -> dict[str, Any]:
    record, contract = resolve_token(deps, token)
    document = deps.repo.get_document(contract.id, record.subject)
    party = contract.party(record.party)
    sigset = contract.signature_set(record.subject)
    terms = contract.current_terms
    amount = contract.contract_amount
    title = "合同" if record.subject == "contract" else f"补充协议（第{record.subject.split(':')[1]}号）"
    return {
        "contract_id": contract.id,
        "contract_no": contract.contract_no,
        "subject": record.subject,
        "title": title,
        "party": record.party,
        "party_label": PARTY_LABELS[record.party],
        "signs_for": party.name,
        "signer_email": record.email,
        "client": contract.client.name,
        "vendor": contract.vendor.name,
        "annual_fee": money_str(terms.annual_fee),
        "annual_fee_in_words": amount_in_words(terms.annual_fee),
        "contract_amount": money_str(amount),
        "contract_amount_in_words": amount_in_words(amount),
        "term_years": terms.term_years,
        "document_sha256": sigset.document_sha256,
        "document_html": document.html,
        "signed_by": sorted(sigset.signatures),
        "consent": {"version": CONSENT_VERSION, "text": CONSENT_TEXT, "sha256": CONSENT_SHA256},
        "expires_at": record.expires_at,
    }


def _signature(
    deps: Deps, record: SigningToken, contract: Contract, name: str, ip: str, agent: str, forwarded: str | None
) -> Signature:
    """The signer's evidence: who, when, from where, on which document, under which consent text."""
    return Signature(
        party=record.party,
        signer_name=name,
        signer_email=record.email,
        signed_at=deps.now_iso(),
        ip_address=ip[:64],
        user_agent=agent[:300],
        document_sha256=contract.signature_set(record.subject).document_sha256,
        consent_version=CONSENT_VERSION,
        consent_sha256=CONSENT_SHA256,
        prev_audit_hash=contract.audit_head,
        forwarded_for=forwarded,
    )


def _signer(record: SigningToken) -> str:
    return f"signer:{record.party}:{record.email}"


def sign(
    deps: Deps, token: str, command: Sign, ip_address: str, user_agent: str, forwarded_for: str | None = None
) -> dict[str, Any]:
    name, shown = command.signer_name, command.document_sha256

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        record, contract = resolve_token(deps, token)
        uow.adopt(contract)
        uow.actor = _signer(record)  # who acts is known once the link is resolved
        if shown is not None and shown != contract.signature_set(record.subject).document_sha256:
            raise Conflict(
                "the document you saw is not the one sent for signature; reload the page", field="document_sha256"
            )
        signature = _signature(deps, record, contract, name, ip_address, user_agent, forwarded_for)
        events = contract.sign(record.subject, record.party, signature, deps.today())
        uow.raise_event(*events)
        uow.mark_token(record, "used", signature.signed_at)
        if any(e.type == "AmendmentEffective" for e in events):
            apply_to_issued_fees(uow, contract)
        uow.commit(at=signature.signed_at)
        return {
            "receipt": {
                **asdict(signature),
                "contract_id": contract.id,
                "contract_no": contract.contract_no,
                "subject": record.subject,
                "signs_for": contract.party(record.party).name,
            },
            "status": contract.subject_status(record.subject),
            "effective_date": None if contract.effective_date is None else contract.effective_date.isoformat(),
        }

    return run(deps, "signer", attempt)


def decline(deps: Deps, token: str, command: Decline, ip_address: str, user_agent: str) -> dict[str, Any]:
    reason = command.reason

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        record, contract = resolve_token(deps, token)
        uow.adopt(contract)
        uow.actor = _signer(record)
        at = deps.now_iso()
        uow.raise_event(contract.decline(record.subject, record.party, reason, at))
        uow.mark_token(record, "used", at)
        links = contract.signature_set(record.subject).links.values()
        _revoke_active(uow, [link.token_hash for link in links if link.token_hash != record.token_hash])
        uow.commit(at=at)
        return {
            "status": contract.subject_status(record.subject),
            "declined_by": record.party,
            "reason": reason,
            "at": at,
            "ip_address": ip_address[:64],
            "user_agent": user_agent[:300],
        }

    return run(deps, "signer", attempt)
