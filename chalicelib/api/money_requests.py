"""Request bodies of the money routes (payments, waivers, set-offs, refunds, voiding an invoice), declared like
every other body (chalicelib/api/requests.py): shape and limits here, the domain's rules in `command()`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from msgspec import Meta

from chalicelib.api.body import IsoDate, Money, RequestBody, optional_date, text
from chalicelib.api.requests import MAX_REASON, Reason
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.ledger import Designation
from chalicelib.domain.money import MAX_AMOUNT_IN_WORDS, InvalidAmount, to_money
from chalicelib.services import commands

MAX_YEAR = 99
MAX_CLAIM = 200
PAYMENT_METHODS = ("bank_transfer", "cheque", "cash", "online", "other")
Year = Annotated[int, Meta(ge=1, le=MAX_YEAR, description="a contract year number (1, 2, ...)")]
Voucher = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{0,63}$(?!\n)",
        description="支付凭证号: 1–64 letters, digits, '-', '_', '/' or '.'",
    ),
]
Method = Literal[PAYMENT_METHODS]  # type: ignore[valid-type]


def positive_amount(value: str | int, field: str) -> Decimal:
    try:
        amount = to_money(value)
    except (InvalidAmount, TypeError, ValueError):
        raise ValidationError(
            field, 'is not a valid amount: a string with at most two decimals, e.g. "60000.00"'
        ) from None
    if amount <= 0:
        raise ValidationError(field, "must be greater than 0")
    if amount > MAX_AMOUNT_IN_WORDS:  # every amount is also written in 大写 (receipts, letters), which stops here
        raise ValidationError(field, f"must be at most {MAX_AMOUNT_IN_WORDS}")
    return amount


def real_date(value: str, field: str) -> date:
    day = optional_date(value, field)
    assert day is not None
    return day


class DesignationBody(RequestBody):
    year: Year
    what: Literal["fee", "late_penalty"]


class RecordPaymentRequest(RequestBody):
    amount: Money
    paid_on: IsoDate
    voucher_no: Voucher
    method: Method
    applies_to: Annotated[list[DesignationBody], Meta(max_length=2 * MAX_YEAR)] = []

    def command(self) -> commands.RecordPayment:
        return commands.RecordPayment(
            amount=positive_amount(self.amount, "amount"),
            paid_on=real_date(self.paid_on, "paid_on"),
            voucher_no=self.voucher_no,
            method=self.method,
            applies_to=tuple(Designation(d.year, d.what) for d in self.applies_to),
        )


class WaivePenaltyRequest(RequestBody):
    amount: Money
    reason: Reason
    on: IsoDate | None = None

    def command(self, year: int) -> commands.WaivePenalty:
        return commands.WaivePenalty(
            year=year,
            amount=positive_amount(self.amount, "amount"),
            reason=text(self.reason, "reason", MAX_REASON),
            on=optional_date(self.on, "on"),
        )


class SetOffRequest(RequestBody):
    year: Year
    amount: Money
    reason: Reason
    on: IsoDate | None = None
    claim: Annotated[str, Meta(min_length=1, max_length=MAX_CLAIM)] | None = None

    def command(self) -> commands.RecordSetOff:
        return commands.RecordSetOff(
            year=self.year,
            amount=positive_amount(self.amount, "amount"),
            reason=text(self.reason, "reason", MAX_REASON),
            on=optional_date(self.on, "on"),
            claim=None if self.claim is None else text(self.claim, "claim", MAX_CLAIM),
        )


class RefundRequest(RequestBody):
    amount: Money
    paid_on: IsoDate
    voucher_no: Voucher
    reason: Reason

    def command(self) -> commands.RecordRefund:
        return commands.RecordRefund(
            amount=positive_amount(self.amount, "amount"),
            paid_on=real_date(self.paid_on, "paid_on"),
            voucher_no=self.voucher_no,
            reason=text(self.reason, "reason", MAX_REASON),
        )


class VoidInvoiceRequest(RequestBody):
    reason: Reason

    def command(self) -> commands.VoidInvoice:
        return commands.VoidInvoice(reason=text(self.reason, "reason", MAX_REASON))
