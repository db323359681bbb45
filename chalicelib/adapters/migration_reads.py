"""What the one-off data migrations (services/migrations.py) need from the main table beyond the request paths:
every contract's id (a Scan), a contract's receivables-index item, and writing a `seq` onto payments stored before
the ledger. DynamoRepository calls these; nothing else should (a Scan reads the whole table)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from chalicelib.adapters.items import contract_pk
from chalicelib.adapters.records import (
    RECEIVABLE,
    AuditRecord,
    BaseRecord,
    ContractRecord,
    InvoiceRecord,
    LedgerStateRecord,
    PaymentItem,
    PlainRecord,
)
from chalicelib.adapters.shards import rekeyed
from chalicelib.services.ports import ReceivableMark


def scan_contract_ids() -> Iterator[str]:
    """Every contract's id: a Scan filtered on kind = contract, page by page (PynamoDB follows LastEvaluatedKey)."""
    for rec in ContractRecord.scan(ContractRecord.kind == "contract", attributes_to_get=["pk", "sk"]):
        if rec.sk == "META":
            yield rec.pk.removeprefix("CONTRACT#")


def receivable_mark(contract_id: str) -> ReceivableMark | None:
    try:
        rec = LedgerStateRecord.get(contract_pk(contract_id), RECEIVABLE, consistent_read=True)
    except DoesNotExist:
        return None
    return ReceivableMark(contract_id, date.fromisoformat(rec.settled_since) if rec.settled_since else None)


def drop_legacy_receivable(contract_id: str) -> bool:
    """Deletes the contract's receivables item of the old shape (sk RECEIVABLE), if any: the mark now lives on the
    contract item. True if there was one."""
    try:
        LedgerStateRecord(contract_pk(contract_id), RECEIVABLE).delete(condition=LedgerStateRecord.pk.exists())
    except DeleteError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def set_payment_seqs(contract_id: str, seqs: dict[str, int]) -> None:
    """Each payment gets its seq only where it has none (so reruns and concurrent runs agree); a payment that
    already has one, or no longer exists, is left alone."""
    for voucher_no, seq in seqs.items():
        item = PaymentItem(contract_pk(contract_id), f"PAYMENT#{voucher_no}")
        try:
            item.update(
                actions=[PaymentItem.seq.set(seq)],
                condition=PaymentItem.pk.exists() & PaymentItem.seq.does_not_exist(),
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise


# The sharded index partition attributes of a contract's items (adapters/shards.py).
_INDEX_KEYS: dict[type[BaseRecord], tuple[str, ...]] = {
    ContractRecord: ("s1pk", "s2pk", "r1pk"),
    InvoiceRecord: ("s1pk",),
    AuditRecord: ("s2pk",),
    PlainRecord: ("s1pk",),  # the obligations schedule entry (sk DUTIES)
}


def _index_items(contract_id: str) -> list[BaseRecord]:
    pk = contract_pk(contract_id)
    found: list[BaseRecord] = []
    try:
        found.append(
            ContractRecord.get(
                pk, "META", consistent_read=True, attributes_to_get=["pk", "sk", *_INDEX_KEYS[ContractRecord]]
            )
        )
    except DoesNotExist:
        pass
    try:
        found.append(PlainRecord.get(pk, "DUTIES", consistent_read=True, attributes_to_get=["pk", "sk", "s1pk"]))
    except DoesNotExist:
        pass
    found.extend(
        InvoiceRecord.query(
            pk, InvoiceRecord.sk.startswith("INVOICE#"), consistent_read=True, attributes_to_get=["pk", "sk", "s1pk"]
        )
    )
    found.extend(
        AuditRecord.query(
            pk, AuditRecord.sk.startswith("AUDIT#"), consistent_read=True, attributes_to_get=["pk", "sk", "s2pk"]
        )
    )
    return found


def reindex_contract(contract_id: str) -> int:
    """Moves the contract's index entries (contract, invoices, audit entries, the obligations schedule entry) to
    the partition keys of the shard count in force (an unsharded `NEXT_INVOICE` or `OBLIGATION_DUE`, or one written
    under another count); returns how many attributes it rewrote. Each update is
    conditioned on the value it read, so a concurrent write (which writes current keys anyway) is never undone;
    a second run finds nothing to do."""
    moved = 0
    for item in _index_items(contract_id):
        attrs = _INDEX_KEYS[type(item)]
        for name in attrs:
            stored = getattr(item, name, None)
            wanted = rekeyed(stored, contract_id)
            if wanted is None or wanted == stored:
                continue
            attr: UnicodeAttribute = getattr(type(item), name)
            try:
                item.update(actions=[attr.set(wanted)], condition=attr == stored)
                moved += 1
            except UpdateError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
    return moved
