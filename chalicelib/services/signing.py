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
from chalicelib.services.base import Deps, retry_on_conflict, stage_events
from chalicelib.services.commands import Decline, ResendLink, Sign, VoidSigning
from chalicelib.services.ledger_hooks import apply_to_issued_fees
from chalicelib.services.ports import Changes, SigningToken

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
    for party in parties:
        token_id = new_token_id()
        hashed = token_hash(link_token(deps.settings.link_secret, token_id))
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
    def attempt() -> Contract:
        contract = deps.repo.get_contract(contract_id)
        expected = contract.version
        links, tokens = issue_links(deps, contract, "contract", contract.signing.document_sha256)
        event = contract.send_for_signature(links, deps.now_iso())
        changes = Changes(contract=contract, expected_version=expected, new_tokens=tokens)
        stage_events(changes, [event], actor, deps.now_iso())
        deps.repo.commit(changes)
        return contract

    return retry_on_conflict(attempt)


def _revocations(deps: Deps, contract: Contract, subject: str) -> list[tuple[SigningToken, str]]:
    out = []
    for link in contract.signature_set(subject).links.values():
        token = deps.repo.find_token(link.token_hash)
        if token is not None and token.status == "active":
            token.status = "revoked"
            out.append((token, "active"))
    return out


def resend_link(deps: Deps, contract_id: str, command: ResendLink, actor: str) -> Contract:
    party, subject = command.party, command.subject

    def attempt() -> Contract:
        contract = deps.repo.get_contract(contract_id)
        expected = contract.version
        sigset = contract.signature_set(subject)
        links, tokens = issue_links(deps, contract, subject, sigset.document_sha256, (party,))
        old, event = contract.reissue_link(subject, party, links[party])
        revoked = []
        old_token = deps.repo.find_token(old.token_hash)
        if old_token is not None and old_token.status == "active":
            old_token.status = "revoked"
            revoked.append((old_token, "active"))
        changes = Changes(contract=contract, expected_version=expected, new_tokens=tokens, updated_tokens=revoked)
        stage_events(changes, [event], actor, deps.now_iso())
        deps.repo.commit(changes)
        return contract

    return retry_on_conflict(attempt)


def void_signing(deps: Deps, contract_id: str, subject: str, command: VoidSigning, actor: str) -> Contract:
    reason = command.reason

    def attempt() -> Contract:
        contract = deps.repo.get_contract(contract_id)
        expected = contract.version
        event = contract.void(subject, reason)
        changes = Changes(
            contract=contract, expected_version=expected, updated_tokens=_revocations(deps, contract, subject)
        )
        stage_events(changes, [event], actor, deps.now_iso())
        deps.repo.commit(changes)
        return contract

    return retry_on_conflict(attempt)


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


def sign(deps: Deps, token: str, command: Sign, ip_address: str, user_agent: str) -> dict[str, Any]:
    name, shown = command.signer_name, command.document_sha256

    def attempt() -> dict[str, Any]:
        record, contract = resolve_token(deps, token)
        expected = contract.version
        sigset = contract.signature_set(record.subject)
        if shown is not None and shown != sigset.document_sha256:
            raise Conflict(
                "the document you saw is not the one sent for signature; reload the page", field="document_sha256"
            )
        signature = Signature(
            party=record.party,
            signer_name=name,
            signer_email=record.email,
            signed_at=deps.now_iso(),
            ip_address=ip_address[:64],
            user_agent=user_agent[:300],
            document_sha256=sigset.document_sha256,
            consent_version=CONSENT_VERSION,
            consent_sha256=CONSENT_SHA256,
            prev_audit_hash=contract.audit_head,
        )
        events = contract.sign(record.subject, record.party, signature, deps.today())
        record.status = "used"
        record.used_at = signature.signed_at
        changes = Changes(contract=contract, expected_version=expected, updated_tokens=[(record, "active")])
        actor = f"signer:{record.party}:{record.email}"
        staged: list[Any] = list(events)
        if any(e.type == "AmendmentEffective" for e in events):
            staged.extend(apply_to_issued_fees(deps, contract, changes, actor))
        stage_events(changes, staged, actor, signature.signed_at)
        deps.repo.commit(changes)
        status = contract.subject_status(record.subject)
        return {
            "receipt": {
                **asdict(signature),
                "contract_id": contract.id,
                "contract_no": contract.contract_no,
                "subject": record.subject,
                "signs_for": contract.party(record.party).name,
            },
            "status": status,
            "effective_date": None if contract.effective_date is None else contract.effective_date.isoformat(),
        }

    return retry_on_conflict(attempt)


def decline(deps: Deps, token: str, command: Decline, ip_address: str, user_agent: str) -> dict[str, Any]:
    reason = command.reason

    def attempt() -> dict[str, Any]:
        record, contract = resolve_token(deps, token)
        expected = contract.version
        at = deps.now_iso()
        event = contract.decline(record.subject, record.party, reason, at)
        record.status = "used"
        record.used_at = at
        revoked = [(t, s) for t, s in _revocations(deps, contract, record.subject) if t.token_hash != record.token_hash]
        changes = Changes(contract=contract, expected_version=expected, updated_tokens=[(record, "active"), *revoked])
        stage_events(changes, [event], f"signer:{record.party}:{record.email}", at)
        deps.repo.commit(changes)
        return {
            "status": contract.subject_status(record.subject),
            "declined_by": record.party,
            "reason": reason,
            "at": at,
            "ip_address": ip_address[:64],
            "user_agent": user_agent[:300],
        }

    return retry_on_conflict(attempt)
