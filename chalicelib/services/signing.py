"""Signing by link: send a contract or supplementary agreement for signature, show it to the signer, record
signatures and declines with their evidence, reissue and void links. One mechanism for both documents."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import timedelta
from typing import Any, TypeVar

from chalicelib.domain import verification
from chalicelib.domain.audit import sha256_hex
from chalicelib.domain.calendar import iso_utc, shanghai_iso
from chalicelib.domain.contract import PARTIES, PARTY_LABELS, Contract, Signature, SignatureSet, SigningLink
from chalicelib.domain.errors import Conflict
from chalicelib.domain.events import AmendmentSent, ContractSent
from chalicelib.domain.links import link_token, new_token_id, token_hash
from chalicelib.domain.money import amount_in_words, money_str
from chalicelib.domain.signing_retry import decline_retried, signing_retried
from chalicelib.domain.verification import CodeCheck
from chalicelib.services.base import Deps
from chalicelib.services.commands import Decline, ResendLink, Sign, VoidSigning
from chalicelib.services.ledger_hooks import apply_to_issued_fees
from chalicelib.services.ports import SigningToken
from chalicelib.services.signing_links import check_usable, find_link
from chalicelib.services.signing_links import resolve_token as resolve_token  # re-exported
from chalicelib.services.unit_of_work import UnitOfWork, run
from chalicelib.settings import Settings

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


SentEvent = TypeVar("SentEvent", ContractSent, AmendmentSent)


def apply_order(sigset: SignatureSet, sent: SentEvent, order: str, settings: Settings) -> SentEvent:
    """The document's signing order and reminder period; the send event then carries only the links emailed now
    (under an order, the first party's)."""
    sigset.order = order
    sigset.remind_every_days = settings.signing_reminder_days
    first = verification.first_links(order, sigset.links)
    return replace(sent, links={p: sent.links[p] for p in first})


def send_for_signature(deps: Deps, contract_id: str, actor: str, order: str = "any") -> Contract:
    def attempt(uow: UnitOfWork) -> Contract:
        contract = uow.contract(contract_id)
        links, tokens = issue_links(deps, contract, "contract", contract.signing.document_sha256)
        sent = contract.send_for_signature(links, deps.now_iso())
        uow.raise_event(apply_order(contract.signing, sent, order, deps.settings))
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
        verification.check_resend(sigset, party)
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
        told = verification.invited(contract.signature_set(subject))
        uow.raise_event(replace(contract.void(subject, reason), invited=told))
        _revoke_active(uow, [link.token_hash for link in contract.signature_set(subject).links.values()])
        uow.commit()
        return contract

    return run(deps, actor, attempt)


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
        "signing_order": sigset.order,
        "verification": verification.link_state(contract, sigset.links[record.party]),
    }


def _signature(
    deps: Deps,
    record: SigningToken,
    contract: Contract,
    name: str,
    ip: str,
    agent: str,
    forwarded: str | None,
    check: CodeCheck,
) -> Signature:
    """The signer's evidence: who, when, from where, on which document, under which consent text, verified
    how (and where the code went)."""
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
        verification=check.verification,
        verified_destination=check.destination,
        code_sent_at=check.sent_at,
        forwarded_for=forwarded,
    )


def _signer(record: SigningToken) -> str:
    return f"signer:{record.party}:{record.email}"


def _check_code(deps: Deps, uow: UnitOfWork, record: SigningToken, contract: Contract, code: str | None) -> CodeCheck:
    """The code check on the contract as read (no extra request); a wrong try is committed, then refused."""
    check = verification.check_code(contract, record.subject, record.party, code, deps.clock.now())
    if check.error is not None:
        uow.raise_event(*check.events)
        uow.commit()
        raise check.error
    return check


def sign(
    deps: Deps, token: str, command: Sign, ip_address: str, user_agent: str, forwarded_for: str | None = None
) -> dict[str, Any]:
    name, shown = command.signer_name, command.document_sha256

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        record, contract = find_link(deps, token, recent=uow.recent)
        sigset = contract.signature_set(record.subject)
        if record.status == "used" and signing_retried(
            sigset, record.party, record.token_hash, name, shown, command.code, deps.clock.now()
        ):
            return _receipt(contract, record, sigset.signatures[record.party])  # the same reply, nothing written
        check_usable(deps, record, contract)
        uow.adopt(contract)
        uow.actor = _signer(record)  # who acts is known once the link is resolved
        if shown is not None and shown != contract.signature_set(record.subject).document_sha256:
            raise Conflict(
                "the document you saw is not the one sent for signature; reload the page", field="document_sha256"
            )
        check = _check_code(deps, uow, record, contract, command.code)
        signature = _signature(deps, record, contract, name, ip_address, user_agent, forwarded_for, check)
        events = contract.sign(record.subject, record.party, signature, deps.today())
        turn = verification.release_turn(
            contract, record.subject, record.party, deps.clock.now(), deps.settings.signing_link_days
        )
        uow.raise_event(*events, *([turn] if turn is not None else []))
        # No token write: the contract records the signature, which retires the link (resolve_token).
        if any(e.type == "AmendmentEffective" for e in events):
            apply_to_issued_fees(uow, contract)
        uow.commit(at=signature.signed_at)
        return _receipt(contract, record, signature)

    # The signer asked for a code (or opened the page) moments ago, usually on this same instance: start from the
    # contract as that request left it; a stale copy costs a refused commit and a second, fresh run.
    return run(deps, "signer", attempt, recent_first=True)


def _receipt(contract: Contract, record: SigningToken, signature: Signature) -> dict[str, Any]:
    """The signature receipt: the evidence recorded and the document's status (a retry gets it again)."""
    return {
        "receipt": {
            **asdict(signature),
            "signed_at_local": shanghai_iso(signature.signed_at),
            "party_label": PARTY_LABELS[record.party],
            "contract_id": contract.id,
            "contract_no": contract.contract_no,
            "subject": record.subject,
            "signs_for": contract.party(record.party).name,
        },
        "status": contract.subject_status(record.subject),
        "effective_date": None if contract.effective_date is None else contract.effective_date.isoformat(),
    }


def decline(deps: Deps, token: str, command: Decline, ip_address: str, user_agent: str) -> dict[str, Any]:
    reason = command.reason

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        record, contract = find_link(deps, token)
        sigset = contract.signature_set(record.subject)
        if decline_retried(sigset, record.party, record.token_hash, reason, command.code, deps.clock.now()):
            return _declined_reply(contract, record.subject)  # the same reply, nothing written or sent
        check_usable(deps, record, contract)
        uow.adopt(contract)
        uow.actor = _signer(record)
        check = _check_code(deps, uow, record, contract, command.code)
        at = deps.now_iso()
        evidence = {
            "email": record.email,
            "ip_address": ip_address[:64],
            "user_agent": user_agent[:300],
            "verification": check.verification,
        }
        uow.raise_event(contract.decline(record.subject, record.party, reason, at, evidence))
        uow.mark_token(record, "used", at)
        links = sigset.links.values()
        _revoke_active(uow, [link.token_hash for link in links if link.token_hash != record.token_hash])
        uow.commit(at=at)
        return _declined_reply(contract, record.subject)

    return run(deps, "signer", attempt)


def _declined_reply(contract: Contract, subject: str) -> dict[str, Any]:
    declined = contract.signature_set(subject).declined or {}
    return {
        "status": contract.subject_status(subject),
        "declined_by": declined.get("party"),
        "reason": declined.get("reason"),
        "at": declined.get("at"),
        "ip_address": declined.get("ip_address"),
        "user_agent": declined.get("user_agent"),
    }
