"""The receivables ledger (应收台账): dated facts in, every balance, allocation and late penalty out.

Everything here is a pure function of the facts dated on or before the day asked, replayed in date order (within a
day: fees, revisions, cancellations, then payments, set-offs, waivers and refunds in recorded order), so the order
in which finance records things can never change a figure. The rules are in docs/domain-rules.md ("Receivables
ledger").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from chalicelib.domain.ledger_facts import (
    ZERO,
    Designation,
    Fact,
    Fee,
    FeeCancellation,
    FeeRevision,
    Payment,
    Refund,
    SetOff,
    Target,
    Waiver,
    fact_order,
    governing,
    source_id,
)
from chalicelib.domain.money import quantize
from chalicelib.domain.terms import LatePenalty

__all__ = [  # the facts are re-exported: the ledger is read and written in their terms
    "ZERO",
    "Designation",
    "Fact",
    "Fee",
    "FeeCancellation",
    "FeeRevision",
    "Payment",
    "Refund",
    "SetOff",
    "Target",
    "Waiver",
    "fact_order",
    "source_id",
]


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


@dataclass
class Ledger:
    """The ledger of one contract as of `as_of`."""

    as_of: date
    fees: dict[int, FeeState]
    sources: dict[str, SourceState]
    allocations: list[Allocation]
    facts: list[Fact]
    refunded: Decimal = ZERO
    refund_shortfall: Decimal = ZERO  # refunded beyond the credit (only after a later-recorded backdated fact)

    @property
    def credit(self) -> Decimal:
        return quantize(sum((s.unallocated for s in self.sources.values()), ZERO) - self.refund_shortfall)

    @property
    def fees_outstanding(self) -> Decimal:
        return quantize(sum((f.outstanding for f in self.fees.values()), ZERO))

    @property
    def penalties_outstanding(self) -> Decimal:
        return quantize(sum((f.penalty_outstanding for f in self.fees.values()), ZERO))

    @property
    def net(self) -> Decimal:
        return quantize(self.fees_outstanding + self.penalties_outstanding - self.credit)

    def placed(self, source: str) -> dict[tuple[int, str], Decimal]:
        """Where a source's money is now: (year, what) → amount, releases netted out."""
        out: dict[tuple[int, str], Decimal] = {}
        for a in self.allocations:
            if a.source == source:
                out[(a.year, a.what)] = out.get((a.year, a.what), ZERO) + a.amount
        return {k: quantize(v) for k, v in sorted(out.items()) if v != 0}

    def fee_allocations(self, year: int) -> list[Allocation]:
        return [a for a in self.allocations if a.year == year and a.what == "fee"]


# ---- the replay -------------------------------------------------------------------------------------------


