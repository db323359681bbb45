"""Recording money facts in the receivables ledger: payments against vouchers (支付凭证) with an optional
designation, penalty waivers (减免), set-offs (抵销), refunds out of credit, and voiding an invoice. Each is one
transaction: the fact, the invoices' refreshed state, the audit entry and the outbox events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import AlreadyExists, Conflict, IllegalTransition, NotFound, ValidationError
from chalicelib.domain.event_base import Event, event_payload
from chalicelib.domain.event_codec import encode
from chalicelib.domain.ledger import FeeCancellation, Ledger, Refund, SetOff, Waiver, source_id
from chalicelib.domain.ledger_facts import payment_source
from chalicelib.domain.money import money_str
from chalicelib.domain.money_events import (
    AllocationLine,
    InvoiceCancelled,
    InvoiceVoided,
    PaymentReceived,
    PenaltyLine,
    PenaltyWaived,
    RefundRecorded,
    SetOffRecorded,
)
from chalicelib.services import ledger as ledgers
from chalicelib.services.base import Deps
from chalicelib.services.commands import RecordPayment, RecordRefund, RecordSetOff, WaivePenalty
from chalicelib.services.obligations import check_penalty_claim
from chalicelib.services.ports import LedgerBook, PaymentRecord
from chalicelib.services.unit_of_work import UnitOfWork, run


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


def _issued(book: LedgerBook, year: int, on: date | None = None) -> None:
    """Year `year`'s invoice exists (and, given `on`, was issued by then: nothing of it is owed before)."""
    if year not in book.invoices:
        raise NotFound("invoice", f"{book.contract.id} year {year}")
    if on is not None and book.invoices[year].issue_on > on:
        raise ValidationError("on", f"must not be before year {year}'s invoice was issued")


def _voucher_free(deps: Deps, voucher: str) -> None:
    # Checked first so a resent payment reads as the duplicate it is; the unique claim written with the fact still
    # settles any race.
    if deps.repo.voucher_owner(voucher) is not None:
        raise Conflict(f"voucher {voucher} is already recorded", field="voucher_no")


def _commit(uow: UnitOfWork, voucher: str | None) -> None:
    try:
        uow.commit()
    except AlreadyExists as exc:
        if voucher is not None and exc.entity in ("voucher", "payment"):
            raise Conflict(f"voucher {voucher} is already recorded", field="voucher_no") from None
        raise


def _reply(contract_id: str, event: Event) -> dict[str, Any]:
    """What the caller gets back: the event finance is told, as its payload."""
    return {"contract_id": contract_id, **event_payload(event)}


# One shape for waivers, set-offs and refunds: check against the ledger of the fact's day, record, tell.
Check = Callable[[LedgerBook, Ledger], None]
Describe = Callable[[Ledger], Event]


def _record_fact(
    deps: Deps,
    contract_id: str,
    actor: str,
    on: date,
    make: Callable[[int], Waiver | SetOff | Refund],
    check: Check,
    describe: Describe,
    voucher: str | None = None,
) -> dict[str, Any]:
    _not_future(deps, on, "paid_on" if voucher else "on")

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        if voucher is not None:
            _voucher_free(deps, voucher)
        book = uow.ledger(contract_id)
        _in_force(book.contract, on, "paid_on" if voucher else "on")
        today = deps.today()
        before = ledgers.view(book, ledgers.latest_day(book, today))
        check(book, before if before.as_of == on else ledgers.view(book, on))
        fact = make(ledgers.next_seq(book, uow))
        book.facts.append(fact)
        uow.staged.facts.append(fact)
        event = describe(ledgers.view(book, on))
        uow.raise_event(event)
        ledgers.settle(uow, book, before, today, f"{event.type} of {on.isoformat()} recorded")
        _commit(uow, voucher)
        return _reply(contract_id, event)

    return run(deps, actor, attempt)


def _at_most(amount: Any, limit: Any, what: str) -> None:
    if amount > limit:
        raise Conflict(f"{what}: at most {money_str(limit)}", field="amount")


def waive_penalty(deps: Deps, contract_id: str, cmd: WaivePenalty, actor: str) -> dict[str, Any]:
    on = cmd.on or deps.today()

    def check(book: LedgerBook, then: Ledger) -> None:
        _issued(book, cmd.year, on)
        owed = then.fees[cmd.year].penalty_outstanding
        _at_most(cmd.amount, owed, f"waiver of {money_str(cmd.amount)} exceeds the penalty outstanding on {on}")

    return _record_fact(
        deps,
        contract_id,
        actor,
        on,
        lambda seq: Waiver(cmd.year, on, cmd.amount, seq, cmd.reason),
        check,
        lambda after: PenaltyWaived(
            year=cmd.year,
            on=on,
            amount=cmd.amount,
            reason=cmd.reason,
            penalty_outstanding=after.fees[cmd.year].penalty_outstanding,
        ),
    )


