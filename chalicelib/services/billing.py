"""Annual invoicing, payments against vouchers (支付凭证), overdue detection with late penalties (逾期违约金),
invoice voiding and receivables aging."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.calendar import InvalidDate, parse_date
from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import (
    AlreadyExists,
    ConcurrentUpdate,
    Conflict,
    IllegalTransition,
    NotFound,
    ValidationError,
)
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.invoice import ZERO, Invoice, aging_bucket, allocate_payment
from chalicelib.domain.money import InvalidAmount, amount_in_words, money_str, quantize, to_money
from chalicelib.services.base import Deps, retry_on_conflict, stage_events
from chalicelib.services.ports import AlertMark, Changes, PaymentRecord

PAYMENT_METHODS = ("bank_transfer", "cheque", "cash", "online", "other")
_VOUCHER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{0,63}$")


def _invoice_event(inv: Invoice) -> DomainEvent:
    return DomainEvent(
        "InvoiceIssued",
        {
            "year": inv.year,
            "period_start": inv.period_start.isoformat(),
            "period_end": inv.period_end.isoformat(),
            "issue_date": inv.issue_on.isoformat(),
            "due_date": inv.due_on.isoformat(),
            "amount": money_str(inv.amount),
            "amount_in_words": amount_in_words(inv.amount),
        },
    )


# ---- invoicing ------------------------------------------------------------------------------------------
def issue_for_contract(deps: Deps, contract: Contract, as_of: date, actor: str = "worker:invoicing") -> int:
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
        invoice = current.invoice_for_year(year)
        expected = current.version
        current.record_invoice_issued(year)
        changes = Changes(contract=current, expected_version=expected, new_invoices=[invoice])
        stage_events(changes, [_invoice_event(invoice)], actor, deps.now_iso())
        try:
            deps.repo.commit(changes)
            issued += 1
            # The write was conditional on the version we read, so `current` is now exactly what is stored.
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


def list_invoices(deps: Deps, contract_id: str) -> tuple[Contract, list[Invoice]]:
    contract = deps.repo.get_contract(contract_id)
    return contract, sorted(deps.repo.get_invoices(contract_id), key=lambda i: i.year)


def void_invoice(deps: Deps, contract_id: str, year: int, body: object, actor: str) -> Invoice:
    data = body if isinstance(body, Mapping) else {}
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 1000:
        raise ValidationError("reason", "is required (1–1000 characters)")

    def attempt() -> Invoice:
        contract = deps.repo.get_contract(contract_id)
        expected = contract.version
        invoice = deps.repo.get_invoice(contract_id, year)
        if invoice is None:
            raise NotFound("invoice", f"{contract_id} year {year}")
        inv_version = invoice.version
        invoice.void(reason.strip())
        changes = Changes(contract=contract, expected_version=expected, updated_invoices=[(invoice, inv_version)])
        stage_events(
            changes,
            [
                DomainEvent(
                    "InvoiceVoided",
                    {
                        "year": year,
                        "amount": money_str(invoice.amount),
                        "paid": money_str(invoice.paid),
                        "reason": reason.strip(),
                    },
                )
            ],
            actor,
            deps.now_iso(),
        )
        deps.repo.commit(changes)
        return invoice

    return retry_on_conflict(attempt)


# ---- payments -------------------------------------------------------------------------------------------
def parse_payment(deps: Deps, body: object) -> tuple[Decimal, date, str, str]:
    if not isinstance(body, Mapping):
        raise ValidationError("body", "must be a JSON object")
    raw_amount = body.get("amount")
    if isinstance(raw_amount, bool) or not isinstance(raw_amount, (str, int)):
        raise ValidationError("amount", 'is required as a string with at most two decimals, e.g. "60000.00"')
    try:
        amount = to_money(raw_amount)
    except (InvalidAmount, TypeError):
        raise ValidationError("amount", f"is not a valid amount: {raw_amount!r}") from None
    if amount <= 0:
        raise ValidationError("amount", "must be greater than 0")
    raw_date = body.get("paid_on")
    try:
        paid_on = parse_date(raw_date)  # type: ignore[arg-type]
    except (InvalidDate, TypeError):
        raise ValidationError("paid_on", "is required as a real date YYYY-MM-DD") from None
    if paid_on > deps.today():
        raise ValidationError("paid_on", "must not be in the future")
    voucher = body.get("voucher_no")
    if not isinstance(voucher, str) or not _VOUCHER.match(voucher.strip()):
        raise ValidationError("voucher_no", "is required: 1–64 letters, digits, '-', '_', '/' or '.'")
    method = body.get("method")
    if method not in PAYMENT_METHODS:
        raise ValidationError("method", f"must be one of {', '.join(PAYMENT_METHODS)}")
    return amount, paid_on, voucher.strip(), str(method)


def record_payment(deps: Deps, contract_id: str, body: object, actor: str) -> dict[str, Any]:
    amount, paid_on, voucher, method = parse_payment(deps, body)

    def attempt() -> dict[str, Any]:
        # Checked first so a resent payment reads as the duplicate it is, not as an overpayment; the unique
        # claim written with the payment still settles any race.
        if deps.repo.voucher_owner(voucher) is not None:
            raise Conflict(f"voucher {voucher} is already recorded", field="voucher_no")
        contract = deps.repo.get_contract(contract_id)
        if not contract.accepts_payments():
            raise IllegalTransition(
                "contract",
                contract.id,
                contract.status,
                "paid",
                "payments are recorded only against a contract in force or ended",
            )
        if contract.effective_date is not None and paid_on < contract.effective_date:
            raise ValidationError("paid_on", "must not be before the contract's effective date")
        expected = contract.version
        invoices = deps.repo.get_invoices(contract_id)
        versions = {i.year: i.version for i in invoices}
        applied = allocate_payment(invoices, amount, voucher, paid_on)
        events: list[DomainEvent] = []
        allocations = [
            {
                "year": inv.year,
                "amount": money_str(part),
                "status": inv.status,
                "outstanding": money_str(inv.outstanding),
            }
            for inv, part in applied
        ]
        outstanding_after = quantize(sum((i.outstanding for i in invoices), ZERO))
        events.append(
            DomainEvent(
                "PaymentReceived",
                {
                    "amount": money_str(amount),
                    "amount_in_words": amount_in_words(amount),
                    "paid_on": paid_on.isoformat(),
                    "voucher_no": voucher,
                    "method": method,
                    "allocations": allocations,
                    "outstanding_after": money_str(outstanding_after),
                },
            )
        )
        for inv, _ in applied:
            if inv.status == "paid" and paid_on > inv.due_on:
                # Settled late: the accrual stops here, so the penalty is final and assessed now.
                assessment = inv.assess_penalty(paid_on, contract.contract_amount)
                if assessment is not None:
                    events.append(_penalty_event(inv, assessment.total, assessment.delta, paid_on))
        payment = PaymentRecord(
            contract_id=contract_id,
            voucher_no=voucher,
            amount=amount,
            paid_on=paid_on,
            method=method,
            recorded_at=deps.now_iso(),
            recorded_by=actor,
            allocations=allocations,
        )
        changes = Changes(
            contract=contract,
            expected_version=expected,
            payments=[payment],
            updated_invoices=[(inv, versions[inv.year]) for inv, _ in applied],
        )
        stage_events(changes, events, actor, deps.now_iso())
        try:
            deps.repo.commit(changes)
        except AlreadyExists as exc:
            if exc.entity in ("voucher", "payment"):
                raise Conflict(f"voucher {voucher} is already recorded", field="voucher_no") from None
            raise
        return {
            "contract_id": contract_id,
            "voucher_no": voucher,
            "amount": money_str(amount),
            "amount_in_words": amount_in_words(amount),
            "paid_on": paid_on.isoformat(),
            "method": method,
            "allocations": allocations,
            "outstanding_after": money_str(outstanding_after),
        }

    return retry_on_conflict(attempt)


def list_payments(deps: Deps, contract_id: str) -> list[dict[str, Any]]:
    deps.repo.get_contract(contract_id)
    return [
        {
            "voucher_no": p.voucher_no,
            "amount": money_str(p.amount),
            "paid_on": p.paid_on.isoformat(),
            "method": p.method,
            "recorded_at": p.recorded_at,
            "allocations": p.allocations,
        }
        for p in sorted(deps.repo.get_payments(contract_id), key=lambda p: (p.paid_on, p.voucher_no))
    ]


# ---- overdue ----------------------------------------------------------------------------------------------
def _penalty_event(inv: Invoice, total: Decimal, delta: Decimal, on: date) -> DomainEvent:
    return DomainEvent(
        "PenaltyAssessed",
        {
            "year": inv.year,
            "due_date": inv.due_on.isoformat(),
            "as_of": on.isoformat(),
            "days_overdue": (on - inv.due_on).days,
            "mode": inv.late_penalty.mode,
            "rate_pct": format(inv.late_penalty.rate_pct, "f"),
            "penalty_total": money_str(total),
            "penalty_total_in_words": amount_in_words(total),
            "penalty_delta": money_str(delta),
        },
    )


def escalate_invoice(deps: Deps, contract_id: str, year: int, as_of: date) -> bool:
    """Sends the highest newly reached level's alert and assesses the penalty; True if it wrote anything."""
    levels = deps.settings.overdue_levels

    def attempt() -> bool:
        contract = deps.repo.get_contract(contract_id)
        invoice = deps.repo.get_invoice(contract_id, year)
        if invoice is None or not invoice.is_overdue(as_of):
            return False
        reached = invoice.levels_reached(as_of, levels)
        if not reached:
            return False
        expected, inv_version = contract.version, invoice.version
        invoice.levels_alerted = sorted(set(invoice.levels_alerted) | set(reached))
        assessment = invoice.assess_penalty(as_of, contract.contract_amount)
        accrued = invoice.accrued_penalty(as_of, contract.contract_amount)
        top = max(reached)
        events = [
            DomainEvent(
                "InvoiceOverdue",
                {
                    "level": top,
                    "levels_skipped": sorted(lv for lv in reached if lv != top),
                    "year": year,
                    "due_date": invoice.due_on.isoformat(),
                    "as_of": as_of.isoformat(),
                    "days_overdue": invoice.days_overdue(as_of),
                    "amount": money_str(invoice.amount),
                    "outstanding": money_str(invoice.outstanding),
                    "outstanding_in_words": amount_in_words(invoice.outstanding),
                    "penalty_accrued": money_str(accrued),
                    "penalty_accrued_in_words": amount_in_words(accrued),
                    "client": contract.client.name,
                    "contract_no": contract.contract_no,
                },
            )
        ]
        if assessment is not None:
            events.append(_penalty_event(invoice, assessment.total, assessment.delta, as_of))
        changes = Changes(
            contract=contract,
            expected_version=expected,
            updated_invoices=[(invoice, inv_version)],
            alerts=[AlertMark(contract_id, year, lv, deps.now_iso()) for lv in reached],
        )
        stage_events(changes, events, "worker:overdue", deps.now_iso())
        try:
            deps.repo.commit(changes)
        except AlreadyExists:
            return False  # a concurrent run sent this level
        return True

    return retry_on_conflict(attempt)


