"""The sparse indexes read one shard at a time (a page and a cursor, for the fanned-out workers) or all shards
merged in sort-key order (for a whole run in one process and the receivables report), and the workers' cursor
checkpoints. DynamoRepository calls these; keys are built in shards.py."""

from __future__ import annotations

import heapq
import json
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.adapters import shards
from chalicelib.adapters.items import contract_from, invoice_from
from chalicelib.adapters.plain_items import plain_from
from chalicelib.adapters.records import (
    AUDITED,
    LIFECYCLE_DUE,
    NEXT_INVOICE,
    OBLIGATION_DUE,
    OPEN_INVOICE,
    RECEIVABLE,
    AuditRecord,
    CheckpointRecord,
    ContractRecord,
    InvoiceRecord,
    PlainRecord,
)
from chalicelib.domain.contract import Contract
from chalicelib.domain.invoice import Invoice
from chalicelib.services.ports import Page, PlainItem, ShardCheckpoint

T = TypeVar("T")
CHECKPOINT_TTL_SECONDS = 14 * 24 * 3600
S1, S2 = ("s1pk", "s1sk"), ("s2pk", "s2sk")  # the schedule and lifecycle indexes' keys


def _encode(lek: dict[str, Any] | None) -> str | None:
    return json.dumps(lek, sort_keys=True, separators=(",", ":")) if lek else None


