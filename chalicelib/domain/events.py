"""Domain events: what happened to a contract, recorded in its audit chain and published through the outbox.

One frozen dataclass per event type; the class name is the event's `type`. Money fields are `Decimal` (on the
wire a two-place string); a money field named in `in_words` is also carried in Chinese capitals as
`<field>_in_words`. `event_payload` is the one JSON shape of an event (audit entry and outbox payload alike),
`event_from_payload` reads it back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.event_base import (
    EVENT_TYPES,
    Event,
    UnknownEvent,
    event_from_payload,
    event_payload,
)
from chalicelib.domain.event_codec import decode_fields
from chalicelib.domain.money_events import (
    AllocationLine,
    CreditApplied,
    InvoiceCancelled,
    InvoiceIssued,
    InvoiceOverdue,
    InvoiceRevised,
    InvoiceVoided,
    PaymentReceived,
    PaymentsReallocated,
    PenaltyAdjusted,
    PenaltyAssessed,
    PenaltyWaived,
    RefundRecorded,
    SetOffRecorded,
)
from chalicelib.domain.obligation_events import (
    DeliveryCorrected,
    IncidentReported,
    IncidentUpdated,
    ObligationDelivered,
    ObligationOverdue,
    ObligationReminder,
    ServiceStandardBreached,
)
from chalicelib.domain.signing import Signature
from chalicelib.domain.signing_events import (  # registered here so every reader of events knows them
    SigningCodeRejected,
    SigningCodeRequested,
    SigningLinkExpired,
    SigningLinkLocked,
    SigningReminder,
    SigningTurn,
)
from chalicelib.domain.terms import Party, Terms

__all__ = [  # re-exported from event_base and money_events, so every event type is importable from here
    "EVENT_TYPES",
    "FINANCE_EVENTS",
    "AllocationLine",
    "CreditApplied",
    "DeliveryCorrected",
    "Event",
    "IncidentReported",
    "IncidentUpdated",
    "InvoiceCancelled",
    "InvoiceIssued",
    "InvoiceOverdue",
    "InvoiceRevised",
    "InvoiceVoided",
    "ObligationDelivered",
    "ObligationOverdue",
    "ObligationReminder",
    "PaymentReceived",
    "PaymentsReallocated",
    "PenaltyAdjusted",
    "PenaltyAssessed",
    "PenaltyWaived",
    "RefundRecorded",
    "ServiceStandardBreached",
    "SetOffRecorded",
    "SigningCodeRejected",
    "SigningCodeRequested",
    "SigningLinkExpired",
    "SigningLinkLocked",
    "SigningReminder",
    "SigningTurn",
    "UnknownEvent",
    "event_from_payload",
    "event_payload",
]


@dataclass(frozen=True)
class ContractSummary:
    """Who and what, carried by every outbox event so messages render without another read."""

    contract_id: str
    contract_no: str
    template: str
    client: Party
    vendor: Party

    def party(self, which: str) -> Party:
        return self.client if which == "client" else self.vendor


@dataclass(frozen=True)
class LinkSent:
    """A signing link as the notifier needs it: the token id (the token is derived), address and expiry."""

    token_id: str
    email: str
    expires_at: str


# ---- contract and signing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContractDrafted(Event, audit_only=True):
    """Nobody is told: there is nothing to tell anyone until the contract is sent (ContractSent)."""

    document_sha256: str
    terms: Terms
    template: str


@dataclass(frozen=True)
class ContractSent(Event):
    document_sha256: str
    links: dict[str, LinkSent]


@dataclass(frozen=True)
class SigningLinkReissued(Event):
    subject: str
    party: str
    token_id: str
    email: str
    expires_at: str
    revoked_token_id: str


@dataclass(frozen=True)
class SignatureRecorded(Event, audit_only=True):
    """The evidence of one signature, flat: `subject` plus every field of `Signature`. Nobody is told: the signer
    has the receipt page, and both parties hear when the document takes effect."""

    subject: str
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
    verification: str = "link"  # an entry written before one-time codes existed
    verified_destination: str | None = None
    code_sent_at: str | None = None
    forwarded_for: str | None = None  # unverified; see Signature

    @classmethod
    def of(cls, subject: str, s: Signature) -> SignatureRecorded:
        return cls(
            subject=subject,
            party=s.party,
            signer_name=s.signer_name,
            signer_email=s.signer_email,
            signed_at=s.signed_at,
            ip_address=s.ip_address,
            user_agent=s.user_agent,
            document_sha256=s.document_sha256,
            consent_version=s.consent_version,
            consent_sha256=s.consent_sha256,
            prev_audit_hash=s.prev_audit_hash,
            verification=s.verification,
            verified_destination=s.verified_destination,
            code_sent_at=s.code_sent_at,
            forwarded_for=s.forwarded_for,
        )


@dataclass(frozen=True)
class ContractActivated(Event, finance=True):
    in_words = ("contract_amount",)
    effective_date: date
    end_date: date
    document_sha256: str
    contract_amount: Decimal
    signatures: dict[str, Signature]


@dataclass(frozen=True)
class SignatureDeclined(Event):
    subject: str
    party: str
    reason: str


@dataclass(frozen=True)
class SigningVoided(Event):
    subject: str
    reason: str
    # the parties whose link had gone out (under a signing order, before the turn, only the first): who is told
    invited: tuple[str, ...] = ("client", "vendor")
    # True when nobody voided it: the contract's term ended with the agreement still awaiting signatures
    lapsed: bool = False


# ---- supplementary agreements (补充协议) -----------------------------------------------------------------
@dataclass(frozen=True)
class AmendmentProposed(Event, audit_only=True):
    """Nobody is told: AmendmentSent, raised in the same transaction, invites the parties."""

    amendment_no: int
    changes: dict[str, Any]
    reason: str
    document_sha256: str


@dataclass(frozen=True)
class AmendmentSent(Event):
    amendment_no: int
    subject: str
    document_sha256: str
    links: dict[str, LinkSent]


@dataclass(frozen=True)
class AmendmentEffective(Event, finance=True):
    in_words = ("contract_amount",)
    amendment_no: int
    effective_date: date
    terms_version: int
    changes: dict[str, Any]
    end_date: date | None
    contract_amount: Decimal
    signatures: dict[str, Signature]
    document_sha256: str


# ---- termination, expiry, reminders --------------------------------------------------------------------
@dataclass(frozen=True)
class NoticeServed(Event, finance=True):
    """解除合同通知书 served; `outstanding_total` is what the client owed on the day (set by the service)."""

    in_words = ("outstanding_total",)
    no: int
    by: str
    reason_code: str
    details: str
    notice_date: date
    effective_date: date
    status: str
    served_at: str
    document_sha256: str
    withdrawn_at: str | None
    withdrawal_reason: str | None
    clause: str
    outstanding_total: Decimal | None = None


@dataclass(frozen=True)
class NoticeWithdrawn(Event, finance=True):
    notice_no: int
    reason: str
    effective_date: date
    withdrawn_on: date | None = None


@dataclass(frozen=True)
class ContractTerminated(Event, finance=True):
    notice_no: int
    effective_date: date
    reason_code: str
    invoiced_years: int


@dataclass(frozen=True)
class ContractExpired(Event, finance=True):
    end_date: date
    invoiced_years: int


@dataclass(frozen=True)
class RenewalReminder(Event):
    days_before_end: int  # the reminder (a configured day) this is
    end_date: date
    days_left: int | None = None  # from the day it was sent to end_date: fewer when a run sent it late


FINANCE_EVENTS = frozenset(name for name, cls in EVENT_TYPES.items() if cls.finance)


def summary_from_payload(payload: Mapping[str, Any]) -> ContractSummary:
    summary: ContractSummary = decode_fields(ContractSummary, payload["contract"])
    return summary
