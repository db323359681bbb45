"""Annual invoicing (付款通知书) and overdue detection with late penalties (逾期违约金). Money figures come from
the receivables ledger (services/ledger.py); payments and other facts are recorded in services/payments.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import AlreadyExists, ConcurrentUpdate
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.ledger import FeeState
from chalicelib.domain.money import quantize
from chalicelib.domain.money_events import CreditApplied, InvoiceIssued, InvoiceOverdue
from chalicelib.services import ledger as ledgers
from chalicelib.services.base import Deps
from chalicelib.services.ports import AlertMark, LedgerBook, ReceivableMark
from chalicelib.services.unit_of_work import UnitOfWork, run


def _invoice_event(inv: Invoice) -> InvoiceIssued:
    return InvoiceIssued(
        year=inv.year,
        period_start=inv.period_start,
        period_end=inv.period_end,
        issue_date=inv.issue_on,
        due_date=inv.due_on,
        amount=inv.amount,
    )


# ---- invoicing ------------------------------------------------------------------------------------------
def _money_may_move(contract: Contract, year: int) -> bool:
    """Can the new fee take money already recorded? Credit pays it on its issue date; and a money fact dated on or
    after that day (recorded before a late run, or before the run of that day) is placed by the order that counts
    the new fee, so it may leave an older penalty or credit for it. The contract keeps the day of its latest money
    fact (`ledger_last_on`, set by every ledger write and by the migration), which answers exactly that."""
    last = contract.ledger_last_on
    return contract.ledger_credit > 0 or (last is not None and last >= contract.year_start(year))


def _issue_one(deps: Deps, contract: Contract, year: int) -> Contract:
    """Issue year `year` of `contract` (read at its current version) in one transaction; returns the contract as
    now stored. When money already recorded may pay the new fee (see _money_may_move) the ledger is read, the
    invoices' caches rewritten and finance told (CreditApplied, or PaymentsReallocated when money left a place)."""
    uow = UnitOfWork(deps, "worker:invoicing")
    if _money_may_move(contract, year):
        book = uow.ledger(contract.id)
        contract = book.contract
        if contract.next_invoice_year() != year:
            raise ConcurrentUpdate("contract", contract.id)
    else:
        book = None
        uow.adopt(contract)
    invoice = contract.invoice_for_year(year)
    contract.record_invoice_issued(year)
    uow.add_invoice(invoice)
    uow.raise_event(_invoice_event(invoice))
    if book is None:
        # Nothing to pay it with: the fee is owed, so the contract is receivable from today on.
        uow.staged.receivable = ReceivableMark(contract.id, None)
    else:
        today = deps.today()
        before = ledgers.view(book, ledgers.latest_day(book, today))
        book.invoices[year] = invoice
        after = ledgers.settle(uow, book, before, today, f"invoice of year {year} issued", credit_told=True)
        applied = quantize(before.credit - after.credit)  # what was credit before: not money moved off a penalty
        if applied > 0:
            st = after.fees[year]
            uow.raise_event(
                CreditApplied(year=year, amount=applied, fee_outstanding=st.outstanding, credit_after=after.credit)
            )
    uow.commit()
    return contract


def issue_for_contract(deps: Deps, contract: Contract, as_of: date) -> int:
    """Issues every invoice of `contract` whose contract year has started by `as_of` (catching up)."""
    issued = 0
    conflicts = 0
    current: Contract | None = contract
    while True:
        if current is None:
            current = deps.repo.get_contract(contract.id)
        year = current.next_invoice_year()
        if year is None or current.year_start(year) > as_of:
            return issued
        try:
            # The write was conditional on the version read, so what it returns is exactly what is stored.
            current = _issue_one(deps, current, year)
            issued += 1
        except (AlreadyExists, ConcurrentUpdate):
            # Another run got there first (one invoice per contract and year, ever), or the copy read from the
            # index was stale: reload and go on.
            conflicts += 1
            if conflicts > 20:
                raise
            current = None