def record_set_off(deps: Deps, contract_id: str, cmd: RecordSetOff, actor: str) -> dict[str, Any]:
    on = cmd.on or deps.today()
    made: list[SetOff] = []

    def make(seq: int) -> SetOff:
        made.append(SetOff(cmd.year, on, cmd.amount, seq, cmd.reason, cmd.claim))
        return made[-1]

    def check(book: LedgerBook, _then: Ledger) -> None:
        # Not capped by what the year owes: beyond its fee and penalty a set-off follows the usual order (other
        # fees, penalties, then credit), as a payment does.
        _issued(book, cmd.year, on)
        check_penalty_claim(deps, book.contract, list(book.facts), cmd.claim, cmd.amount, on)

    def describe(after: Ledger) -> SetOffRecorded:
        st = after.fees[cmd.year]
        return SetOffRecorded(
            year=cmd.year,
            on=on,
            amount=cmd.amount,
            reason=cmd.reason,
            claim=cmd.claim,
            placed=ledgers.placements(after.placed(source_id(made[-1]))),
            fee_outstanding=st.outstanding,
            penalty_outstanding=st.penalty_outstanding,
        )

    return _record_fact(deps, contract_id, actor, on, make, check, describe)


def record_refund(deps: Deps, contract_id: str, cmd: RecordRefund, actor: str) -> dict[str, Any]:
    def check(_book: LedgerBook, then: Ledger) -> None:
        what = f"refund of {money_str(cmd.amount)} exceeds the credit on {cmd.paid_on}"
        _at_most(cmd.amount, then.credit, what)

    return _record_fact(
        deps,
        contract_id,
        actor,
        cmd.paid_on,
        lambda seq: Refund(cmd.voucher_no, cmd.paid_on, cmd.amount, seq, cmd.reason),
        check,
        lambda after: RefundRecorded(
            voucher_no=cmd.voucher_no,
            paid_on=cmd.paid_on,
            amount=cmd.amount,
            reason=cmd.reason,
            credit_after=after.credit,
        ),
        voucher=cmd.voucher_no,
    )


# ---- payments ---------------------------------------------------------------------------------------------
def _receipt(cmd: RecordPayment, then: Ledger, sid: str) -> PaymentReceived:
    """Where the payment went on its day: fees, penalties and what became credit."""
    placed = then.placed(sid)
    return PaymentReceived(
        amount=cmd.amount,
        paid_on=cmd.paid_on,
        voucher_no=cmd.voucher_no,
        method=cmd.method,
        applies_to=cmd.applies_to,
        allocations=tuple(
            AllocationLine(y, a, then.fees[y].status, then.fees[y].outstanding)
            for (y, what), a in placed.items()
            if what == "fee"
        ),
        penalty_allocations=tuple(
            PenaltyLine(y, a, then.fees[y].penalty_outstanding) for (y, what), a in placed.items() if what != "fee"
        ),
        to_credit=then.sources[sid].unallocated,
        outstanding_after=then.fees_outstanding,
        penalties_outstanding_after=then.penalties_outstanding,
        credit_after=then.credit,
    )


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
        then = ledgers.view(book, cmd.paid_on)
        sid = source_id(ledgers.payment_fact(payment))
        receipt = _receipt(cmd, then, sid)
        payload = event_payload(receipt)
        payment.allocations.extend(payload["allocations"] + payload["penalty_allocations"])
        uow.staged.payments.append(payment)
        uow.raise_event(receipt)
        for year, st in then.fees.items():
            # A fee this payment settled late: its accrual stops here, so the penalty is final and reported now.
            if st.status == "paid" and cmd.paid_on > st.due_on and (year, "fee") in then.placed(sid):
                ledgers.report_penalty(uow, book.invoices[year], st, cmd.paid_on)
        ledgers.settle(uow, book, before, today, f"payment {cmd.voucher_no} of {cmd.paid_on.isoformat()} recorded")
        _commit(uow, cmd.voucher_no)
        return {"contract_id": contract_id, **payload}

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
            "placed_now": encode(ledgers.placements(now.placed(payment_source(p.voucher_no)))),
            "credit_now": money_str(now.sources[payment_source(p.voucher_no)].unallocated),
        }
        for p in sorted(book.payments, key=lambda p: (p.paid_on, p.seq, p.voucher_no))
    ]


# ---- cancelling a fee -------------------------------------------------------------------------------------
def cancel_fee(uow: UnitOfWork, book: LedgerBook, year: int, on: date, status: str, reason: str) -> Event:
    """Stage the cancellation (or an operator's void) of year `year`'s fee; returns its event."""
    inv = book.invoices[year]
    if inv.status in ("void", "cancelled") or (status == "void" and not inv.is_open):
        raise IllegalTransition("invoice", inv.key, inv.status, status)
    # What was paid toward it as recorded so far (its money is released): on a cancellation's own date, the
    # year's first day, nothing usually is yet.
    paid = ledgers.view(book, ledgers.latest_day(book, uow.deps.today())).fees[year].paid
    fact = FeeCancellation(year, on, ledgers.next_seq(book, uow), "void" if status == "void" else "cancelled", reason)
    book.facts.append(fact)
    uow.staged.facts.append(fact)
    inv.void_reason = reason
    if fact.status == "void":
        return InvoiceVoided(year=year, amount=inv.amount, paid=paid, reason=reason, on=on)
    return InvoiceCancelled(year=year, on=on, amount=inv.amount, paid=paid, reason=reason)


def void_invoice(deps: Deps, contract_id: str, year: int, reason: str, actor: str) -> LedgerBook:
    def attempt(uow: UnitOfWork) -> LedgerBook:
        book = uow.ledger(contract_id)
        _issued(book, year)
        today = deps.today()
        before = ledgers.view(book, ledgers.latest_day(book, today))
        uow.raise_event(cancel_fee(uow, book, year, today, "void", reason))
        ledgers.settle(uow, book, before, today, f"invoice of year {year} voided")
        uow.update_invoice(book.invoices[year])
        _commit(uow, None)
        return book

    return run(deps, actor, attempt)
