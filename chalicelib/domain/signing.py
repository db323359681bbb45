"""Electronic signing: each party's link, the evidence of a signature, and the set of signatures a document
(the contract or a supplementary agreement) needs before it takes effect."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Party_ = Literal["client", "vendor"]
PARTIES: tuple[Party_, ...] = ("client", "vendor")
PARTY_LABELS = {"client": "甲方", "vendor": "乙方"}
Evidence = dict[str, str] | None  # a decline's: the decliner's email, ip_address, user_agent and verification


@dataclass(frozen=True)
class OneTimeCode:
    """The one-time code last sent for a link (domain/verification.py): only its salted HMAC is kept."""

    salt: str
    digest: str
    issued_at: str
    expires_at: str
    destination: str  # masked, e.g. "z***@example.com, +86*******00"
    # When it signed or declined (it is then spent); kept so a retry of that same request can be recognised
    # (domain/signing_retry.py) for the code's remaining validity.
    used_at: str | None = None


@dataclass(frozen=True)
class SigningLink:
    """A party's current link; the token itself is never stored, only its id and hash. The rest is the link's
    state: its one-time code and wrong tries (verification.py), reminders and the expiry report (reminders.py)."""

    token_id: str
    token_hash: str
    email: str
    issued_at: str
    expires_at: str
    code: OneTimeCode | None = None
    failures: int = 0
    locked_at: str | None = None
    reminders_sent: int = 0
    expiry_reported: bool = False


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
    # email_code | none (the contract required no code); a signature stored before codes existed reads "link"
    verification: str = "link"
    verified_destination: str | None = None  # where the code went (masked), when verification is email_code
    code_sent_at: str | None = None  # when that code was sent (it was checked at signed_at)
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
    order: str = "any"  # any | client_first | vendor_first (verification.py: whose turn it is)
    remind_every_days: int = 0  # reminders.py; 0: none (documents sent before reminders existed)

    @property
    def complete(self) -> bool:
        return all(p in self.signatures for p in PARTIES)
