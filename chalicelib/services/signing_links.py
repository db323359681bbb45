"""Finding what a signing link stands for: its party, document and contract, and whether it may still be used.

A link emailed now carries its contract id, so it is checked against the contract item alone (one read: the
contract holds each link's token hash and expiry, and records the signature that retires a link); an older link
(the bare token) is found through its token item first. Either way the contract decides."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain import verification
from chalicelib.domain.calendar import instant
from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import NotFound, TokenRejected
from chalicelib.domain.links import plausible_token, split_token, token_hash
from chalicelib.services.base import Deps
from chalicelib.services.ports import SigningToken

# What a signer reads on the error page (zh first, en beside); the English part is what API clients match on.
UNKNOWN = "签署链接无效 / this signing link is not valid"
REPLACED = (
    "此签署链接已被替换或撤回，请使用您收到的最新链接"
    " / this signing link was replaced or withdrawn; use the newest link you received"
)
USED = "此签署链接已使用（您已签署或拒签） / this signing link has already been used"
EXPIRED = "此签署链接已过期，请联系发送方重新发送 / this signing link has expired; ask for a new one"
_CLOSED = {
    "draft": "尚未发出",
    "active": "已生效",
    "effective": "已生效",
    "declined": "已拒签",
    "voided": "已作废",
    "terminating": "已生效",
    "terminated": "已解除",
    "expired": "已到期",
}


def find_link(deps: Deps, token: str, recent: bool = False) -> tuple[SigningToken, Contract]:
    """The link's record, whatever its state, and its contract; the record's `status` is `active`, `used` (its
    party signed with it) or `revoked` (replaced or withdrawn), and its expiry the contract's. Unknown: 404.
    `recent`: the contract may be this process's last copy (only inside unit_of_work.run's `recent_first`)."""
    if not plausible_token(token):
        raise TokenRejected(UNKNOWN, 404)
    contract_id, secret_part = split_token(token)
    hashed = token_hash(secret_part)
    if contract_id is not None:
        record, contract = _on_contract(deps, contract_id, hashed, recent)
    else:
        found = deps.repo.find_token(hashed)
        if found is None:
            raise TokenRejected(UNKNOWN, 404)
        record, contract = found, deps.repo.get_contract(found.contract_id, recent=recent)
    sigset = contract.signature_set(record.subject)
    current = sigset.links.get(record.party)
    if current is None or current.token_hash != hashed:
        status = "used" if record.status == "used" else "revoked"
    elif record.party in sigset.signatures or record.status == "used":
        status = "used"
    else:
        status = "revoked" if record.status == "revoked" else "active"
    expires = current.expires_at if current is not None and current.token_hash == hashed else record.expires_at
    return replace(record, status=status, expires_at=expires), contract


def resolve_token(deps: Deps, token: str) -> tuple[SigningToken, Contract]:
    """The link's record and contract when it may be used to sign, decline or ask for a code now, or
    TokenRejected saying why (nothing is changed): 404 unknown; 410 used, replaced or expired; 409 the document
    is no longer awaiting signatures, or (signing order) not yet this party's turn."""
    record, contract = find_link(deps, token)
    check_usable(deps, record, contract)
    return record, contract


def check_usable(deps: Deps, record: SigningToken, contract: Contract) -> None:
    """resolve_token's checks on a link already found (find_link)."""
    if record.status == "used":
        raise TokenRejected(USED, 410)
    if record.status == "revoked":
        raise TokenRejected(REPLACED, 410)
    if instant(record.expires_at) <= deps.clock.now():
        raise TokenRejected(EXPIRED, 410)
    closed_for_signing(contract.subject_status(record.subject))
    verification.check_turn(contract.signature_set(record.subject), record.party)


def closed_for_signing(status: str) -> None:
    """409 unless the document (contract or agreement) in `status` is awaiting signatures."""
    if status != "awaiting_signatures":
        raise TokenRejected(
            f"此文件已不在待签署状态（{_CLOSED.get(status, status)}） / this document is no longer awaiting signatures"
            f" (status: {status})",
            409,
        )


def _on_contract(deps: Deps, contract_id: str, hashed: str, recent: bool) -> tuple[SigningToken, Contract]:
    try:
        contract = deps.repo.get_contract(contract_id, recent=recent)
    except NotFound:
        raise TokenRejected(UNKNOWN, 404) from None
    for subject in ["contract", *(f"amendment:{a.no}" for a in contract.amendments)]:
        sigset = contract.signature_set(subject)
        for party, link in sigset.links.items():
            if link.token_hash == hashed:
                token = SigningToken(
                    hashed, link.token_id, contract.id, subject, party, link.email, sigset.document_sha256,
                    link.expires_at,
                )  # fmt: skip
                return token, contract
    old = deps.repo.find_token(hashed)  # not a current link: a replaced one (410) or none at all (404)
    if old is None or old.contract_id != contract.id:
        raise TokenRejected(UNKNOWN, 404)
    return old, contract
