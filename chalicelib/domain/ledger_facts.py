"""The facts of the receivables ledger (应收台账), each with the date it took effect (`on`) and, where finance
records it, its recorded order (`seq`). chalicelib/domain/ledger.py replays them into figures; the rules are in
docs/domain-rules.md ("Receivables ledger")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from chalicelib.domain.terms import LatePenalty

ZERO = Decimal("0.00")
Target = Literal["fee", "late_penalty"]


# ---- facts ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fee:
    """The annual fee of contract year `year` (付款通知书): owed from `on` (the issue date), due `due_on`."""

    year: int
    on: date
    due_on: date
    amount: Decimal
    payment_due_days: int
    late_penalty: LatePenalty


@dataclass(frozen=True)
class FeeRevision:
    """A supplementary agreement changed the fee of an issued year, from `on` (its effective date): its amount, and
    the payment_due_days and late-penalty clause of the terms now governing the year (None in revisions stored
    before they were kept: the fee's own, or an earlier revision's)."""

    year: int
    on: date
    amount: Decimal
    seq: int
    reason: str = ""
    payment_due_days: int | None = None
    late_penalty: LatePenalty | None = None


def governing(fee: Fee, revisions: list[FeeRevision]) -> tuple[int, LatePenalty]:
    """The payment_due_days and late-penalty clause a fee is held to: its latest revision's that set them, else its
    own (what the terms in force on its year's first day say, whichever was recorded first that day)."""
    days = next((r.payment_due_days for r in reversed(revisions) if r.payment_due_days is not None), None)
    clause = next((r.late_penalty for r in reversed(revisions) if r.late_penalty is not None), None)
    return (fee.payment_due_days if days is None else days), (fee.late_penalty if clause is None else clause)


@dataclass(frozen=True)
class FeeCancellation:
    """From `on` the fee is not owed and accrues no penalty (a backdated termination: `cancelled`; an operator's
    void: `void`); money paid toward it flows on by the allocation rule as of `on`."""

    year: int
    on: date
    seq: int
    status: Literal["cancelled", "void"]
    reason: str = ""


@dataclass(frozen=True)
class Designation:
    year: int
    what: Target


@dataclass(frozen=True)
class Payment:
    voucher_no: str
    on: date
    amount: Decimal
    seq: int
    method: str = "bank_transfer"
    applies_to: tuple[Designation, ...] = ()


@dataclass(frozen=True)
class Waiver:
    """减免: finance forgives part of a year's late penalty."""

    year: int
    on: date
    amount: Decimal
    seq: int
    reason: str = ""


@dataclass(frozen=True)
class SetOff:
    """抵销: the client deducted what the vendor owes it; settles the year's fee, then its penalty."""

    year: int
    on: date
    amount: Decimal
    seq: int
    reason: str = ""
    claim: str | None = None


@dataclass(frozen=True)
class Refund:
    """Money paid back to the client out of its credit balance (预收)."""

    voucher_no: str
    on: date
    amount: Decimal
    seq: int
    reason: str = ""


Fact = Fee | FeeRevision | FeeCancellation | Payment | Waiver | SetOff | Refund
_RANK = {Fee: 0, FeeRevision: 1, FeeCancellation: 2}


def fact_order(fact: Fact) -> tuple[date, int, int, int]:
    """Date order; within a day fees, revisions, cancellations (by year), then the rest in recorded order."""
    rank = _RANK.get(type(fact), 3)
    return (fact.on, rank, fact.year if rank < 3 else 0, fact.seq if not isinstance(fact, Fee) else 0)  # type: ignore[union-attr]


def source_id(fact: Payment | SetOff) -> str:
    return payment_source(fact.voucher_no) if isinstance(fact, Payment) else f"{SET_OFF_SOURCE}{fact.seq}"


PAYMENT_SOURCE, SET_OFF_SOURCE = "payment:", "set-off:"


def payment_source(voucher_no: str) -> str:
    return f"{PAYMENT_SOURCE}{voucher_no}"


def voucher_of(source: str) -> str | None:
    """The voucher of a payment's source id; None for a set-off."""
    return source.removeprefix(PAYMENT_SOURCE) if source.startswith(PAYMENT_SOURCE) else None


# The name of each kind of fact, as stored and as the ledger route shows it.
FACT_TYPES: dict[str, type[Fact]] = {  # type: ignore[dict-item]
    "fee": Fee,
    "fee_revision": FeeRevision,
    "fee_cancellation": FeeCancellation,
    "payment": Payment,
    "waiver": Waiver,
    "set_off": SetOff,
    "refund": Refund,
}
_NAMES = {cls: name for name, cls in FACT_TYPES.items()}


def fact_type(fact: Fact) -> str:
    return _NAMES[type(fact)]
