"""Recognising a retried signing or decline: the same link sending the same request again (a double click, a
browser or proxy resending after a lost reply) gets the first reply and changes nothing, instead of being told
that its link was already used. Only the very request that was recorded counts: the same name (or reason), the
same document fingerprint, and, when the contract required a one-time code, the same code, checked against the
spent code the link keeps, within that code's 10 minutes (10 minutes after the act when no code was needed).
Anything else on a used link is refused as before (410)."""

from __future__ import annotations

import hmac
from datetime import datetime

from chalicelib.domain.calendar import instant
from chalicelib.domain.signing import SignatureSet, SigningLink
from chalicelib.domain.verification import CODE_VALID, code_digest

RETRY_WINDOW = CODE_VALID  # without a code: how long after the act a resent request is still that request


def _same_proof(link: SigningLink, done_at: str, code: str | None, now: datetime) -> bool:
    """The request proves control of the link as the recorded act did: with that act's own code while it is still
    valid, or (no code was needed) within RETRY_WINDOW of the act."""
    spent = link.code
    if spent is None or spent.used_at is None:  # the act needed no code (a link is used by one act only)
        return now < instant(done_at) + RETRY_WINDOW
    if code is None or now >= instant(spent.expires_at):
        return False
    return hmac.compare_digest(code_digest(spent.salt, link.token_hash, code), spent.digest)


def signing_retried(
    sigset: SignatureSet, party: str, token_hash: str, name: str, shown: str | None, code: str | None, now: datetime
) -> bool:
    """True when this signing request on the party's (used) link is the one its signature recorded."""
    link, signature = sigset.links.get(party), sigset.signatures.get(party)
    if link is None or signature is None or link.token_hash != token_hash:
        return False
    if signature.signer_name != name or shown not in (None, signature.document_sha256):
        return False
    return _same_proof(link, signature.signed_at, code, now)


def decline_retried(
    sigset: SignatureSet, party: str, token_hash: str, reason: str, code: str | None, now: datetime
) -> bool:
    """True when this decline on the party's link is the one that declined the document."""
    link, declined = sigset.links.get(party), sigset.declined
    if link is None or declined is None or link.token_hash != token_hash:
        return False
    if declined.get("party") != party or declined.get("reason") != reason:
        return False
    return _same_proof(link, str(declined.get("at")), code, now)