def _decode(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    value = json.loads(cursor)
    if not isinstance(value, dict):
        raise ValueError("cursor is not valid")
    return value


def _page(
    query: Callable[..., Any], convert: Callable[[Any], T], cursor: str | None, limit: int, index_keys: tuple[str, str]
) -> Page[T]:
    result = query(limit=limit, page_size=limit, last_evaluated_key=_decode(cursor))
    records = list(result)
    last = _encode(result.last_evaluated_key)
    # An item's own key (table and index keys, as DynamoDB gives a LastEvaluatedKey) is the ExclusiveStartKey that
    # resumes right after it; built from the record rather than asked of PynamoDB, which may call DescribeTable
    # for the key names (not in the workers' IAM policy).
    after: list[str | None] = [
        _encode({k: {"S": getattr(rec, k)} for k in ("pk", "sk", *index_keys)}) for rec in records
    ]
    if after:
        after[-1] = last
    return Page([convert(rec) for rec in records], last, after)


def _next_day(as_of: date) -> str:
    return (as_of + timedelta(days=1)).isoformat()


# ---- one shard, one page ---------------------------------------------------------------------------------
def contracts_to_invoice_page(as_of: date, shard: int, cursor: str | None, limit: int) -> Page[Contract]:
    def query(**kw: Any) -> Any:
        return ContractRecord.schedule.query(f"{NEXT_INVOICE}#{shard}", ContractRecord.s1sk < _next_day(as_of), **kw)

    return _page(query, _contract, cursor, limit, S1)


def open_invoices_page(as_of: date, shard: int, cursor: str | None, limit: int) -> Page[Invoice]:
    def query(**kw: Any) -> Any:
        return InvoiceRecord.schedule.query(f"{OPEN_INVOICE}#{shard}", InvoiceRecord.s1sk < as_of.isoformat(), **kw)

    return _page(query, invoice_from, cursor, limit, S1)


def lifecycle_page(as_of: date, shard: int, cursor: str | None, limit: int) -> Page[str]:
    def query(**kw: Any) -> Any:
        # KEYS_ONLY index: it says which contracts are due; the sweep reads each one consistently.
        return ContractRecord.lifecycle.query(f"{LIFECYCLE_DUE}#{shard}", ContractRecord.s2sk < _next_day(as_of), **kw)

    return _page(query, _contract_id, cursor, limit, S2)


def obligations_page(as_of: date, shard: int, cursor: str | None, limit: int) -> Page[str]:
    """Contracts whose obligations schedule entry (sk `<next check day>#<id>`) is due on or before `as_of`."""

    def query(**kw: Any) -> Any:
        return PlainRecord.schedule.query(f"{OBLIGATION_DUE}#{shard}", PlainRecord.s1sk < _next_day(as_of), **kw)

    return _page(query, lambda rec: str(json.loads(rec.body)["contract_id"]), cursor, limit, S1)


def _contract(rec: ContractRecord) -> Contract:
    return contract_from(rec)


def _contract_id(rec: ContractRecord) -> str:
    return str(rec.pk).removeprefix("CONTRACT#")


# ---- every shard, merged in sort-key order -------------------------------------------------------------------
def _merged(per_shard: Callable[[int], Iterator[tuple[str, T]]]) -> Iterator[T]:
    streams = [per_shard(shard) for shard in range(shards.read_count())]
    for _, value in heapq.merge(*streams, key=lambda pair: pair[0]):
        yield value


def contracts_to_invoice(as_of: date) -> Iterator[Contract]:
    def shard(n: int) -> Iterator[tuple[str, Contract]]:
        for rec in ContractRecord.schedule.query(f"{NEXT_INVOICE}#{n}", ContractRecord.s1sk < _next_day(as_of)):
            yield rec.s1sk or "", _contract(rec)

    return _merged(shard)


def open_invoices(below: str | None) -> Iterator[Invoice]:
    def shard(n: int) -> Iterator[tuple[str, Invoice]]:
        condition = InvoiceRecord.s1sk < below if below else None
        for rec in InvoiceRecord.schedule.query(f"{OPEN_INVOICE}#{n}", condition):
            yield rec.s1sk or "", invoice_from(rec)

    return _merged(shard)


def contracts_for_lifecycle(as_of: date) -> Iterator[str]:
    def shard(n: int) -> Iterator[tuple[str, str]]:
        for rec in ContractRecord.lifecycle.query(f"{LIFECYCLE_DUE}#{n}", ContractRecord.s2sk < _next_day(as_of)):
            yield rec.s2sk or "", _contract_id(rec)

    return _merged(shard)


def receivable_contracts(as_of: date) -> Iterator[str]:
    """Contracts whose receivables mark lists them on `as_of` (not settled on or before it)."""

    def shard(n: int) -> Iterator[tuple[str, str]]:
        for rec in ContractRecord.receivables.query(f"{RECEIVABLE}#{n}", ContractRecord.r1sk > as_of.isoformat()):
            yield rec.r1sk or "", _contract_id(rec)

    return _merged(shard)


def contracts_with_audit_since(at: str) -> Iterator[str]:
    """The contract of every audit entry written at or after `at`, in the order written (AUDITED#<n>)."""

    def shard(n: int) -> Iterator[tuple[str, str]]:
        for rec in AuditRecord.lifecycle.query(f"{AUDITED}#{n}", AuditRecord.s2sk >= at):
            yield rec.s2sk or "", str(rec.pk).removeprefix("CONTRACT#")

    return _merged(shard)


def scheduled_items(partition: str, through: str) -> Iterator[PlainItem]:
    """Plain items listed in the schedule index under `partition` with sort key <= `through`, by sort key: every
    shard merged for a sharded base (OBLIGATION_DUE#<n>), the one partition otherwise."""
    if partition not in shards.SHARDED_BASES:
        return (plain_from(rec) for rec in PlainRecord.schedule.query(partition, PlainRecord.s1sk <= through))

    def shard(n: int) -> Iterator[tuple[str, PlainItem]]:
        for rec in PlainRecord.schedule.query(f"{partition}#{n}", PlainRecord.s1sk <= through):
            yield rec.s1sk or "", plain_from(rec)

    return _merged(shard)


# ---- checkpoints ----------------------------------------------------------------------------------------------
def _checkpoint_key(run_id: str, job: str, as_of: date, shard: int) -> tuple[str, str]:
    return f"RUN#{job}#{as_of.isoformat()}#{run_id}", f"SHARD#{shard:04d}"


def load_checkpoint(run_id: str, job: str, as_of: date, shard: int) -> ShardCheckpoint | None:
    try:
        rec = CheckpointRecord.get(*_checkpoint_key(run_id, job, as_of, shard), consistent_read=True)
    except DoesNotExist:
        return None
    return ShardCheckpoint(run_id, job, as_of, shard, rec.cursor, int(rec.processed))


def save_checkpoint(cp: ShardCheckpoint) -> None:
    """Only ever forward: a duplicate delivery of an older message cannot move the cursor back."""
    pk, sk = _checkpoint_key(cp.run_id, cp.job, cp.as_of, cp.shard)
    rec = CheckpointRecord(pk, sk, kind="checkpoint", cursor=cp.cursor, processed=cp.processed)
    rec.ttl = int(time.time()) + CHECKPOINT_TTL_SECONDS
    try:
        rec.save(condition=CheckpointRecord.pk.does_not_exist() | (CheckpointRecord.processed < cp.processed))
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
