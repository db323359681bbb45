"""The receivables ledger's working state: where each fee stands (paid, penalty accrued, paid, waived) and where each
payment's or set-off's money is, as the replay in chalicelib.domain.ledger moves it. The rules are in
docs/domain-rules.md ("Receivables ledger")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from chalicelib.domain.ledger_facts import ZERO, Fee, FeeRevision, Payment, SetOff, Target, governing, source_id
from chalicelib.domain.money import quantize
from chalicelib.domain.terms import LatePenalty


# ---- results ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Allocation:
    """`amount` of source `source` went to (year, what) on `on`; a negative amount is money released back."""

    source: str
    year: int
    what: Target
    amount: Decimal
    on: date


ContractAmountOn = Callable[[date], Decimal]


@dataclass
class FeeState:
    fee: Fee
    amount: Decimal
    due_on: date
    status: str = "open"  # open | partially_paid | paid | cancelled | void
    cancelled_on: date | None = None
    revisions: list[FeeRevision] = field(default_factory=list)
    paid: Decimal = ZERO
    # late penalty
    day_amounts: Decimal = Decimal(0)  # Σ outstanding over overdue days (daily_pct)
    accrued_through: date | None = None
    overdue_base: Decimal | None = None  # unpaid on the due date
    one_off: Decimal | None = None  # contract_pct, assessed once on due + 1
    penalty_paid: Decimal = ZERO
    penalty_waived: Decimal = ZERO

    @property
    def year(self) -> int:
        return self.fee.year

    @property
    def clause(self) -> LatePenalty:
        return governing(self.fee, self.revisions)[1]

    def accrue(self, through: date, contract_amount_on: ContractAmountOn) -> None:
        """Accrue the late penalty for the days up to and including `through`, on each day's opening outstanding
        (nothing changes between facts, so a whole stretch is counted at once)."""
        if not self.live:
            return
        start = max(self.accrued_through or self.due_on, self.due_on)
        if through <= start:
            return
        outstanding = self.outstanding
        if self.overdue_base is None:
            self.overdue_base = outstanding  # unpaid at the end of the due date
            if outstanding > 0 and self.clause.mode == "contract_pct":
                amount = contract_amount_on(self.due_on + timedelta(days=1))
                self.one_off = quantize(amount * self.clause.rate_pct / Decimal(100))
        if outstanding > 0:
            self.day_amounts += outstanding * (through - start).days
        self.accrued_through = through

    @property
    def live(self) -> bool:
        return self.cancelled_on is None

    @property
    def outstanding(self) -> Decimal:
        return quantize(self.amount - self.paid) if self.live else ZERO

    @property
    def penalty_accrued(self) -> Decimal:
        if not self.live:
            return ZERO
        clause = self.clause
        if clause.mode == "daily_pct":
            penalty = quantize(self.day_amounts * clause.rate_pct / Decimal(100))
        else:
            penalty = self.one_off if self.one_off is not None else ZERO
        if clause.cap_pct is not None and self.overdue_base is not None:
            penalty = min(penalty, quantize(self.overdue_base * clause.cap_pct / Decimal(100)))
        return penalty

    @property
    def penalty_outstanding(self) -> Decimal:
        return max(ZERO, quantize(self.penalty_accrued - self.penalty_paid - self.penalty_waived))

    def days_overdue(self, as_of: date) -> int:
        return (as_of - self.due_on).days if self.live and self.outstanding > 0 and as_of > self.due_on else 0


@dataclass
class SourceState:
    """A payment or a set-off: its money and where it is now."""

    fact: Payment | SetOff
    unallocated: Decimal

    @property
    def id(self) -> str:
        return source_id(self.fact)
