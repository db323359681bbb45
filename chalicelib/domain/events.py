"""Domain events: what happened, recorded in the audit chain and published through the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Event types finance subscribes to on the SNS topic (message attribute `event_type`).
FINANCE_EVENTS = frozenset(
    {
        "InvoiceIssued",
        "InvoiceOverdue",
        "PenaltyAssessed",
        "PaymentReceived",
        "InvoiceVoided",
        "ContractActivated",
        "ContractTerminated",
        "NoticeServed",
        "PenaltyAdjusted",
        "PaymentsReallocated",
        "InvoiceRevised",
        "InvoiceCancelled",
        "PenaltyWaived",
        "SetOffRecorded",
        "RefundRecorded",
        "CreditApplied",
    }
)


@dataclass(frozen=True)
class DomainEvent:
    """`type` names the event (ContractActivated, InvoiceIssued, ...); `data` is JSON-ready (strings for money)."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_finance(self) -> bool:
        return self.type in FINANCE_EVENTS