def detect_overdue(deps: Deps, as_of: date) -> dict[str, Any]:
    """Reads only open invoices due before `as_of` (an index query); writes only where a level is reached."""
    overdue = 0
    escalated = 0
    for invoice in deps.repo.open_invoices_due_before(as_of):
        if not invoice.is_overdue(as_of):
            continue
        overdue += 1
        if invoice.levels_reached(as_of, deps.settings.overdue_levels) and escalate_invoice(
            deps, invoice.contract_id, invoice.year, as_of
        ):
            escalated += 1
    return {"as_of": as_of.isoformat(), "overdue_invoices": overdue, "escalated": escalated}


# ---- receivables -------------------------------------------------------------------------------------------
BUCKETS = ("0-30", "31-60", "61-90", "90+")


def receivables(deps: Deps, as_of: date) -> dict[str, Any]:
    """Outstanding and overdue amounts per contract and in total, aged by days overdue, with penalties."""
    by_contract: dict[str, list[Invoice]] = {}
    for inv in deps.repo.open_invoices():
        if inv.issue_on <= as_of:
            by_contract.setdefault(inv.contract_id, []).append(inv)
    rows = []
    totals = {
        "outstanding": ZERO,
        "overdue": ZERO,
        "not_yet_due": ZERO,
        "penalties": ZERO,
        **dict.fromkeys(BUCKETS, ZERO),
    }
    for contract_id, invoices in sorted(by_contract.items()):
        contract = deps.repo.get_contract(contract_id)
        row: dict[str, Any] = {
            "contract_id": contract_id,
            "contract_no": contract.contract_no,
            "client": contract.client.name,
            "status": contract.status,
        }
        sums = {
            "outstanding": ZERO,
            "overdue": ZERO,
            "not_yet_due": ZERO,
            "penalties": ZERO,
            **dict.fromkeys(BUCKETS, ZERO),
        }
        for inv in invoices:
            sums["outstanding"] += inv.outstanding
            sums["penalties"] += inv.accrued_penalty(as_of, contract.contract_amount)
            if inv.is_overdue(as_of):
                sums["overdue"] += inv.outstanding
                sums[aging_bucket(inv.days_overdue(as_of))] += inv.outstanding
            else:
                sums["not_yet_due"] += inv.outstanding
        for k, v in sums.items():
            row[k] = money_str(quantize(v))
            totals[k] += v
        row["invoices"] = [
            {
                "year": i.year,
                "due_date": i.due_on.isoformat(),
                "outstanding": money_str(i.outstanding),
                "days_overdue": i.days_overdue(as_of) if i.is_overdue(as_of) else 0,
            }
            for i in invoices
        ]
        rows.append(row)
    return {
        "as_of": as_of.isoformat(),
        "buckets": list(BUCKETS),
        "contracts": rows,
        "totals": {k: money_str(quantize(v)) for k, v in totals.items()},
    }


def receivables_csv(report: dict[str, Any]) -> str:
    """UTF-8 with BOM so Excel shows Chinese correctly."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    header = [
        "合同编号 contract_no",
        "甲方 client",
        "状态 status",
        "未付 outstanding",
        "未到期 not_yet_due",
        "逾期 overdue",
        *[f"逾期{b}天 {b}" for b in BUCKETS],
        "逾期违约金 penalties",
    ]
    writer.writerow(header)
    for row in report["contracts"]:
        writer.writerow(
            [
                row["contract_no"],
                row["client"],
                row["status"],
                row["outstanding"],
                row["not_yet_due"],
                row["overdue"],
                *[row[b] for b in BUCKETS],
                row["penalties"],
            ]
        )
    t = report["totals"]
    writer.writerow(
        [
            "合计 total",
            "",
            "",
            t["outstanding"],
            t["not_yet_due"],
            t["overdue"],
            *[t[b] for b in BUCKETS],
            t["penalties"],
        ]
    )
    return "\ufeff" + buf.getvalue()