def issue_due_invoices(deps: Deps, as_of: date) -> dict[str, Any]:
    contracts = 0
    issued = 0
    for contract in deps.repo.contracts_to_invoice(as_of):
        contracts += 1
        issued += issue_for_contract(deps, contract, as_of)
    return {"as_of": as_of.isoformat(), "contracts_due": contracts, "invoices_issued": issued}


def list_invoices(deps: Deps, contract_id: str) -> LedgerBook:
    return deps.repo.load_ledger(contract_id)


# ---- overdue ----------------------------------------------------------------------------------------------
_Fee = tuple[Contract, Invoice, FeeState]


def _fee_on(uow: UnitOfWork, contract_id: str, year: int, as_of: date, cached: Invoice | None) -> _Fee | None:
    """The contract, the open invoice and its fee's state on `as_of`. The invoice's cache tells (only the contract
    is read beside it) unless it was written after `as_of`; then the whole ledger is read, the contract with it."""
    invoice = cached or uow.deps.repo.get_invoice(contract_id, year)
    if invoice is None or not invoice.is_open:
        return None
    if invoice.continues_to(as_of):
        contract = uow.contract(contract_id)
        st = invoice.fee_state(as_of, contract.contract_amount_on)
    else:
        book = uow.ledger(contract_id)
        contract, invoice, st = book.contract, book.invoices[year], ledgers.view(book, as_of).fees.get(year)
    return None if st is None else (contract, invoice, st)


def escalate_invoice(deps: Deps, contract_id: str, year: int, as_of: date, cached: Invoice | None = None) -> bool:
    """Sends the highest newly reached level's alert and reports the penalty; True if it wrote anything. `cached`:
    the invoice as the open-invoice index returned it (a stale copy fails the write's version check, and the retry
    reads it afresh)."""
    levels = deps.settings.overdue_levels
    index_copy = iter((cached,))  # the first attempt only; a retry reads the invoice afresh

    def attempt(uow: UnitOfWork) -> bool:
        found = _fee_on(uow, contract_id, year, as_of, next(index_copy, None))
        if found is None:
            return False
        contract, invoice, st = found
        days = st.days_overdue(as_of)
        reached = [lv for lv in levels if days >= lv and lv not in invoice.levels_alerted]
        if not reached:
            return False
        invoice.levels_alerted = sorted(set(invoice.levels_alerted) | set(reached))
        uow.update_invoice(invoice)
        top = max(reached)
        uow.raise_event(
            InvoiceOverdue(
                level=top,
                levels_skipped=tuple(sorted(lv for lv in reached if lv != top)),
                year=year,
                due_date=st.due_on,
                as_of=as_of,
                days_overdue=days,
                amount=st.amount,
                outstanding=st.outstanding,
                penalty_accrued=st.penalty_accrued,
                client=contract.client.name,
                contract_no=contract.contract_no,
            )
        )
        ledgers.report_penalty(uow, invoice, st, as_of)
        uow.staged.alerts.extend(AlertMark(contract_id, year, lv, deps.now_iso()) for lv in reached)
        try:
            uow.commit()
        except AlreadyExists:
            return False  # a concurrent run sent this level
        return True

    return run(deps, "worker:overdue", attempt)


def detect_overdue(deps: Deps, as_of: date) -> dict[str, Any]:
    """Reads only open invoices due before `as_of` (an index query); writes only where a level is reached."""
    totals = {"overdue_invoices": 0, "escalated": 0}
    for invoice in deps.repo.open_invoices_due_before(as_of):
        for key, n in check_overdue(deps, invoice, as_of).items():
            totals[key] += n
    return {"as_of": as_of.isoformat(), **totals}


def check_overdue(deps: Deps, invoice: Invoice, as_of: date) -> dict[str, int]:
    """One open invoice as the index returned it: escalated where it reached a level not yet alerted."""
    if not invoice.is_overdue(as_of):
        return {}
    escalated = bool(invoice.levels_reached(as_of, deps.settings.overdue_levels)) and escalate_invoice(
        deps, invoice.contract_id, invoice.year, as_of, invoice
    )
    return {"overdue_invoices": 1, "escalated": int(escalated)}
