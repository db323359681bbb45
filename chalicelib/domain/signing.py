"""Electronic signing: each party's link, the evidence of a signature, and the set of signatures a document
(the contract or a supplementary agreement) needs before it takes effect."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Party_ = Literal["client", "vendor"]
PARTIES: tuple[Party_, ...] = ("client", "vendor")
PARTY_LABELS = {"client": "甲方", "vendor": "乙方"}


@dataclass(frozen=True)
class SigningLink:
    """A party's current link; the token itself is never stored, only its id and hash."""

    token_id: str
    token_hash: str
    email: str
    issued_at: str
    expires_at: str


@dataclass(frozen=True)
class Signature:
    """The evidence of one party's electronic signature (every field is recorded in the audit chain)."""

    party: str
    signer_name: str
    signer_email: str
    signed_at: str
    ip_address: str
    user_agent: str
    document_sha256: str
    consent_version: str
    consent_sha256: str
    prev_audit_hash: str
    # X-Forwarded-For as sent: unverified (any client can write it), kept apart from ip_address, the address
    # the connection came from.
    forwarded_for: str | None = None


@dataclass
class SignatureSet:
    """What two parties sign: a frozen document hash, one link per party, and the signatures made."""

    document_sha256: str
    frozen: bool = False
    links: dict[str, SigningLink] = field(default_factory=dict)
    signatures: dict[str, Signature] = field(default_factory=dict)
    declined: dict[str, str] | None = None

    @property
    def complete(self) -> bool:
        return all(p in self.signatures for p in PARTIES)
