"""Events of invoices, payments and the receivables ledger (应收台账). Finance gets every one of them on the SNS
topic; the client gets the payment notice, its revision, the receipt and the void by email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from chalicelib.domain.event_base import Event
from chalicelib.domain.ledger import Designation

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class InvoiceIssued(Event, finance=True):
    in_words = ("amount",)
    year: int
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class InvoiceRevised(Event, finance=True):
    """A supplementary agreement changed an issued year's fee: the revised 付款通知书."""

    in_words = ("amount",)
    year: int
    on: date
    amendment_no: int | None
    period_start: date
    period_end: date
    issue_date: date
    previous_amount: Decimal
    amount: Decimal
    due_date: date
    paid: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class InvoiceVoided(Event, finance=True):
    """The operator voided a year's invoice; what was paid toward it flows on (PaymentsReallocated)."""

    year: int
    amount: Decimal
    paid: Decimal
    reason: str
    on: date | None = None


@dataclass(frozen=True)
class InvoiceCancelled(Event, finance=True):
    """A termination ends the contract before this year began: its fee was never owed."""

    year: int
    on: date
    amount: Decimal
    paid: Decimal
    reason: str


@dataclass(frozen=True)
class AllocationLine:
    """Where part of a payment went: contract year `year`'s fee, and what that fee still owes."""

    year: int
    amount: Decimal
    status: str
    outstanding: Decimal


@dataclass(frozen=True)
class PenaltyLine:
    """Part of a payment that paid year `year`'s late penalty, and what of that penalty is still owed."""

    year: int
    amount: Decimal
    penalty_outstanding: Decimal


@dataclass(frozen=True)
class PaymentReceived(Event, finance=True):
    in_words = ("amount", "to_credit")
    amount: Decimal
    paid_on: date
    voucher_no: str
    method: str
    allocations: tuple[AllocationLine, ...]
    outstanding_after: Decimal
    applies_to: tuple[Designation, ...] = ()
    penalty_allocations: tuple[PenaltyLine, ...] = ()
    to_credit: Decimal = ZERO
    penalties_outstanding_after: Decimal = ZERO
    credit_after: Decimal = ZERO


@dataclass(frozen=True)
class Placement:
    year: int
    what: str
    amount: Decimal


@dataclass(frozen=True)
class Move:
    """Where one payment (or set-off) `source` stood before a later-recorded fact, and where it stands now."""

    source: str
    before: tuple[Placement, ...]
    after: tuple[Placement, ...]


@dataclass(frozen=True)
class PaymentsReallocated(Event, finance=True):
    why: str
    moves: tuple[Move, ...]
    credit_after: Decimal


@dataclass(frozen=True)
class CreditApplied(Event, finance=True):
    """The credit balance (预收) paid part or all of a new fee on its issue date."""

    in_words = ("amount",)
    year: int
    amount: Decimal
    fee_outstanding: Decimal
    credit_after: Decimal


@dataclass(frozen=True)
class InvoiceOverdue(Event, finance=True):
    in_words = ("outstanding", "penalty_accrued")
    level: int
    levels_skipped: tuple[int, ...]
    year: int
    due_date: date
    as_of: date
    days_overdue: int
    amount: Decimal
    outstanding: Decimal
    penalty_accrued: Decimal
    client: str
    contract_no: str


@dataclass(frozen=True)
class PenaltyAssessed(Event, finance=True):
    """逾期违约金 assessed: the total so far and what this assessment added; `rate_pct` as the terms write it."""

    in_words = ("penalty_total",)
    year: int
    due_date: date
    as_of: date
    days_overdue: int
    mode: str
    rate_pct: str
    penalty_total: Decimal
    penalty_delta: Decimal


@dataclass(frozen=True)
class PenaltyAdjusted(PenaltyAssessed, finance=True):
    """A later-recorded fact lowered a penalty finance was told: the new total, the (negative) delta and why."""

    why: str


@dataclass(frozen=True)
class PenaltyWaived(Event, finance=True):
    """减免: finance forgave part of a year's late penalty."""

    in_words = ("amount",)
    year: int
    on: date
    amount: Decimal
    reason: str
    penalty_outstanding: Decimal


@dataclass(frozen=True)
class SetOffRecorded(Event, finance=True):
    """抵销: the client deducted what the vendor owes it (e.g. a service penalty) from what it owes."""

    in_words = ("amount",)
    year: int
    on: date
    amount: Decimal
    reason: str
    claim: str | None
    placed: tuple[Placement, ...]
    fee_outstanding: Decimal
    penalty_outstanding: Decimal


@dataclass(frozen=True)
class RefundRecorded(Event, finance=True):
    """Money paid back to the client out of its credit balance."""

    in_words = ("amount",)
    voucher_no: str
    paid_on: date
    amount: Decimal
    reason: str
    credit_after: Decimal
