"""The annual invoice (付款通知书) of a contract year: the fee fact of the receivables ledger, plus a cache of its
state as of the last write (status, current amount and due date, what was paid) that the open-invoice index and the
overdue job read. Every figure shown to people is computed by chalicelib/domain/ledger.py, never from the cache."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from chalicelib.domain.calendar import add_days, contract_year_period
from chalicelib.domain.ledger import ZERO, ContractAmountOn, Fee, FeeState
from chalicelib.domain.ledger import Allocation as LedgerAllocation
from chalicelib.domain.ledger_facts import voucher_of
from chalicelib.domain.money import quantize
from chalicelib.domain.terms import LatePenalty

OPEN_STATUSES = ("open", "partially_paid")


@dataclass(frozen=True)
class Allocation:
    """What one payment (or set-off) has paid of this fee, as of the last write."""

    voucher_no: str
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class PenaltyAssessment:
    """A late-penalty figure finance was told (PenaltyAssessed, or PenaltyAdjusted when `delta` < 0)."""

    on: date
    days_overdue: int
    total: Decimal
    delta: Decimal


@dataclass(frozen=True)
class Accrual:
    """The fee's late-penalty accrual as the ledger had it on `as_of` (the day of the write that last changed the
    fee: today, or a later fact's day). Nothing changes a fee's outstanding without rewriting its cache, so
    continuing this accrual to a later day gives the ledger's own figure for that day (the overdue job's one-item
    read)."""

    as_of: date
    day_amounts: Decimal
    accrued_through: date | None
    overdue_base: Decimal | None
    one_off: Decimal | None
    clause: LatePenalty | None = None  # the late-penalty clause a revision gave the fee (None: the invoice's own)


@dataclass
class Invoice:
    contract_id: str
    year: int
    period_start: date
    period_end: date
    issue_on: date
    due_on: date  # current (a revision can move it later)
    amount: Decimal  # current (a revision can change it)
    status: str  # open | partially_paid | paid | void | cancelled
    version: int
    contract_no: str
    client_name: str
    client_email: str
    late_penalty: LatePenalty
    payment_due_days: int = 0
    original_amount: Decimal | None = None
    original_due_on: date | None = None
    allocations: list[Allocation] = field(default_factory=list)
    assessments: list[PenaltyAssessment] = field(default_factory=list)
    levels_alerted: list[int] = field(default_factory=list)
    void_reason: str | None = None
    accrual: Accrual | None = None

    @classmethod
    def issue(
        cls,
        *,
        contract_id: str,
        contract_no: str,
        client_name: str,
        client_email: str,
        effective: date,
        year: int,
        amount: Decimal,
        payment_due_days: int,
        late_penalty: LatePenalty,
    ) -> Invoice:
        start, end = contract_year_period(effective, year)
        return cls(
            contract_id=contract_id,
            year=year,
            period_start=start,
            period_end=end,
            issue_on=start,
            due_on=add_days(start, payment_due_days),
            amount=quantize(amount),
            status="open",
            version=0,
            contract_no=contract_no,
            client_name=client_name,
            client_email=client_email,
            late_penalty=late_penalty,
            payment_due_days=payment_due_days,
            original_amount=quantize(amount),
            original_due_on=add_days(start, payment_due_days),
            accrual=Accrual(start, Decimal(0), None, None, None),  # nothing accrues before the due date
        )

    @property
    def key(self) -> str:
        return f"{self.contract_id}#{self.year:03d}"

    def fee(self) -> Fee:
        """The ledger fact this invoice stands for: the fee as issued (revisions are facts of their own)."""
        original_due = self.original_due_on or self.due_on
        return Fee(
            year=self.year,
            on=self.issue_on,
            due_on=original_due,
            amount=self.original_amount if self.original_amount is not None else self.amount,
            payment_due_days=self.payment_due_days or (original_due - self.issue_on).days,
            late_penalty=self.late_penalty,
        )

    @property
    def paid(self) -> Decimal:
        return quantize(sum((a.amount for a in self.allocations), ZERO))

    @property
    def outstanding(self) -> Decimal:
        if self.status in ("void", "cancelled"):
            return ZERO
        return max(ZERO, quantize(self.amount - self.paid))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def days_overdue(self, as_of: date) -> int:
        return max(0, (as_of - self.due_on).days) if self.is_open else 0

    def is_overdue(self, as_of: date) -> bool:
        return self.is_open and as_of > self.due_on and self.outstanding > 0

    @property
    def penalty_reported(self) -> Decimal:
        return self.assessments[-1].total if self.assessments else ZERO

    def levels_reached(self, as_of: date, levels: Sequence[int]) -> list[int]:
        days = self.days_overdue(as_of)
        return [lv for lv in levels if days >= lv and lv not in self.levels_alerted]

    def refresh(self, state: FeeState, allocations: Sequence[LedgerAllocation], as_of: date) -> bool:
        """Rewrite the cache from the ledger's state of this fee as of `as_of`; True when anything changed (the
        accrual alone moving on with time is not a change: it can be continued from the cache)."""
        before = (self.status, self.amount, self.due_on, list(self.allocations))
        self.status = state.status
        self.amount = state.amount
        self.due_on = state.due_on
        net: dict[str, tuple[date, Decimal]] = {}
        for a in allocations:
            first, total = net.get(a.source, (a.on, ZERO))
            net[a.source] = (first, total + a.amount)
        self.allocations = [
            Allocation(voucher_of(source) or source, on, quantize(total))  # a set-off keeps its source id
            for source, (on, total) in net.items()
            if total > 0
        ]
        clause = None if state.clause == self.late_penalty else state.clause
        changed = (
            before != (self.status, self.amount, self.due_on, list(self.allocations))
            or self.accrual is None
            or self.accrual.clause != clause
        )
        if changed:
            self.accrual = Accrual(
                as_of, state.day_amounts, state.accrued_through, state.overdue_base, state.one_off, clause
            )
        return changed

    def continues_to(self, as_of: date) -> bool:
        """Whether the cache can give this open fee's state on `as_of` (it was written on or before that day)."""
        return self.accrual is not None and as_of >= self.accrual.as_of and self.is_open

    def fee_state(self, as_of: date, contract_amount_on: ContractAmountOn) -> FeeState | None:
        """What the overdue job needs of this open fee on `as_of` — outstanding, days overdue and the penalty
        accrued — continued from the cache (None when `continues_to` says it cannot). Not the whole ledger state:
        what was paid, waived or set off of the penalty, and the revisions, are the ledger's to tell."""
        acc = self.accrual
        if acc is None or not self.continues_to(as_of):
            return None
        fee = self.fee() if acc.clause is None else replace(self.fee(), late_penalty=acc.clause)
        st = FeeState(fee=fee, amount=self.amount, due_on=self.due_on, status=self.status, paid=self.paid)
        st.day_amounts, st.accrued_through = acc.day_amounts, acc.accrued_through
        st.overdue_base, st.one_off = acc.overdue_base, acc.one_off
        st.accrue(as_of, contract_amount_on)
        return st