class _Replay:
    def __init__(self, as_of: date, contract_amount_on: ContractAmountOn) -> None:
        self.as_of = as_of
        self.contract_amount_on = contract_amount_on
        self.fees: dict[int, FeeState] = {}
        self.sources: dict[str, SourceState] = {}
        self.allocations: list[Allocation] = []
        self.refunded = ZERO
        self.refund_shortfall = ZERO

    # -- penalty accrual -------------------------------------------------------------------------------
    def accrue(self, through: date) -> None:
        for st in self.fees.values():
            st.accrue(through, self.contract_amount_on)

    # -- money placement -------------------------------------------------------------------------------
    def _place(self, src: SourceState, year: int, what: Target, amount: Decimal, on: date) -> None:
        if amount <= 0:
            return
        st = self.fees[year]
        if what == "fee":
            st.paid = quantize(st.paid + amount)
        else:
            st.penalty_paid = quantize(st.penalty_paid + amount)
        src.unallocated = quantize(src.unallocated - amount)
        self.allocations.append(Allocation(src.id, year, what, amount, on))
        self._restatus(st)

    @staticmethod
    def _restatus(st: FeeState) -> None:
        if not st.live:
            return
        if st.outstanding == 0 and st.amount > 0:
            st.status = "paid"
        elif st.paid > 0:
            st.status = "partially_paid"
        else:
            st.status = "open"

    def owed(self, year: int, what: Target) -> Decimal:
        st = self.fees.get(year)
        if st is None or not st.live:
            return ZERO
        return st.outstanding if what == "fee" else st.penalty_outstanding

    def by_default_rule(self, src: SourceState, on: date) -> None:
        """Civil Code art. 560: fees issued by `on` (matured first, then by due date), then penalties owed (oldest
        first); what is left stays with the source as credit."""
        live = [st for st in self.fees.values() if st.live and st.fee.on <= on]
        fees = sorted(live, key=lambda s: (not (on > s.due_on), s.due_on, s.year))
        for st in fees:
            if src.unallocated <= 0:
                return
            self._place(src, st.year, "fee", min(src.unallocated, st.outstanding), on)
        for st in sorted(live, key=lambda s: (s.due_on, s.year)):
            if src.unallocated <= 0:
                return
            self._place(src, st.year, "late_penalty", min(src.unallocated, st.penalty_outstanding), on)

    def apply_credit(self, on: date) -> None:
        for src in sorted(self.sources.values(), key=lambda s: (s.fact.on, s.fact.seq)):
            if src.unallocated > 0:
                self.by_default_rule(src, on)

    def release(self, year: int, what: Target | None, amount: Decimal | None, on: date) -> None:
        """Give money placed on (year, what) back to its sources, newest first (all of it when amount is None)."""
        st = self.fees[year]
        wanted = amount
        for a in reversed(list(self.allocations)):
            if wanted is not None and wanted <= 0:
                break
            if a.year != year or (what is not None and a.what != what):
                continue
            net = self._net_placed(a.source, year, a.what)
            if net <= 0:
                continue
            give = net if wanted is None else min(net, wanted)
            self.allocations.append(Allocation(a.source, year, a.what, -give, on))
            self.sources[a.source].unallocated = quantize(self.sources[a.source].unallocated + give)
            if a.what == "fee":
                st.paid = quantize(st.paid - give)
            else:
                st.penalty_paid = quantize(st.penalty_paid - give)
            if wanted is not None:
                wanted -= give

    def _net_placed(self, source: str, year: int, what: str) -> Decimal:
        return quantize(
            sum((a.amount for a in self.allocations if a.source == source and a.year == year and a.what == what), ZERO)
        )

    # -- facts -----------------------------------------------------------------------------------------
    def fee(self, f: Fee) -> None:
        self.fees[f.year] = FeeState(fee=f, amount=quantize(f.amount), due_on=f.due_on)

    def revise(self, r: FeeRevision) -> None:
        st = self.fees.get(r.year)
        if st is None or not st.live:
            return
        st.revisions.append(r)
        st.amount = quantize(r.amount)
        due = max(st.fee.due_on, r.on + timedelta(days=governing(st.fee, st.revisions)[0]))
        if due != st.due_on and st.one_off is None:
            st.overdue_base = None  # measured again on the new due date
        st.due_on = due
        if st.paid > st.amount:
            self.release(r.year, "fee", st.paid - st.amount, r.on)
        self._restatus(st)

    def cancel(self, c: FeeCancellation) -> None:
        st = self.fees.get(c.year)
        if st is None or not st.live:
            return
        self.release(c.year, None, None, c.on)
        st.cancelled_on = c.on
        st.status = c.status
        st.penalty_waived = ZERO

    def pay(self, p: Payment | SetOff) -> None:
        src = SourceState(fact=p, unallocated=quantize(p.amount))
        self.sources[src.id] = src
        wanted: Sequence[Designation] = (
            p.applies_to
            if isinstance(p, Payment)
            else (Designation(p.year, "fee"), Designation(p.year, "late_penalty"))
        )
        for d in wanted:
            if d.year in self.fees and self.fees[d.year].fee.on <= p.on:
                self._place(src, d.year, d.what, min(src.unallocated, self.owed(d.year, d.what)), p.on)
        self.by_default_rule(src, p.on)

    def waive(self, w: Waiver) -> None:
        st = self.fees.get(w.year)
        if st is None or not st.live:
            return
        st.penalty_waived = quantize(st.penalty_waived + min(w.amount, st.penalty_outstanding))

    def refund(self, r: Refund) -> None:
        left = quantize(r.amount)
        self.refunded = quantize(self.refunded + left)
        for src in sorted(self.sources.values(), key=lambda s: (s.fact.on, s.fact.seq)):
            take = min(left, src.unallocated)
            if take > 0:
                src.unallocated = quantize(src.unallocated - take)
                left -= take
        self.refund_shortfall = quantize(self.refund_shortfall + left)


def replay(facts: Iterable[Fact], as_of: date, contract_amount_on: ContractAmountOn) -> Ledger:
    """The ledger as of `as_of`: only facts dated on or before it count, in date order."""
    ordered = sorted((f for f in facts if f.on <= as_of), key=fact_order)
    r = _Replay(as_of, contract_amount_on)
    i = 0
    while i < len(ordered):
        day = ordered[i].on
        r.accrue(day - timedelta(days=1))
        while i < len(ordered) and ordered[i].on == day and isinstance(ordered[i], Fee | FeeRevision | FeeCancellation):
            fact = ordered[i]
            if isinstance(fact, Fee):
                r.fee(fact)
            elif isinstance(fact, FeeRevision):
                r.revise(fact)
            elif isinstance(fact, FeeCancellation):
                r.cancel(fact)
            i += 1
        r.accrue(day)
        r.apply_credit(day)
        while i < len(ordered) and ordered[i].on == day:
            fact = ordered[i]
            if isinstance(fact, Payment | SetOff):
                r.pay(fact)
            elif isinstance(fact, Waiver):
                r.waive(fact)
            elif isinstance(fact, Refund):
                r.refund(fact)
            i += 1
    r.accrue(as_of)
    return Ledger(
        as_of=as_of,
        fees=dict(sorted(r.fees.items())),
        sources=r.sources,
        allocations=r.allocations,
        facts=ordered,
        refunded=r.refunded,
        refund_shortfall=r.refund_shortfall,
    )


def aging_bucket(days_overdue: int) -> str:
    if days_overdue <= 30:
        return "0-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "90+"


BUCKETS = ("0-30", "31-60", "61-90", "90+")


def settled_since(ledger: Ledger) -> date | None:
    """The day since which nothing is owed or credited (None while something is), from the ledger of the latest
    day: balances change only on a fact's day, so once they are all zero they stay so after the last fact."""
    if ledger.fees_outstanding or ledger.penalties_outstanding or ledger.credit:
        return None
    return max((f.on for f in ledger.facts), default=ledger.as_of)
