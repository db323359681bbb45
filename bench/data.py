"""Data for the scale figures: one contract taken through the real services (drafted, sent, signed by both
parties), then cloned into a portfolio of active contracts whose items are batch-written with the repository's
own record builders (the same items `DynamoRepository.commit` writes for a contract and its invoices).

The portfolio on business day D, for N contracts (i = 0..N-1, cohort = i mod 100):
- cohort 0 (1 %): the latest invoice is open and overdue on D, by 1..120 days spread evenly; earlier alerts
  and penalty assessments are in place as the daily job would have left them on D-7;
- cohorts 50, 51, 52: a contract year starts on D+1, D+2, D+3 and is not invoiced yet (the invoicing figure);
- everyone else: every invoice so far paid on time, or the latest one issued less than 30 days ago and not due.
Contract years are one or two years old; effective dates and due dates are deterministic (no randomness).
Each paid invoice has its payment item (paid 10 days after issue) and each contract its RECEIVABLE item, with
the invoices' cached state, penalty assessments and settled-since day computed by the ledger's own code
(chalicelib/services/ledger.py), so a contract's partition is what the services would have written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.adapters.codec import contract_from_dict, contract_to_dict
from chalicelib.adapters.items import contract_record, invoice_record
from chalicelib.adapters.ledger_items import ledger_state_record, payment_record
from chalicelib.adapters.records import BaseRecord, UniqueRecord
from chalicelib.domain.calendar import contract_year_start, iso_utc
from chalicelib.domain.contract import PARTIES, Contract
from chalicelib.domain.invoice import Allocation, Invoice, PenaltyAssessment
from chalicelib.domain.ledger import settled_since
from chalicelib.domain.links import link_token
from chalicelib.domain.money import money_str
from chalicelib.services import ledger as ledgers
from chalicelib.services.base import Deps
from chalicelib.services.ports import LedgerBook, PaymentRecord, ReceivableMark
from devstack import samples

OVERDUE_SPREAD_DAYS = 120
SIGNER_IP = "203.0.113.7"
SIGNER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)


def contract_body(template: str = "outbound-call-outsourcing", **terms: Any) -> dict[str, Any]:
    """The seed contract (events/api/). Signed by link alone unless `signer_verification` is given: the life and
    scale figures count the messages and writes of everything but the one-time codes (figure 5 signs with them)."""
    terms.setdefault("signer_verification", "none")
    return samples.contract_body(template, **terms)


def noon(day: date) -> datetime:
    """12:00 in Asia/Shanghai (04:00 UTC) on `day`, as tests/integration/world.py sets its clock."""
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


class BenchClock:
    """The bench's clock: it stands on one business day until the bench moves it (clock())."""

    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


def clock(deps: Deps, day: date) -> BenchClock:
    """Puts the deps' clock on noon of `day`."""
    fixed = deps.clock if isinstance(deps.clock, BenchClock) else BenchClock(noon(day))
    fixed.at = noon(day)
    deps.clock = fixed
    return fixed


def template_contract(deps: Deps, day: date) -> dict[str, Any]:
    """One contract through the real services, signed by both parties on `day`; its stored form."""
    from chalicelib.api.body import parse
    from chalicelib.api.requests import DraftContractRequest, SignRequest
    from chalicelib.services.contracts import draft_contract
    from chalicelib.services.signing import send_for_signature, sign

    clock(deps, day)
    drafted = draft_contract(deps, parse(DraftContractRequest, contract_body()).command(), "staff:operator")
    sent = send_for_signature(deps, drafted.id, "staff:operator")
    for who in PARTIES:
        token = link_token(deps.link_secret(), sent.signing.links[who].token_id)
        signer = parse(SignRequest, {"signer_name": "张伟", "consent": True}).command()
        sign(deps, token, signer, SIGNER_IP, SIGNER_AGENT)
    return contract_to_dict(deps.repo.get_contract(drafted.id))


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 Feb
        return day.replace(year=day.year - years, day=28)


@dataclass
class Overdue:
    contract: Contract
    invoice: Invoice  # as written for the steady-state window (alerts up to D-7)


@dataclass
class Portfolio:
    size: int
    day: date
    overdue: list[Overdue] = field(default_factory=list)
    invoicing: dict[date, list[str]] = field(default_factory=dict)
    open: list[tuple[str, int, Decimal]] = field(default_factory=list)  # (contract, year, fee) with an open invoice
    receivable: int = 0  # contracts whose RECEIVABLE says something is owed on D
    items_written: int = 0


def _clone(template: dict[str, Any], size: int, i: int, effective: date, invoiced: int) -> Contract:
    d = dict(template)
    d["id"] = str(uuid.UUID(int=(size << 32) | i, version=4))
    d["contract_no"] = f"HT-{effective.year}-{i:08X}"
    d["status"] = "active"
    d["effective_date"] = effective.isoformat()
    d["invoiced_years"] = invoiced
    d["version"] = 3 + invoiced
    return contract_from_dict(d)


def _invoice(c: Contract, year: int) -> Invoice:
    return c.invoice_for_year(year)


def _paid(inv: Invoice, voucher: str, seq: int) -> PaymentRecord:
    """The invoice paid in full 10 days after issue: its cached state, and the payment that paid it."""
    on = inv.issue_on + timedelta(days=10)
    inv.allocations = [Allocation(voucher, on, inv.amount)]
    inv.status = "paid"
    inv.version = 2
    return PaymentRecord(
        contract_id=inv.contract_id,
        voucher_no=voucher,
        amount=inv.amount,
        paid_on=on,
        method="bank_transfer",
        recorded_at=iso_utc(noon(on)),
        recorded_by="finance:bench",
        allocations=[{"year": inv.year, "what": "fee", "amount": money_str(inv.amount)}],
        seq=seq,
    )


