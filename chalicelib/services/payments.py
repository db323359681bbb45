"""Recording money facts in the receivables ledger: payments against vouchers (支付凭证) with an optional
designation, penalty waivers (减免), set-offs (抵销), refunds out of credit, and voiding an invoice. Each is one
transaction: the fact, the invoices' refreshed state, the audit entry and the outbox events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import AlreadyExists, Conflict, IllegalTransition, NotFound, ValidationError
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.ledger import (
    Designation,
    FeeCancellation,
    Ledger,
    Refund,
    SetOff,
    Waiver,
    source_id,
)
from chalicelib.domain.money import amount_in_words, money_str
from chalicelib.services import ledger as ledgers
from chalicelib.services.base import Deps
from chalicelib.services.ports import LedgerBook, PaymentRecord
from chalicelib.services.unit_of_work import UnitOfWork, run


@dataclass(frozen=True)
class RecordPayment:
    amount: Decimal
    paid_on: date
    voucher_no: str
    method: str
    applies_to: tuple[Designation, ...] = ()


@dataclass(frozen=True)
class WaivePenalty:
    year: int
    amount: Decimal
    reason: str
    on: date | None = None


@dataclass(frozen=True)
class RecordSetOff:
    year: int
    amount: Decimal
    reason: str
    on: date | None = None
    claim: str | None = None


@dataclass(frozen=True)
class RecordRefund:
    amount: Decimal
    paid_on: date
    voucher_no: str
    reason: str


def _in_force(contract: Contract, on: date, field: str) -> None:
    if not contract.accepts_payments():
        raise IllegalTransition(
            "contract",
            contract.id,
            contract.status,
            "paid",
            "money is recorded only against a contract in force or ended",
        )
    if contract.effective_date is not None and on < contract.effective_date:
        raise ValidationError(field, "must not be before the contract's effective date")


def _not_future(deps: Deps, on: date, field: str) -> None:
    if on > deps.today():
        raise ValidationError(field, "must not be in the future")


def _year(book: LedgerBook, year: int, field: str = "year") -> None:
    if year not in book.invoices:
        raise NotFound("invoice", f"{book.contract.id} year {year}")


def _voucher_free(deps: Deps, voucher: str) -> None:
    # Checked first so a resent payment reads as the duplicate it is; the unique claim written with the fact still
    # settles any race.
    if deps.repo.voucher_owner(voucher) is not None:
        raise Conflict(f"voucher {voucher} is already recorded", field="voucher_no")


def _commit(uow: UnitOfWork, voucher: str | None = None) -> None:
    try:
        uow.commit()
    except AlreadyExists as exc:
        if voucher is not None and exc.entity in ("voucher", "payment"):
            raise Conflict(f"voucher {voucher} is already recorded", field="voucher_no") from None
        raise


# ---- payments ---------------------------------------------------------------------------------------------
def _receipt(cmd: RecordPayment, contract_id: str, after: Ledger, sid: str) -> dict[str, Any]:
    placed = after.placed(sid)
    fees = [
        {
            "year": year,
            "amount": money_str(amount),
            "status": after.fees[year].status,
            "outstanding": money_str(after.fees[year].outstanding),
        }
        for (year, what), amount in placed.items()
        if what == "fee"
    ]
    penalties = [
        {
            "year": year,
            "amount": money_str(amount),
            "penalty_outstanding": money_str(after.fees[year].penalty_outstanding),
        }
        for (year, what), amount in placed.items()
        if what == "late_penalty"
    ]
    credit = after.sources[sid].unallocated
    return {
        "contract_id": contract_id,
        "voucher_no": cmd.voucher_no,
        "amount": money_str(cmd.amount),
        "amount_in_words": amount_in_words(cmd.amount),
        "paid_on": cmd.paid_on.isoformat(),
        "method": cmd.method,
        "applies_to": [{"year": d.year, "what": d.what} for d in cmd.applies_to],
        "allocations": fees,
        "penalty_allocations": penalties,
        "to_credit": money_str(credit),
        "to_credit_in_words": amount_in_words(credit),
        "outstanding_after": money_str(after.fees_outstanding),
        "penalties_outstanding_after": money_str(after.penalties_outstanding),
        "credit_after": money_str(after.credit),
    }


def record_payment(deps: Deps, contract_id: str, cmd: RecordPayment, actor: str) -> dict[str, Any]:
    _not_future(deps, cmd.paid_on, "paid_on")

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        _voucher_free(deps, cmd.voucher_no)
        book = uow.ledger(contract_id)
        _in_force(book.contract, cmd.paid_on, "paid_on")
        for i, d in enumerate(cmd.applies_to):
            if not 1 <= d.year <= book.contract.term_years:
                raise ValidationError(f"applies_to[{i}].year", "is not a contract year of this contract")
        today = deps.today()
        before = ledgers.view(book, ledgers.latest_day(book, today))
        payment = PaymentRecord(
            contract_id=contract_id,
            voucher_no=cmd.voucher_no,
            amount=cmd.amount,
            paid_on=cmd.paid_on,
            method=cmd.method,
            recorded_at=deps.now_iso(),
            recorded_by=actor,
            allocations=[],
            seq=ledgers.next_seq(book, uow),
            applies_to=cmd.applies_to,
        )
        book.payments.append(payment)
        at_payment = ledgers.view(book, cmd.paid_on)
        sid = source_id(ledgers.payment_fact(payment))
        receipt = _receipt(cmd, contract_id, at_payment, sid)
        payment.allocations.extend(receipt["allocations"] + receipt["penalty_allocations"])
        uow.staged.payments.append(payment)
        uow.raise_event(DomainEvent("PaymentReceived", {k: v for k, v in receipt.items() if k != "contract_id"}))
        for year, st in at_payment.fees.items():
            # A fee this payment settled late: its accrual stops here, so the penalty is final and reported now.
            if st.status == "paid" and cmd.paid_on > st.due_on and (year, "fee") in at_payment.placed(sid):
                ledgers.report_penalty(uow, book.invoices[year], at_payment, cmd.paid_on)
        ledgers.settle(uow, book, before, today, f"payment {cmd.voucher_no} of {cmd.paid_on.isoformat()} recorded")
        _commit(uow, cmd.voucher_no)
        return receipt

    return run(deps, actor, attempt)


def list_payments(deps: Deps, contract_id: str) -> list[dict[str, Any]]:
    book = deps.repo.load_ledger(contract_id)
    now = ledgers.view(book, ledgers.latest_day(book, deps.today()))
    return [
        {
            "voucher_no": p.voucher_no,
            "amount": money_str(p.amount),
            "paid_on": p.paid_on.isoformat(),
            "method": p.method,
            "recorded_at": p.recorded_at,
            "applies_to": [{"year": d.year, "what": d.what} for d in p.applies_to],
            "allocations": p.allocations,
            "placed_now": ledgers.placed_list(now.placed(f"payment:{p.voucher_no}")),
            "credit_now": money_str(now.sources[f"payment:{p.voucher_no}"].unallocated),
        }
        for p in sorted(book.payments, key=lambda p: (p.paid_on, p.seq, p.voucher_no))
    ]


# ---- waivers, set-offs, refunds --------------------------------------------------------------------------
def waive_penalty(deps: Deps, contract_id: str, cmd: WaivePenalty, actor: str) -> dict[str, Any]:
    on = cmd.on or deps.today()
    _not_future(deps, on, "on")

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        book = uow.ledger(contract_id)
        _in_force(book.contract, on, "on")
        _year(book, cmd.year)
        owed = ledgers.view(book, on).fees[cmd.year].penalty_outstanding
        if cmd.amount > owed:
            raise Conflict(
                f"waiver of {money_str(cmd.amount)} exceeds the penalty outstanding on {on}: {money_str(owed)}",
                field="amount",
            )
        today = deps.today()
        before = ledgers.view(book, ledgers.latest_day(book, today))
        book.facts.append(Waiver(cmd.year, on, cmd.amount, ledgers.next_seq(book, uow), cmd.reason))
        uow.staged.facts.append(book.facts[-1])
        after = ledgers.view(book, on)
        reply = {
            "year": cmd.year,
            "on": on.isoformat(),
            "amount": money_str(cmd.amount),
            "amount_in_words": amount_in_words(cmd.amount),
            "reason": cmd.reason,
            "penalty_outstanding": money_str(after.fees[cmd.year].penalty_outstanding),
        }
        uow.raise_event(DomainEvent("PenaltyWaived", reply))
        ledgers.settle(uow, book, before, today, f"penalty of year {cmd.year} waived")
        _commit(uow)
        return {"contract_id": contract_id, **reply}

    return run(deps, actor, attempt)


def record_set_off(deps: Deps, contract_id: str, cmd: RecordSetOff, actor: str) -> dict[str, Any]:
    on = cmd.on or deps.today()
    _not_future(deps, on, "on")

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        book = uow.ledger(contract_id)
        _in_force(book.contract, on, "on")
        _year(book, cmd.year)
        if book.invoices[cmd.year].issue_on > on:
            raise ValidationError("on", f"must not be before year {cmd.year}'s invoice was issued")
        st = ledgers.view(book, on).fees[cmd.year]
        owed = st.outstanding + st.penalty_outstanding
        if cmd.amount > owed:
            raise Conflict(
                f"set-off of {money_str(cmd.amount)} exceeds what year {cmd.year} owes on {on}: {money_str(owed)}",
                field="amount",
            )
        today = deps.today()
        before = ledgers.view(book, ledgers.latest_day(book, today))
        fact = SetOff(cmd.year, on, cmd.amount, ledgers.next_seq(book, uow), cmd.reason, cmd.claim)
        book.facts.append(fact)
        uow.staged.facts.append(fact)
        after = ledgers.view(book, on)
        reply = {
            "year": cmd.year,
            "on": on.isoformat(),
            "amount": money_str(cmd.amount),
            "amount_in_words": amount_in_words(cmd.amount),
            "reason": cmd.reason,
            "claim": cmd.claim,
            "placed": ledgers.placed_list(after.placed(source_id(fact))),
            "fee_outstanding": money_str(after.fees[cmd.year].outstanding),
            "penalty_outstanding": money_str(after.fees[cmd.year].penalty_outstanding),
        }
        uow.raise_event(DomainEvent("SetOffRecorded", reply))
        ledgers.settle(uow, book, before, today, f"set-off against year {cmd.year} recorded")
        _commit(uow)
        return {"contract_id": contract_id, **reply}

    return run(deps, actor, attempt)


def record_refund(deps: Deps, contract_id: str, cmd: RecordRefund, actor: str) -> dict[str, Any]:
    _not_future(deps, cmd.paid_on, "paid_on")

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        _voucher_free(deps, cmd.voucher_no)
        book = uow.ledger(contract_id)
        _in_force(book.contract, cmd.paid_on, "paid_on")
        credit = ledgers.view(book, cmd.paid_on).credit
        if cmd.amount > credit:
            raise Conflict(
                f"refund of {money_str(cmd.amount)} exceeds the credit on {cmd.paid_on}: {money_str(credit)}",
                field="amount",
            )
        today = deps.today()
        before = ledgers.view(book, ledgers.latest_day(book, today))
        fact = Refund(cmd.voucher_no, cmd.paid_on, cmd.amount, ledgers.next_seq(book, uow), cmd.reason)
        book.facts.append(fact)
        uow.staged.facts.append(fact)
        after = ledgers.view(book, cmd.paid_on)
        reply = {
            "voucher_no": cmd.voucher_no,
            "paid_on": cmd.paid_on.isoformat(),
            "amount": money_str(cmd.amount),
            "amount_in_words": amount_in_words(cmd.amount),
            "reason": cmd.reason,
            "credit_after": money_str(after.credit),
        }
        uow.raise_event(DomainEvent("RefundRecorded", reply))
        ledgers.settle(uow, book, before, today, f"refund {cmd.voucher_no} recorded")
        _commit(uow, cmd.voucher_no)
        return {"contract_id": contract_id, **reply}

    return run(deps, actor, attempt)


# ---- cancelling a fee -------------------------------------------------------------------------------------
def cancel_fee(uow: UnitOfWork, book: LedgerBook, year: int, on: date, status: str, reason: str) -> DomainEvent:
    """Stage the cancellation (or an operator's void) of year `year`'s fee; returns its event."""
    inv = book.invoices[year]
    if inv.status in ("void", "cancelled") or (status == "void" and not inv.is_open):
        raise IllegalTransition("invoice", inv.key, inv.status, status)
    paid = ledgers.view(book, on).fees[year].paid
    fact = FeeCancellation(year, on, ledgers.next_seq(book, uow), "void" if status == "void" else "cancelled", reason)
    book.facts.append(fact)
    uow.staged.facts.append(fact)
    inv.void_reason = reason
    name = "InvoiceVoided" if status == "void" else "InvoiceCancelled"
    return DomainEvent(
        name,
        {
            "year": year,
            "on": on.isoformat(),
            "amount": money_str(inv.amount),
            "paid": money_str(paid),
            "reason": reason,
        },
    )


def void_invoice(deps: Deps, contract_id: str, year: int, reason: str, actor: str) -> LedgerBook:
    def attempt(uow: UnitOfWork) -> LedgerBook:
        book = uow.ledger(contract_id)
        _year(book, year)
        today = deps.today()
        before = ledgers.view(book, ledgers.latest_day(book, today))
        uow.raise_event(cancel_fee(uow, book, year, today, "void", reason))
        ledgers.settle(uow, book, before, today, f"invoice of year {year} voided")
        uow.update_invoice(book.invoices[year])
        _commit(uow)
        return book

    return run(deps, actor, attempt)
