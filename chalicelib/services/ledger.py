"""The receivables ledger of a contract as the use cases need it: its facts from the stored book, its figures as
of a day, and what every write must also do — refresh the invoices' cached state, tell finance when a
later-recorded fact moved earlier payments or lowered a penalty it was told, and keep the receivables index."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal

from chalicelib.domain.invoice import Invoice, PenaltyAssessment
from chalicelib.domain.ledger import ZERO, Fact, Fee, FeeState, Ledger, Payment, replay, settled_since
from chalicelib.domain.money import quantize
from chalicelib.domain.money_events import Move, PaymentsReallocated, PenaltyAdjusted, PenaltyAssessed, Placement
from chalicelib.domain.terms import LatePenalty
from chalicelib.services.ports import LedgerBook, PaymentRecord, ReceivableMark
from chalicelib.services.unit_of_work import UnitOfWork


def payment_fact(p: PaymentRecord) -> Payment:
    return Payment(p.voucher_no, p.paid_on, p.amount, p.seq, p.method, p.applies_to)


def facts_of(book: LedgerBook) -> list[Fact]:
    facts: list[Fact] = [inv.fee() for inv in book.invoices.values()]
    facts.extend(payment_fact(p) for p in book.payments)
    facts.extend(book.facts)
    return facts


def view(book: LedgerBook, as_of: date) -> Ledger:
    return replay(facts_of(book), as_of, book.contract.contract_amount_on)


def next_seq(book: LedgerBook, uow: UnitOfWork) -> int:
    """Recorded order of a new fact: the audit sequence number of the entry its write stages for it (every fact
    raises one event, so these never collide across writes)."""
    staged = uow.staged
    return book.contract.audit_seq + 1 + len(staged.facts) + len(staged.payments)


def latest_day(book: LedgerBook, today: date) -> date:
    return max([today, *(f.on for f in facts_of(book))])


# ---- penalties finance was told ----------------------------------------------------------------------------
def _tell_penalty(
    uow: UnitOfWork, inv: Invoice, clause: LatePenalty, on: date, days: int, total: Decimal, delta: Decimal, why: str
) -> None:
    """Record on the invoice what finance is told of its penalty, and tell it (assessed when up, adjusted when down);
    `clause`: the one the fee is held to (a revision may have changed the invoice's)."""
    inv.assessments.append(PenaltyAssessment(on, days, total, delta))
    uow.update_invoice(inv)
    assessed = PenaltyAssessed(
        year=inv.year,
        due_date=inv.due_on,
        as_of=on,
        days_overdue=days,
        mode=clause.mode,
        rate_pct=format(clause.rate_pct, "f"),
        penalty_total=total,
        penalty_delta=delta,
    )
    uow.raise_event(PenaltyAdjusted(**asdict(assessed), why=why) if delta < 0 else assessed)


def report_penalty(uow: UnitOfWork, inv: Invoice, st: FeeState | None, on: date) -> None:
    """Tell finance the penalty of `inv` as of `on` (its fee's state `st` that day) when it rose above what it was
    last told."""
    total = ZERO if st is None else st.penalty_accrued
    delta = quantize(total - inv.penalty_reported)
    if delta > 0:
        clause = inv.late_penalty if st is None else st.clause
        _tell_penalty(uow, inv, clause, on, max(0, (on - inv.due_on).days), total, delta, "")


def _earliest_staged(uow: UnitOfWork) -> date | None:
    """The earliest day of the facts this write adds: nothing before it can change."""
    staged = uow.staged
    days = [f.on for f in staged.facts] + [p.paid_on for p in staged.payments]
    return min(days + [i.issue_on for i in staged.new_invoices], default=None)


def _adjust_penalties(uow: UnitOfWork, book: LedgerBook, why: str, earliest: date | None) -> None:
    """A later-recorded fact may lower a penalty finance was told: say so (PenaltyAdjusted) with the new figure.
    A fact dated on or before the day finance was told changes that day's figure; one dated after it (a void,
    a cancellation: the fee was never owed from then on) can only lower the figure from its own date, so the
    penalty is compared as of the later of the two days."""
    if earliest is None:
        return
    views: dict[date, Ledger] = {}  # one replay per day compared, however many invoices are compared on it
    for inv in book.invoices.values():
        if not inv.assessments:
            continue
        last = inv.assessments[-1]
        day = max(last.on, earliest)
        if day not in views:
            views[day] = view(book, day)
        st = views[day].fees.get(inv.year)
        now = ZERO if st is None else st.penalty_accrued
        if now < last.total:
            clause = inv.late_penalty if st is None else st.clause
            days = last.days_overdue if day == last.on else max(0, (day - inv.due_on).days)
            _tell_penalty(uow, inv, clause, day, days, now, quantize(now - last.total), why)


def placements(placed: dict[tuple[int, str], Decimal]) -> tuple[Placement, ...]:
    return tuple(Placement(y, w, a) for (y, w), a in placed.items())


def _left_a_place(was: dict[tuple[int, str], Decimal], now: dict[tuple[int, str], Decimal]) -> bool:
    return any(now.get(k, ZERO) < amount for k, amount in was.items())


def settle(
    uow: UnitOfWork,
    book: LedgerBook,
    before: Ledger,
    today: date,
    why: str,
    changed_from: date | None = None,
    credit_told: bool = False,
) -> Ledger:
    """What every ledger write does after adding its facts to `book` (see the module docstring). `changed_from`:
    the earliest day whose figures may have changed (default: the earliest fact this write adds). `credit_told`:
    the write tells finance itself where credit went (CreditApplied), so only money that left a fee or a penalty
    it had paid counts as reallocated."""
    as_of = latest_day(book, today)
    after = view(book, as_of)
    for year, inv in book.invoices.items():
        st = after.fees.get(year)
        if st is not None and inv.refresh(st, after.fee_allocations(year), as_of):
            uow.update_invoice(inv)
    moves = tuple(
        Move(sid, placements(was), placements(now))
        for sid in before.sources
        if (was := before.placed(sid)) != (now := after.placed(sid)) and (not credit_told or _left_a_place(was, now))
    )
    if moves:
        uow.raise_event(PaymentsReallocated(why=why, moves=moves, credit_after=after.credit))
    _adjust_penalties(uow, book, why, changed_from or _earliest_staged(uow))
    settled = settled_since(after)
    if not before.fees or settled != settled_since(before):  # else the stored mark already says so
        uow.staged.receivable = ReceivableMark(book.contract.id, settled)
    book.contract.ledger_credit = after.credit
    book.contract.ledger_last_on = max((f.on for f in after.facts if not isinstance(f, Fee)), default=None)
    return after
