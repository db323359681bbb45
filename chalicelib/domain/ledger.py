"""The receivables ledger (应收台账): dated facts in, every balance, allocation and late penalty out.

Everything here is a pure function of the facts dated on or before the day asked, replayed in date order (within a
day: fees, revisions, cancellations, then payments, set-offs, waivers and refunds in recorded order), so the order
in which finance records things can never change a figure. The rules are in docs/domain-rules.md ("Receivables
ledger").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
from chalicelib.domain.ledger_state import Allocation, ContractAmountOn, FeeState, SourceState
from chalicelib.domain.money import quantize

__all__ = [  # the facts and the state are re-exported: the ledger is read and written in their terms
    "ZERO",
    "Allocation",
    "ContractAmountOn",
    "Designation",
    "Fact",
    "Fee",
    "FeeCancellation",
    "FeeRevision",
    "FeeState",
    "Payment",
    "Refund",
    "SetOff",
    "SourceState",
    "Target",
    "Waiver",
    "fact_order",
    "source_id",
]


@dataclass
class Ledger:
    """The ledger of one contract as of `as_of`."""

    as_of: date
    fees: dict[int, FeeState]
    sources: dict[str, SourceState]
    allocations: list[Allocation]
    facts: list[Fact]
    refunded: Decimal = ZERO
    refund_shortfall: Decimal = ZERO  # refunded beyond the credit and what credit had paid (owed back)

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
            self._unplace(a.source, st, a.what, give, on)
            self.sources[a.source].unallocated = quantize(self.sources[a.source].unallocated + give)
            if wanted is not None:
                wanted -= give

    def _unplace(self, source: str, st: FeeState, what: Target, amount: Decimal, on: date) -> None:
        """Take `amount` of `source`'s money off (st's year, what) on `on`: a negative allocation, less paid."""
        self.allocations.append(Allocation(source, st.fee.year, what, -amount, on))
        if what == "fee":
            st.paid = quantize(st.paid - amount)
        else:
            st.penalty_paid = quantize(st.penalty_paid - amount)

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
        """Out of credit, the oldest payment's first. A refund is refused beyond the credit on its date, but a fact
        recorded after it and dated before it (a late invoicing run, a revision) may have spent that credit since:
        the refund then takes back what credit paid, newest first, reopening those fees or penalties from its date
        (the money went back to the client, so what it had paid is owed again)."""
        left = quantize(r.amount)
        self.refunded = quantize(self.refunded + left)
        for src in sorted(self.sources.values(), key=lambda s: (s.fact.on, s.fact.seq)):
            take = min(left, src.unallocated)
            if take > 0:
                src.unallocated = quantize(src.unallocated - take)
                left -= take
        left = self._reclaim_credit(left, r.on)
        self.refund_shortfall = quantize(self.refund_shortfall + left)

    def _reclaim_credit(self, wanted: Decimal, on: date) -> Decimal:
        """Take up to `wanted` back from placements credit made (a source's money placed after its own date),
        newest first; returns what is still wanted."""
        for a in reversed(list(self.allocations)):
            if wanted <= 0:
                break
            if a.amount <= 0 or a.on <= self.sources[a.source].fact.on:
                continue
            st = self.fees[a.year]
            give = min(a.amount, self._net_placed(a.source, a.year, a.what), wanted)
            if give <= 0 or not st.live:
                continue
            self._unplace(a.source, st, a.what, give, on)
            self._restatus(st)
            wanted = quantize(wanted - give)
        return wanted


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
