"""What contract changes do to fees already issued: a supplementary agreement in force on a year's first day
revises that year's fee (InvoiceRevised, a revised 付款通知书), and a termination cancels the fees of years that
start on or after it takes effect (InvoiceCancelled), whenever either is recorded. Called inside the contract's own
write, so the facts commit in the same transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chalicelib.domain.contract import Contract
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.ledger import FeeRevision, FeeState
from chalicelib.domain.ledger_facts import governing
from chalicelib.domain.money_events import InvoiceRevised
from chalicelib.domain.terms import Terms
from chalicelib.services import ledger as ledgers
from chalicelib.services.payments import cancel_fee
from chalicelib.services.ports import LedgerBook
from chalicelib.services.unit_of_work import UnitOfWork


def termination_date(contract: Contract) -> date | None:
    notice = next((n for n in contract.notices if n.status in ("served", "effective")), None)
    return None if notice is None else notice.effective_date


def touches_issued_fees(contract: Contract) -> bool:
    """Cheap check before reading the ledger: is any issued year governed differently than when it was issued?"""
    if contract.invoiced_years == 0 or contract.effective_date is None:
        return False
    last_start = contract.year_start(contract.invoiced_years)
    ends = termination_date(contract)
    latest_terms = contract.terms_versions[-1].effective_from
    return (ends is not None and ends <= last_start) or (latest_terms is not None and latest_terms <= last_start)


def _governed_otherwise(terms: Terms, st: FeeState) -> bool:
    """The terms governing the fee's year (those in force on its first day) set another fee, payment_due_days or
    late-penalty clause than the fee now has: an agreement in force on that day, signed after the year was invoiced."""
    return terms.annual_fee != st.amount or (terms.payment_due_days, terms.late_penalty) != governing(
        st.fee, st.revisions
    )


def _revise(uow: UnitOfWork, book: LedgerBook, inv: Invoice, previous: Decimal, today: date) -> None:
    """Revise `inv`'s fee to the terms in force on its issue date (the revised 付款通知书)."""
    contract = book.contract
    terms = contract.terms_on(inv.issue_on)
    version = next(v for v in reversed(contract.terms_versions) if v.terms is terms)
    on = max(version.effective_from or inv.issue_on, inv.issue_on)
    reason = f"supplementary agreement {version.amendment_no}"
    seq = ledgers.next_seq(book, uow)
    fact = FeeRevision(inv.year, on, terms.annual_fee, seq, reason, terms.payment_due_days, terms.late_penalty)
    book.facts.append(fact)
    uow.staged.facts.append(fact)
    revised = ledgers.view(book, ledgers.latest_day(book, today)).fees[inv.year]
    uow.raise_event(
        InvoiceRevised(
            year=inv.year,
            on=on,
            amendment_no=version.amendment_no,
            period_start=inv.period_start,
            period_end=inv.period_end,
            issue_date=inv.issue_on,
            previous_amount=previous,
            amount=revised.amount,
            due_date=revised.due_on,
            paid=revised.paid,
            outstanding=revised.outstanding,
        )
    )


def apply_to_issued_fees(uow: UnitOfWork, contract: Contract, book: LedgerBook | None = None) -> None:
    """Stage, in `uow` (which holds `contract`, changed and not yet committed), the revisions and cancellations of
    issued fees the change implies; their events follow the contract's own. `book`: the ledger when the caller has
    read it already."""
    if not touches_issued_fees(contract):
        return
    book = book or uow.deps.repo.load_ledger(contract.id)
    book.contract = contract
    uow.remember_invoices(book)
    today = uow.deps.today()
    before = ledgers.view(book, ledgers.latest_day(book, today))
    ends = termination_date(contract)
    raised = len(uow.events)
    for year, inv in book.invoices.items():
        st = before.fees.get(year)
        if st is None or not st.live:
            continue
        if ends is not None and inv.issue_on >= ends:
            why = "the contract ends before this year"
            uow.raise_event(cancel_fee(uow, book, year, inv.issue_on, "cancelled", why))
        elif _governed_otherwise(contract.terms_on(inv.issue_on), st):
            _revise(uow, book, inv, st.amount, today)
    if len(uow.events) > raised:
        ledgers.settle(uow, book, before, today, uow.events[raised].type)