def alerted_until(inv: Invoice, day: date, levels: tuple[int, ...], book: LedgerBook) -> list[int]:
    """Put `inv` in the state the daily overdue job leaves it in after its run on `day`: the levels reached, and
    the penalty reported at each (the ledger's figure on that day)."""
    reached = inv.levels_reached(day, levels)
    told = Decimal("0.00")
    inv.assessments = []
    for level in reached:
        on = inv.due_on + timedelta(days=level)
        total = ledgers.view(book, on).fees[inv.year].penalty_accrued
        inv.assessments.append(PenaltyAssessment(on, level, total, total - told))
        told = total
    inv.levels_alerted = sorted(reached)
    inv.version = 1 + len(reached)
    return reached


def alert_mark(contract_id: str, year: int, level: int, at: str) -> UniqueRecord:
    key = f"{contract_id}#{year:03d}#{level}"
    return UniqueRecord(f"ALERT#{key}", "UNIQUE", kind="unique", ref=contract_id, at=at)


def write(records: Iterable[BaseRecord]) -> int:
    """BatchWriteItem in 25s (PynamoDB's batch writer), uncounted by the meter: this is setup."""
    from bench.meter import METER

    n = 0
    with METER.pause(), BaseRecord.batch_write() as batch:
        for rec in records:
            batch.save(rec)
            n += 1
    return n


def delete_alert_marks(contract_id: str, year: int, levels: tuple[int, ...]) -> None:
    from bench.meter import METER

    with METER.pause(), BaseRecord.batch_write() as batch:
        for level in levels:
            batch.delete(alert_mark(contract_id, year, level, ""))


def build_portfolio(template: dict[str, Any], size: int, day: date, levels: tuple[int, ...]) -> Portfolio:
    """Write `size` active contracts with their invoices as of business day `day` (see the module doc)."""
    out = Portfolio(size=size, day=day)
    steady_from = day - timedelta(days=7)
    n_overdue = max(1, size // 100)
    records: list[BaseRecord] = []
    payment_days = int(template["terms_versions"][0]["terms"]["payment_due_days"])
    for i in range(size):
        cohort = i % 100
        j = i // 100
        if cohort == 0:
            days_overdue = 1 + (j * OVERDUE_SPREAD_DAYS) // n_overdue
            year = 1 + j % 2
            issue = day - timedelta(days=days_overdue + payment_days)
            c = _clone(template, size, i, years_before(issue, year - 1), year)
        elif cohort in (50, 51, 52):
            starts = day + timedelta(days=1 + cohort - 50)
            year = 1 + j % 2
            c = _clone(template, size, i, years_before(starts, year), year)
            out.invoicing.setdefault(starts, []).append(c.id)
        else:
            effective = day - timedelta(days=4 + (i * 7919) % 720)
            years = sum(1 for k in (1, 2, 3) if contract_year_start(effective, k) <= day)
            c = _clone(template, size, i, effective, years)
            nxt = c.next_invoice_on()
            if nxt is not None and steady_from <= nxt <= day + timedelta(days=4):
                effective -= timedelta(days=12)
                years = sum(1 for k in (1, 2, 3) if contract_year_start(effective, k) <= day)
                c = _clone(template, size, i, effective, years)
        records.append(contract_record(c))
        records.append(UniqueRecord(f"CONTRACTNO#{c.contract_no}", "UNIQUE", kind="unique", ref=c.id, at=c.created_at))
        book = LedgerBook(c, {}, [], [])
        for k in range(1, c.invoiced_years + 1):
            inv = _invoice(c, k)
            book.invoices[k] = inv
            latest = k == c.invoiced_years
            if cohort == 0 and latest:
                inv.version = 1
                for level in alerted_until(inv, steady_from, levels, book):
                    records.append(alert_mark(c.id, k, level, c.created_at))
                out.overdue.append(Overdue(c, replace(inv)))
                out.open.append((c.id, k, inv.amount))
            elif latest and cohort not in (50, 51, 52) and inv.due_on > day:
                inv.version = 1  # issued, not due yet
                out.open.append((c.id, k, inv.amount))
            else:
                payment = _paid(inv, f"V{size:02X}{i:06d}{k}", c.audit_seq + k)
                book.payments.append(payment)
                records.append(payment_record(payment))
                claim = f"VOUCHER#{payment.voucher_no}"
                records.append(UniqueRecord(claim, "UNIQUE", kind="unique", ref=c.id, at=payment.recorded_at))
            records.append(invoice_record(inv))
        if book.invoices:
            since = settled_since(ledgers.view(book, day))
            out.receivable += since is None
            records.append(ledger_state_record(ReceivableMark(c.id, since)))
    out.items_written = write(records)
    return out


def first_detection_state(portfolio: Portfolio, levels: tuple[int, ...]) -> None:
    """Rewrite the overdue invoices as never alerted (and drop their alert marks): the state on the first
    day the job sees them."""
    fresh: list[BaseRecord] = []
    for o in portfolio.overdue:
        inv = replace(o.invoice, levels_alerted=[], assessments=[], version=1)
        fresh.append(invoice_record(inv))
        delete_alert_marks(o.contract.id, inv.year, levels)
    write(fresh)
