"""Events of signer verification, signing order and signing reminders (domain/verification.py,
domain/reminders.py). None of them carries a code or a code's hash; the audit names the party and, for a code,
only where it went (masked)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.event_base import Event


@dataclass(frozen=True)
class SigningCodeRequested(Event, audit_only=True):
    """A one-time code went to the signer (the API sends it itself: the code is never stored or queued, and the
    event, audit only, gives the notifier nothing to do)."""

    subject: str
    party: str
    channels: tuple[str, ...]
    destination: str
    expires_at: str


@dataclass(frozen=True)
class SigningCodeRejected(Event, audit_only=True):
    """Nobody is told: the signer sees the tries left on the page; SigningLinkLocked tells the operator."""

    subject: str
    party: str
    failures: int
    tries_left: int


@dataclass(frozen=True)
class SigningLinkLocked(Event):
    """Too many wrong codes: the link is locked until the operator resends it (the operator is told)."""

    subject: str
    party: str
    failures: int


@dataclass(frozen=True)
class SigningTurn(Event):
    """Under a signing order, the first party signed: the second party's link goes out now."""

    subject: str
    party: str
    token_id: str
    email: str
    expires_at: str
    document_sha256: str


@dataclass(frozen=True)
class SigningReminder(Event):
    """The `number`-th reminder to a party that has not signed yet, with its link."""

    subject: str
    party: str
    token_id: str
    email: str
    expires_at: str
    number: int


@dataclass(frozen=True)
class SigningLinkExpired(Event):
    """A party's link expired unsigned; the operator is told (once)."""

    subject: str
    party: str
    email: str
    expires_at: str
