"""The receivables ledger's promise, checked on random histories: recording the same facts in any order gives the
same figures for every day, and every figure equals a small reference model that walks day by day."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.invoice import Invoice
from chalicelib.domain.ledger import (
    Designation,
    Fact,
    Fee,
    FeeCancellation,
    FeeRevision,
    Payment,
    Refund,
    SetOff,
    Waiver,
    replay,
)
from chalicelib.domain.terms import LatePenalty

START = date(2026, 1, 10)
CENT = Decimal("0.01")
AMOUNT = Decimal("360000.00")


def q(d: Decimal) -> Decimal:
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


@st.composite
def histories(draw: st.DrawFn) -> list[Fact]:
    years = draw(st.integers(1, 3))
    clause = draw(
        st.sampled_from(
            [
                LatePenalty("daily_pct", Decimal("0.05"), None),
                LatePenalty("daily_pct", Decimal("0.1"), Decimal("3")),
                LatePenalty("contract_pct", Decimal("2"), None),
                LatePenalty("contract_pct", Decimal("5"), Decimal("4")),
            ]
        )
    )
    due_days = draw(st.sampled_from([10, 30]))
    facts: list[Fact] = []
    for k in range(1, years + 1):
        issue = START + timedelta(days=120 * (k - 1))
        amount = Decimal(draw(st.integers(1000, 50000))) * 10
        facts.append(Fee(k, issue, issue + timedelta(days=due_days), q(amount), due_days, clause))
    for seq in range(1, draw(st.integers(0, 9)) + 1):
        kind = draw(st.sampled_from(["pay", "pay", "pay", "waive", "set_off", "refund", "revise", "cancel"]))
        on = START + timedelta(days=draw(st.integers(0, 400)))
        year = draw(st.integers(1, years))
        money = q(Decimal(draw(st.integers(1, 6000000))) / 100)
        if kind == "pay":
            wanted = draw(
                st.lists(st.tuples(st.integers(1, years), st.sampled_from(["fee", "late_penalty"])), max_size=2)
            )
            facts.append(
                Payment(f"V{seq}", on, money, seq, "bank_transfer", tuple(Designation(y, w) for y, w in wanted))
            )  # type: ignore[arg-type]
        elif kind == "waive":
            facts.append(Waiver(year, on, q(money / 50), seq))
        elif kind == "set_off":
            facts.append(SetOff(year, on, q(money / 4), seq))
        elif kind == "refund":
            facts.append(Refund(f"R{seq}", on, q(money / 10), seq))
        elif kind == "revise":
            issue = START + timedelta(days=120 * (year - 1))
            facts.append(FeeRevision(year, issue + timedelta(days=draw(st.integers(0, 60))), q(money * 2), seq))
        else:
            issue = START + timedelta(days=120 * (year - 1))
            facts.append(FeeCancellation(year, issue + timedelta(days=draw(st.integers(0, 200))), seq, "cancelled"))
    return facts


# ---- the reference model: every day, one at a time -----------------------------------------------------------
@dataclass
class RefFee:
    fee: Fee
    amount: Decimal
    due: date
    paid: dict[str, Decimal] = field(default_factory=dict)  # by source
    pen_paid: dict[str, Decimal] = field(default_factory=dict)
    day_sum: Decimal = Decimal(0)
    base: Decimal | None = None
    one_off: Decimal | None = None
    waived: Decimal = Decimal("0.00")
    dead: bool = False

    def out(self) -> Decimal:
        return Decimal("0.00") if self.dead else q(self.amount - sum(self.paid.values(), Decimal(0)))

    def accrued(self) -> Decimal:
        if self.dead:
            return Decimal("0.00")
        c = self.fee.late_penalty
        p = q(self.day_sum * c.rate_pct / 100) if c.mode == "daily_pct" else (self.one_off or Decimal("0.00"))
        if c.cap_pct is not None and self.base is not None:
            p = min(p, q(self.base * c.cap_pct / 100))
        return p

    def pen_out(self) -> Decimal:
        return max(Decimal("0.00"), q(self.accrued() - sum(self.pen_paid.values(), Decimal(0)) - self.waived))


def reference(facts: list[Fact], as_of: date) -> dict[str, object]:
    fees: dict[int, RefFee] = {}
    credit: dict[str, Decimal] = {}
    order: list[str] = []
    short = Decimal("0.00")
    by_credit: list[tuple[str, int, str, Decimal]] = []  # what credit paid, in order

    def place(src: str, year: int, what: str, amt: Decimal, from_credit: bool = False) -> None:
        if amt <= 0:
            return
        book = fees[year].paid if what == "fee" else fees[year].pen_paid
        book[src] = book.get(src, Decimal(0)) + amt
        credit[src] -= amt
        if from_credit:
            by_credit.append((src, year, what, amt))

    def default(src: str, day: date, from_credit: bool = False) -> None:
        live = [f for f in fees.values() if not f.dead and f.fee.on <= day]
        for f in sorted(live, key=lambda f: (not day > f.due, f.due, f.fee.year)):
            place(src, f.fee.year, "fee", min(credit[src], f.out()), from_credit)
        for f in sorted(live, key=lambda f: (f.due, f.fee.year)):
            place(src, f.fee.year, "late_penalty", min(credit[src], f.pen_out()), from_credit)

    def take_back(left: Decimal) -> Decimal:
        """A refund beyond the credit takes back what credit paid, newest first."""
        for src, year, what, amt in reversed(by_credit):
            book = fees[year].paid if what == "fee" else fees[year].pen_paid
            give = Decimal(0) if fees[year].dead else min(amt, book.get(src, Decimal(0)), left)
            book[src] = book.get(src, Decimal(0)) - give
            left -= give
        return left

    def release(f: RefFee, books: list[dict[str, Decimal]], amount: Decimal | None) -> None:
        for book in books:
            for src in reversed(list(book)):
                if amount is not None and amount <= 0:
                    return
                give = book[src] if amount is None else min(book[src], amount)
                book[src] -= give
                credit[src] += give
                if amount is not None:
                    amount -= give

    day = min(f.on for f in facts)
    while day <= as_of:
        todays = sorted((f for f in facts if f.on == day), key=lambda f: getattr(f, "seq", 0))
        for f in todays:
            if isinstance(f, Fee):
                fees[f.year] = RefFee(f, f.amount, f.due_on)
        for f in todays:
            if isinstance(f, FeeRevision) and f.year in fees and not fees[f.year].dead:
                r = fees[f.year]
                r.amount = f.amount
                new_due = max(r.fee.due_on, f.on + timedelta(days=r.fee.payment_due_days))
                if new_due != r.due and r.one_off is None:
                    r.base = None
                r.due = new_due
                paid = sum(r.paid.values(), Decimal(0))
                if paid > r.amount:
                    release(r, [r.paid], paid - r.amount)
        for f in todays:
            if isinstance(f, FeeCancellation) and f.year in fees and not fees[f.year].dead:
                release(fees[f.year], [fees[f.year].paid, fees[f.year].pen_paid], None)
                fees[f.year].dead = True
        for r in fees.values():  # today's accrual, on the opening outstanding
            if not r.dead and day > r.due:
                if r.base is None:
                    r.base = r.out()
                    if r.base > 0 and r.fee.late_penalty.mode == "contract_pct":
                        r.one_off = q(AMOUNT * r.fee.late_penalty.rate_pct / 100)
                r.day_sum += r.out()
        for src in list(order):
            if credit[src] > 0:
                default(src, day, from_credit=True)
        for f in sorted(todays, key=lambda f: getattr(f, "seq", 0)):
            if isinstance(f, Payment | SetOff):
                src = f"payment:{f.voucher_no}" if isinstance(f, Payment) else f"set-off:{f.seq}"
                credit[src] = f.amount
                order.append(src)
                wanted = (
                    f.applies_to
                    if isinstance(f, Payment)
                    else (Designation(f.year, "fee"), Designation(f.year, "late_penalty"))
                )
                for d in wanted:
                    if d.year in fees and not fees[d.year].dead and fees[d.year].fee.on <= day:
                        owed = fees[d.year].out() if d.what == "fee" else fees[d.year].pen_out()
                        place(src, d.year, d.what, min(credit[src], owed))
                default(src, day)
            elif isinstance(f, Waiver) and f.year in fees and not fees[f.year].dead:
                fees[f.year].waived = q(fees[f.year].waived + min(f.amount, fees[f.year].pen_out()))
            elif isinstance(f, Refund):
                left = f.amount
                for src in order:
                    take = min(left, credit[src])
                    credit[src] -= take
                    left -= take
                short += take_back(left)
        day += timedelta(days=1)
    return {
        "fees": {y: (r.out(), r.accrued(), r.pen_out()) for y, r in sorted(fees.items())},
        "credit": q(sum(credit.values(), Decimal(0)) - short),
    }


def figures(facts: list[Fact], as_of: date) -> dict[str, object]:
    ledger = replay(facts, as_of, lambda _d: AMOUNT)
    return {
        "fees": {y: (s.outstanding, s.penalty_accrued, s.penalty_outstanding) for y, s in ledger.fees.items()},
        "credit": ledger.credit,
    }


DAYS = [START + timedelta(days=n) for n in (0, 15, 40, 41, 90, 130, 160, 200, 260, 330, 420, 600)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.randoms(use_true_random=False))
def test_any_recording_order_gives_the_same_ledger_on_every_day(facts: list[Fact], rnd: random.Random) -> None:
    shuffled = list(facts)
    rnd.shuffle(shuffled)
    for day in DAYS:
        assert figures(facts, day) == figures(shuffled, day)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_every_figure_equals_the_day_by_day_reference(facts: list[Fact]) -> None:
    for day in DAYS:
        assert figures(facts, day) == reference(facts, day), day


def _invoice_of(fee: Fee) -> Invoice:
    return Invoice(
        contract_id="c-1",
        year=fee.year,
        period_start=fee.on,
        period_end=fee.on + timedelta(days=364),
        issue_on=fee.on,
        due_on=fee.due_on,
        amount=fee.amount,
        status="open",
        version=1,
        contract_no="HT-1",
        client_name="甲方",
        client_email="client@example.com",
        late_penalty=fee.late_penalty,
        payment_due_days=fee.payment_due_days,
        original_amount=fee.amount,
        original_due_on=fee.due_on,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_an_invoices_cache_continues_to_the_ledgers_own_penalty(facts: list[Fact]) -> None:
    # Given the invoices' caches written as of the last fact's day (as every ledger write does)
    last = max(f.on for f in facts)
    written = replay(facts, last, lambda _d: AMOUNT)
    invoices = {}
    for year, state in written.fees.items():
        invoices[year] = _invoice_of(state.fee)
        invoices[year].refresh(state, written.fee_allocations(year), last)
    # Then on any later day the overdue job's one-item read gives the ledger's figures for an open fee
    for day in (last, *(d for d in DAYS if d > last), last + timedelta(days=900)):
        ledger = replay(facts, day, lambda _d: AMOUNT)
        for year, inv in invoices.items():
            cached = inv.fee_state(day, lambda _d: AMOUNT)
            if cached is not None:
                full = ledger.fees[year]
                assert (cached.outstanding, cached.penalty_accrued, cached.days_overdue(day)) == (
                    full.outstanding,
                    full.penalty_accrued,
                    full.days_overdue(day),
                )
