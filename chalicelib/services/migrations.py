"""Carrying invoices and payments stored before the receivables ledger over to it, and index entries to the
write-sharded keys of the shard count in force (adapters/shards.py): a one-off step that `make run`
and the deploy run (`python -m functions.migrate`), idempotent — a second run, or a run over data the ledger
already wrote, changes nothing.

Before the ledger an invoice held its own allocations, assessments and void status, and a payment had no `seq`.
Per contract with invoices, one unit of work: payments get the `seq` of their PaymentReceived audit entry, an
invoice voided back then gets its FeeCancellation fact (dated and numbered by its InvoiceVoided entry), then the
ledger is settled like any write — the invoices' caches, the contract's `ledger_credit` and `ledger_last_on` and its
receivables mark (on the contract item since the `receivables` index; the old `RECEIVABLE` item is deleted
after) — in one transaction with the contract's version condition. Where the ledger now places money differently
from what the invoices said (old data was allocated oldest-first, and money on a voided invoice stayed there),
or finds a smaller penalty than finance was told, the usual PaymentsReallocated / PenaltyAdjusted events say so.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.calendar import instant, today_shanghai
from chalicelib.domain.ledger import Allocation, FeeCancellation, Ledger, settled_since
from chalicelib.domain.ledger_facts import SET_OFF_SOURCE, payment_source
from chalicelib.services import ledger as ledgers
from chalicelib.services.base import Deps
from chalicelib.services.obligation_job import index_obligations
from chalicelib.services.ports import LedgerBook, ReceivableMark
from chalicelib.services.unit_of_work import UnitOfWork, run

logger = logging.getLogger(__name__)
ACTOR = "system:migration"
WHY = "receivables ledger migration (data stored before the ledger)"


@dataclass
class ContractMigration:
    """What migrating one contract did (`outcome`: no_invoices | unchanged | migrated)."""

    contract_id: str
    outcome: str = "unchanged"
    payments_sequenced: int = 0
    cancellations_added: int = 0
    invoices_refreshed: int = 0
    events: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---- what the old data says ---------------------------------------------------------------------------------
def _needs_audit(book: LedgerBook) -> bool:
    return any(p.seq == 0 for p in book.payments) or bool(_uncancelled_voids(book))


def _uncancelled_voids(book: LedgerBook) -> list[int]:
    """Years stored as void before the ledger: no fee_cancellation fact says so yet."""
    cancelled = {f.year for f in book.facts if isinstance(f, FeeCancellation)}
    return [year for year, inv in book.invoices.items() if inv.status == "void" and year not in cancelled]


def payment_seqs(book: LedgerBook, audit: list[AuditEntry], out: ContractMigration) -> dict[str, int]:
    """voucher → seq for payments stored without one: the seq of the PaymentReceived entry that recorded it, or
    (no such entry) after the highest seq known, in the order they were recorded."""
    received = {
        str(e.data.get("voucher_no")): e.seq for e in audit if e.type == "PaymentReceived" and "voucher_no" in e.data
    }
    seqs: dict[str, int] = {}
    orphans = []
    for p in book.payments:
        if p.seq:
            continue
        if p.voucher_no in received:
            seqs[p.voucher_no] = received[p.voucher_no]
        else:
            orphans.append(p)
    if orphans:
        known = [p.seq for p in book.payments] + list(seqs.values()) + [getattr(f, "seq", 0) for f in book.facts]
        highest = max([0, *known])
        for i, p in enumerate(sorted(orphans, key=lambda p: (p.recorded_at, p.voucher_no)), start=1):
            seqs[p.voucher_no] = highest + i
            out.warnings.append(f"payment {p.voucher_no}: no PaymentReceived entry; seq {highest + i} by recorded_at")
    return seqs


def void_cancellations(book: LedgerBook, audit: list[AuditEntry], out: ContractMigration) -> list[FeeCancellation]:
    """The FeeCancellation an invoice voided before the ledger stands for: on the Asia/Shanghai day of its
    InvoiceVoided entry, numbered by that entry."""
    facts: list[FeeCancellation] = []
    for year in _uncancelled_voids(book):
        inv = book.invoices[year]
        entries = [e for e in audit if e.type == "InvoiceVoided" and e.data.get("year") == year]
        if entries:
            entry = entries[-1]
            on = today_shanghai(instant(entry.at))
            seq = entry.seq
            reason = inv.void_reason or str(entry.data.get("reason", ""))
        else:
            # Never seen in practice (every void wrote its entry); the fee is then taken as never owed.
            known = [p.seq for p in book.payments] + [getattr(f, "seq", 0) for f in [*book.facts, *facts]]
            on, seq, reason = inv.issue_on, max([0, *known]) + 1, inv.void_reason or ""
            out.warnings.append(f"invoice of year {year}: void without an InvoiceVoided entry; cancelled from {on}")
        facts.append(FeeCancellation(year, on, seq, "void", reason))
    return facts


def as_told(book: LedgerBook, shown: Ledger) -> Ledger:
    """Where finance was last told each payment's money went: the fee placements the invoices hold (before the
    ledger, oldest-first at recording time; after it, the ledger's own), and the penalty placements the ledger
    shows (nothing paid a penalty before it). settle() reports every difference as PaymentsReallocated."""
    allocations = [a for a in shown.allocations if a.what == "late_penalty"]
    for year, inv in book.invoices.items():
        for a in inv.allocations:
            source = a.voucher_no if a.voucher_no.startswith(SET_OFF_SOURCE) else payment_source(a.voucher_no)
            allocations.append(Allocation(source, year, "fee", a.amount, a.paid_on))
    return replace(shown, allocations=allocations)


# ---- the use case -------------------------------------------------------------------------------------------
def migrate_contract(deps: Deps, contract_id: str, today: date | None = None) -> ContractMigration:
    """Carry one contract's stored invoices and payments over to the ledger (see the module docstring)."""

    def attempt(uow: UnitOfWork) -> ContractMigration:
        out = ContractMigration(contract_id)
        book = uow.ledger(contract_id)
        if not book.invoices:
            out.outcome = "no_invoices"
            return out
        audit = deps.repo.get_audit(contract_id) if _needs_audit(book) else []
        seqs = payment_seqs(book, audit, out)
        if seqs:
            # Derived from the immutable audit chain, so written first and on their own (each only where none is
            # stored): an interrupted run leaves nothing half-done that the next run would compute differently.
            deps.repo.set_payment_seqs(contract_id, seqs)
            book.payments = [replace(p, seq=seqs.get(p.voucher_no, p.seq)) for p in book.payments]
            out.payments_sequenced = len(seqs)
        day = today or deps.today()
        told = as_told(book, ledgers.view(book, ledgers.latest_day(book, day)))
        cancellations = void_cancellations(book, audit, out)
        book.facts.extend(cancellations)
        uow.staged.facts.extend(cancellations)
        out.cancellations_added = len(cancellations)
        cached_before = (book.contract.ledger_credit, book.contract.ledger_last_on)
        after = ledgers.settle(uow, book, told, day, WHY, changed_from=date.min)  # every figure may differ
        staged = uow.staged
        mark = ReceivableMark(contract_id, settled_since(after))
        if book.contract.receivable_until != mark.until:  # absent (before the ledger or on its own item) or stale
            staged.receivable = mark
        out.invoices_refreshed = len(staged.updated_invoices)
        out.events = [e.type for e in uow.events]
        changed = (
            bool(staged.facts or staged.updated_invoices or uow.events)
            or (book.contract.ledger_credit, book.contract.ledger_last_on) != cached_before
            or staged.receivable is not None
        )
        if changed:
            uow.commit()
        # The mark's item of the old shape goes once the contract carries the mark (a rerun finds none).
        dropped = deps.repo.drop_legacy_receivable(contract_id)
        if changed or seqs or dropped:
            out.outcome = "migrated"
        return out

    return run(deps, ACTOR, attempt)


