"""Annual invoices (付款通知书), payment allocation and late penalties (逾期违约金) exactly as DESIGN.md defines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.calendar import add_days, contract_year_period
from chalicelib.domain.errors import Conflict, IllegalTransition
from chalicelib.domain.money import money_str, quantize, to_money
from chalicelib.domain.terms import LatePenalty

INVOICE_TRANSITIONS = {
    "open": frozenset({"partially_paid", "paid", "void"}),
    "partially_paid": frozenset({"paid", "void"}),
    "paid": frozenset(),
    "void": frozenset(),
}
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Allocation:
    voucher_no: str
    paid_on: date
    amount: Decimal

    def to_dict(self) -> dict[str, str]:
        return {"voucher_no": self.voucher_no, "paid_on": self.paid_on.isoformat(), "amount": money_str(self.amount)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Allocation:
        return cls(d["voucher_no"], date.fromisoformat(d["paid_on"]), to_money(d["amount"]))


@dataclass(frozen=True)
class PenaltyAssessment:
    on: date
    days_overdue: int
    total: Decimal  # accrued to date
    delta: Decimal  # newly recognised by this assessment

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "days_overdue": self.days_overdue,
            "total": money_str(self.total),
            "delta": money_str(self.delta),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PenaltyAssessment:
        return cls(date.fromisoformat(d["on"]), int(d["days_overdue"]), to_money(d["total"]), to_money(d["delta"]))


def daily_penalty(
    amount: Decimal,
    due_on: date,
    allocations: Sequence[Allocation],
    rate_pct: Decimal,
    as_of: date,
    cap_pct: Decimal | None,
) -> Decimal:
    """Sum over each day overdue of that day's outstanding × rate/100, capped at cap % of the overdue amount.

    Day d (due_on < d <= as_of) accrues on what was still unpaid at the start of d: a payment made on d stops
    the accrual from d + 1 on, so paying in full on the day a debt is n days late costs n days.
    """
    if as_of <= due_on:
        return ZERO
    paid_before_due = sum((a.amount for a in allocations if a.paid_on <= due_on), ZERO)
    overdue_amount = amount - paid_before_due
    if overdue_amount <= 0:
        return ZERO
    # Walk the payment dates instead of every day: outstanding is piecewise constant between payments.
    later = sorted((a for a in allocations if a.paid_on > due_on), key=lambda a: a.paid_on)
    total_day_amounts = Decimal(0)
    outstanding = overdue_amount
    cursor = due_on  # accrual counted through `cursor`
    for alloc in later:
        stop = min(alloc.paid_on, as_of)
        if stop > cursor:
            total_day_amounts += outstanding * (stop - cursor).days
            cursor = stop
        if alloc.paid_on > as_of:
            break
        outstanding -= alloc.amount
    if as_of > cursor and outstanding > 0:
        total_day_amounts += outstanding * (as_of - cursor).days
    penalty = quantize(total_day_amounts * rate_pct / Decimal(100))
    if cap_pct is not None:
        penalty = min(penalty, quantize(overdue_amount * cap_pct / Decimal(100)))
    return penalty


def contract_penalty(
    contract_amount: Decimal, overdue_amount: Decimal, rate_pct: Decimal, cap_pct: Decimal | None
) -> Decimal:
    """One-off charge: contract amount × rate/100 per overdue invoice, capped at cap % of the overdue amount."""
    penalty = quantize(contract_amount * rate_pct / Decimal(100))
    if cap_pct is not None:
        penalty = min(penalty, quantize(overdue_amount * cap_pct / Decimal(100)))
    return penalty


@dataclass
class Invoice:
    contract_id: str
    year: int
    period_start: date
    period_end: date
    issue_on: date
    due_on: date
    amount: Decimal
    status: str
    version: int
    contract_no: str
    client_name: str
    client_email: str
    late_penalty: LatePenalty
    allocations: list[Allocation] = field(default_factory=list)
    assessments: list[PenaltyAssessment] = field(default_factory=list)
    levels_alerted: list[int] = field(default_factory=list)
    void_reason: str | None = None

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
        )

    @property
    def key(self) -> str:
        return f"{self.contract_id}#{self.year:03d}"

    @property
    def paid(self) -> Decimal:
        return quantize(sum((a.amount for a in self.allocations), ZERO))

    @property
    def outstanding(self) -> Decimal:
        return ZERO if self.status == "void" else quantize(self.amount - self.paid)

    @property
    def is_open(self) -> bool:
        return self.status in ("open", "partially_paid")

    def days_overdue(self, as_of: date) -> int:
        return max(0, (as_of - self.due_on).days) if self.is_open else 0

    def is_overdue(self, as_of: date) -> bool:
        return self.is_open and as_of > self.due_on and self.outstanding > 0

    @property
    def penalty_assessed(self) -> Decimal:
        return self.assessments[-1].total if self.assessments else ZERO

    def accrued_penalty(self, as_of: date, contract_amount: Decimal) -> Decimal:
        """What the late-penalty clause yields on `as_of` (the last payment date once fully paid)."""
        if self.status == "void":
            return ZERO
        clause = self.late_penalty
        last_day = as_of
        if self.status == "paid" and self.allocations:
            last_day = min(as_of, max(a.paid_on for a in self.allocations))
        if last_day <= self.due_on:
            return ZERO
        if clause.mode == "daily_pct":
            return daily_penalty(self.amount, self.due_on, self.allocations, clause.rate_pct, last_day, clause.cap_pct)
        overdue_amount = self.amount - sum((a.amount for a in self.allocations if a.paid_on <= self.due_on), ZERO)
        if overdue_amount <= 0:
            return ZERO
        if self.assessments:  # contract_pct is assessed once per invoice
            return self.assessments[0].total
        return contract_penalty(contract_amount, overdue_amount, clause.rate_pct, clause.cap_pct)

    def assess_penalty(self, as_of: date, contract_amount: Decimal) -> PenaltyAssessment | None:
        total = self.accrued_penalty(as_of, contract_amount)
        delta = quantize(total - self.penalty_assessed)
        if delta <= 0:
            return None
        assessment = PenaltyAssessment(as_of, self.days_overdue(as_of) or (as_of - self.due_on).days, total, delta)
        self.assessments.append(assessment)
        return assessment

    def levels_reached(self, as_of: date, levels: Sequence[int]) -> list[int]:
        days = self.days_overdue(as_of)
        return [lv for lv in levels if days >= lv and lv not in self.levels_alerted]

    def allocate(self, amount: Decimal, voucher_no: str, paid_on: date) -> Decimal:
        """Apply up to `amount` to this invoice; returns what was applied."""
        if not self.is_open:
            raise IllegalTransition("invoice", self.key, self.status, "paid")
        applied = min(amount, self.outstanding)
        if applied <= 0:
            return ZERO
        self.allocations.append(Allocation(voucher_no, paid_on, applied))
        new_status = "paid" if self.outstanding == 0 else "partially_paid"
        if new_status != self.status and new_status not in INVOICE_TRANSITIONS[self.status]:
            raise IllegalTransition("invoice", self.key, self.status, new_status)
        self.status = new_status
        return applied

    def void(self, reason: str) -> None:
        if "void" not in INVOICE_TRANSITIONS[self.status]:
            raise IllegalTransition("invoice", self.key, self.status, "void")
        # A partially paid invoice may be voided too (DESIGN.md); what was paid stays recorded against it and
        # the void event carries it, so finance can settle or refund it.
        self.status = "void"
        self.void_reason = reason


def allocate_payment(
    invoices: Sequence[Invoice], amount: Decimal, voucher_no: str, paid_on: date
) -> list[tuple[Invoice, Decimal]]:
    """Oldest open invoice first (by year). Raises Conflict when the payment exceeds what is outstanding."""
    open_invoices = sorted((i for i in invoices if i.is_open and i.outstanding > 0), key=lambda i: i.year)
    total_open = sum((i.outstanding for i in open_invoices), ZERO)
    if amount > total_open:
        raise Conflict(
            f"payment of {money_str(amount)} exceeds the outstanding {money_str(total_open)}", field="amount"
        )
    remaining = amount
    out: list[tuple[Invoice, Decimal]] = []
    for invoice in open_invoices:
        if remaining <= 0:
            break
        applied = invoice.allocate(remaining, voucher_no, paid_on)
        remaining -= applied
        out.append((invoice, applied))
    return out


def aging_bucket(days_overdue: int) -> str:
    if days_overdue <= 30:
        return "0-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "90+"


def invoice_to_dict(inv: Invoice) -> dict[str, Any]:
    return {
        "contract_id": inv.contract_id,
        "year": inv.year,
        "period_start": inv.period_start.isoformat(),
        "period_end": inv.period_end.isoformat(),
        "issue_on": inv.issue_on.isoformat(),
        "due_on": inv.due_on.isoformat(),
        "amount": money_str(inv.amount),
        "status": inv.status,
        "version": inv.version,
        "contract_no": inv.contract_no,
        "client_name": inv.client_name,
        "client_email": inv.client_email,
        "late_penalty": inv.late_penalty.to_dict(),
        "allocations": [a.to_dict() for a in inv.allocations],
        "assessments": [a.to_dict() for a in inv.assessments],
        "levels_alerted": list(inv.levels_alerted),
        "void_reason": inv.void_reason,
    }


def invoice_from_dict(d: dict[str, Any]) -> Invoice:
    return Invoice(
        contract_id=d["contract_id"],
        year=int(d["year"]),
        period_start=date.fromisoformat(d["period_start"]),
        period_end=date.fromisoformat(d["period_end"]),
        issue_on=date.fromisoformat(d["issue_on"]),
        due_on=date.fromisoformat(d["due_on"]),
        amount=to_money(d["amount"]),
        status=d["status"],
        version=int(d["version"]),
        contract_no=d["contract_no"],
        client_name=d["client_name"],
        client_email=d["client_email"],
        late_penalty=LatePenalty.from_dict(d["late_penalty"]),
        allocations=[Allocation.from_dict(a) for a in d.get("allocations", [])],
        assessments=[PenaltyAssessment.from_dict(a) for a in d.get("assessments", [])],
        levels_alerted=[int(x) for x in d.get("levels_alerted", [])],
        void_reason=d.get("void_reason"),
    )