def migrate_ledger(deps: Deps, today: date) -> dict[str, Any]:
    """Every contract (a Scan: a one-off, never a request path); a JSON-ready summary. A contract that fails is
    reported and the others still run: the step is idempotent, so run it again once the cause is fixed."""
    outcomes: Counter[str] = Counter()
    events: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    warnings: list[str] = []
    failed: dict[str, str] = {}
    for contract_id in deps.repo.scan_contract_ids():
        try:
            r = migrate_contract(deps, contract_id, today)
            # Index entries written unsharded or under another shard count move to their current key.
            totals["index_keys_moved"] += deps.repo.reindex_contract(contract_id)
            totals["obligations_indexed"] += index_obligations(deps, contract_id, today)
        except Exception as exc:  # one bad contract must not stop the others (logged, reported)
            logger.exception("migrating contract %s failed", contract_id)
            failed[contract_id] = f"{type(exc).__name__}: {exc}"
            continue
        outcomes[r.outcome] += 1
        events.update(r.events)
        totals.update(
            {
                "payments_sequenced": r.payments_sequenced,
                "cancellations_added": r.cancellations_added,
                "invoices_refreshed": r.invoices_refreshed,
            }
        )
        warnings.extend(f"{contract_id}: {w}" for w in r.warnings)
    return {
        "as_of": today.isoformat(),
        "contracts": sum(outcomes.values()) + len(failed),
        "migrated": outcomes["migrated"],
        "unchanged": outcomes["unchanged"],
        "without_invoices": outcomes["no_invoices"],
        "payments_sequenced": totals["payments_sequenced"],
        "cancellations_added": totals["cancellations_added"],
        "invoices_refreshed": totals["invoices_refreshed"],
        "index_keys_moved": totals["index_keys_moved"],
        "obligations_indexed": totals["obligations_indexed"],
        "events": dict(sorted(events.items())),
        "warnings": warnings,
        "failed": failed,
    }
