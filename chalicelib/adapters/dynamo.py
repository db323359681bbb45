"""The DynamoDB repository: domain objects in, PynamoDB records out, one transaction per state change.
AWS errors become domain errors here (a failed condition → ConcurrentUpdate or AlreadyExists). How each kind of
item is built and read is in items.py and ledger_items.py."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters import contract_reads, migration_reads, shard_reads, shards
from chalicelib.adapters.api_keys import DynamoKeyStore
from chalicelib.adapters.aws import client
from chalicelib.adapters.contract_reads import THROTTLING_CODES
from chalicelib.adapters.items import (
    PendingWrite,
    alert_writes,
    audit_from,
    audit_writes,
    contract_from,
    contract_pk,
    contract_writes,
    document_writes,
    invoice_from,
    invoice_writes,
    outbox_writes,
    token_from,
    token_writes,
)
from chalicelib.adapters.ledger_items import LedgerReader, fact_writes, payment_from, payment_writes
from chalicelib.adapters.packing import unpack
from chalicelib.adapters.plain_items import plain_from, plain_writes
from chalicelib.adapters.recent import RecentContracts
from chalicelib.adapters.records import (
    ALL_RECORDS,
    LEDGER_SK_FROM,
    LEDGER_SK_TO,
    AuditRecord,
    BaseRecord,
    ContractRecord,
    DocumentRecord,
    InvoiceRecord,
    PaymentItem,
    PlainRecord,
    TokenRecord,
    UniqueRecord,
    bind_records,
)
from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.contract import CONTRACT_TRANSITIONS, Contract
from chalicelib.domain.errors import AlreadyExists, ConcurrentUpdate, NotFound, Unavailable
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.money import to_money
from chalicelib.services.keys import StaffKey
from chalicelib.services.ports import (
    Changes,
    LedgerBook,
    Page,
    PaymentRecord,
    PlainItem,
    ReceivableMark,
    ShardCheckpoint,
    SigningToken,
    StoredDocument,
)
from chalicelib.settings import Settings

# The order of a commit's items: the contract first, so a lost version race is the failure reported.
WRITES = (
    contract_writes,
    audit_writes,
    outbox_writes,
    document_writes,
    invoice_writes,
    token_writes,
    payment_writes,
    fact_writes,
    alert_writes,
    plain_writes,
)


def _encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        value = base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValueError("cursor is not valid") from None
    if not re.match(r"^\d{4}-\d{2}-\d{2}T[^#]+#[^#]+$", value):
        raise ValueError("cursor is not valid")
    return value


class DynamoRepository:
    """Repository over the main table (see docs/data-model.md for keys and indexes)."""

    def __init__(self, settings: Settings) -> None:
        bind_records(settings)
        shards.configure(settings.index_shards, settings.index_shards_previous)
        self._settings = settings
        self._connection: Connection | None = None
        self._recent = RecentContracts()

    def _conn(self) -> Connection:
        if self._connection is None:
            connection = Connection(region=self._settings.region, host=self._settings.aws_endpoint_url)
            # One botocore client for every record class and the process's other DynamoDB callers (staff keys,
            # idempotency): PynamoDB gives each model its own, and each costs ~100 ms to build on a cold start.
            shared = client("dynamodb", self._settings)
            connection._client = shared
            for record in ALL_RECORDS:
                record._get_connection().connection._client = shared
            self._connection = connection
        return self._connection

    # ---- reads ----------------------------------------------------------------------------------------
    def get_contract(self, contract_id: str, recent: bool = False) -> Contract:
        rec = self._recent.get(contract_id) if recent else None
        if rec is None:
            found = contract_reads.contract_item(
                self._conn().client, self._settings.table_name, contract_pk(contract_id)
            )
            if found is None:
                self._recent.drop(contract_id)
                raise NotFound("contract", contract_id)
            rec = ContractRecord.from_raw_data(found)
            self._recent.put(contract_id, rec)
        return contract_from(rec)

    def forget_recent_contracts(self) -> None:
        """Empty this process's copies of contracts (adapters/recent.py): the next reads go to the table."""
        self._recent.clear()

    def find_contract_id_by_no(self, contract_no: str) -> str | None:
        self._conn()
        try:
            return UniqueRecord.get(f"CONTRACTNO#{contract_no}", "UNIQUE").ref
        except DoesNotExist:
            return None

    def list_contracts(
        self, status: str | None, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        self._conn()
        statuses = [status] if status else list(CONTRACT_TRANSITIONS)
        before = decode_cursor(cursor) if cursor else None
        found: list[ContractRecord] = []
        for st in statuses:
            condition = ContractRecord.gsi1sk < before if before else None
            found.extend(
                ContractRecord.by_status.query(
                    # one more than a page: the extra item is how the page knows there is a next one
                    f"STATUS#{st}",
                    range_key_condition=condition,
                    scan_index_forward=False,
                    limit=limit + 1,
                )
            )
        found.sort(key=lambda r: r.gsi1sk, reverse=True)
        page = found[:limit]
        next_cursor = _encode_cursor(page[-1].gsi1sk) if len(found) > limit and page else None
        return [json.loads(r.listing) for r in page], next_cursor

    def get_document(self, contract_id: str, key: str) -> StoredDocument:
        self._conn()
        try:
            rec = DocumentRecord.get(contract_pk(contract_id), f"DOC#{key}", consistent_read=True)
        except DoesNotExist:
            raise NotFound("document", f"{contract_id}/{key}") from None
        html = unpack(rec.html_z, rec.html, f"document {contract_id}/{key}")
        return StoredDocument(contract_id, rec.doc_key, html, rec.sha256)

    def get_audit(self, contract_id: str) -> list[AuditEntry]:
        self._conn()
        records = AuditRecord.query(contract_pk(contract_id), AuditRecord.sk.startswith("AUDIT#"), consistent_read=True)
        return [entry for r in records for entry in audit_from(r, contract_id)]

    def get_invoices(self, contract_id: str) -> list[Invoice]:
        self._conn()
        records = InvoiceRecord.query(
            contract_pk(contract_id), InvoiceRecord.sk.startswith("INVOICE#"), consistent_read=True
        )
        return [invoice_from(r) for r in records]

    def get_invoice(self, contract_id: str, year: int) -> Invoice | None:
        self._conn()
        try:
            return invoice_from(
                InvoiceRecord.get(contract_pk(contract_id), f"INVOICE#{year:03d}", consistent_read=True)
            )
        except DoesNotExist:
            return None

    def get_payments(self, contract_id: str) -> list[PaymentRecord]:
        self._conn()
        records = PaymentItem.query(
            contract_pk(contract_id), PaymentItem.sk.startswith("PAYMENT#"), consistent_read=True
        )
        return [payment_from(r, contract_id) for r in records]

    def load_ledger(self, contract_id: str) -> LedgerBook:
        """One Query over the contract's partition, from its invoices to its payments (the contract item and the
        ledger facts sort between them)."""
        self._conn()
        table = ContractRecord._get_connection()  # knows the table's key schema (any record class would do)
        reader = LedgerReader(contract_id)
        start: Any = None
        while True:
            page = table.query(
                contract_pk(contract_id),
                range_key_condition=BaseRecord.sk.between(LEDGER_SK_FROM, LEDGER_SK_TO),
                consistent_read=True,
                exclusive_start_key=start,
            )
            for raw in page.get("Items", []):
                reader.add(raw)
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return reader.book()

    def receivable_contracts(self, as_of: date) -> Iterator[str]:
        self._conn()
        return shard_reads.receivable_contracts(as_of)

    def find_token(self, token_hash: str) -> SigningToken | None:
        self._conn()
        try:
            return token_from(TokenRecord.get(f"TOKEN#{token_hash}", "TOKEN", consistent_read=True))
        except DoesNotExist:
            return None

    def voucher_owner(self, voucher_no: str) -> str | None:
        self._conn()
        try:
            return UniqueRecord.get(f"VOUCHER#{voucher_no}", "UNIQUE", consistent_read=True).ref
        except DoesNotExist:
            return None

    # ---- staff keys (adapters/api_keys.py) ----------------------------------------------------------------
    def _keys(self) -> DynamoKeyStore:
        return DynamoKeyStore(client("dynamodb", self._settings), self._settings.table_name)

    def find_api_key(self, key_hash: str) -> StaffKey | None:
        return self._keys().find_api_key(key_hash)

    def add_api_key(self, key_hash: str, key: StaffKey) -> None:
        self._keys().add_api_key(key_hash, key)

    def list_api_keys(self) -> list[StaffKey]:
        return self._keys().list_api_keys()

    def revoke_api_key(self, key_id: str, at: str) -> StaffKey:
        return self._keys().revoke_api_key(key_id, at)

    def contracts_to_invoice(self, as_of: date) -> Iterator[Contract]:
        self._conn()
        return shard_reads.contracts_to_invoice(as_of)

    def open_invoices_due_before(self, as_of: date) -> Iterator[Invoice]:
        self._conn()
        return shard_reads.open_invoices(as_of.isoformat())

    def open_invoices(self) -> Iterator[Invoice]:
        self._conn()
        return shard_reads.open_invoices(None)

    def contracts_for_lifecycle(self, as_of: date) -> Iterator[str]:
        self._conn()
        return shard_reads.contracts_for_lifecycle(as_of)

    # ---- one index shard at a time, for the fanned-out workers (adapters/shard_reads.py) ------------------
    def index_shards(self) -> int:
        return shards.read_count()

    def contracts_to_invoice_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[Contract]:
        self._conn()
        return shard_reads.contracts_to_invoice_page(as_of, shard, cursor, limit)

    def open_invoices_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[Invoice]:
        self._conn()
        return shard_reads.open_invoices_page(as_of, shard, cursor, limit)

    def lifecycle_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[str]:
        self._conn()
        return shard_reads.lifecycle_page(as_of, shard, cursor, limit)

    def obligations_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[str]:
        self._conn()
        return shard_reads.obligations_page(as_of, shard, cursor, limit)

    def load_checkpoint(self, run_id: str, job: str, as_of: date, shard: int) -> ShardCheckpoint | None:
        self._conn()
        return shard_reads.load_checkpoint(run_id, job, as_of, shard)

    def save_checkpoint(self, checkpoint: ShardCheckpoint) -> None:
        self._conn()
        shard_reads.save_checkpoint(checkpoint)

    def query_items(self, pk: str, sk_prefix: str) -> list[PlainItem]:
        self._conn()
        return [
            plain_from(r) for r in PlainRecord.query(pk, PlainRecord.sk.startswith(sk_prefix), consistent_read=True)
        ]

    def get_item(self, pk: str, sk: str) -> PlainItem | None:
        self._conn()
        try:
            return plain_from(PlainRecord.get(pk, sk, consistent_read=True))
        except DoesNotExist:
            return None

    def scheduled_items(self, partition: str, through: str) -> Iterator[PlainItem]:
        self._conn()
        return shard_reads.scheduled_items(partition, through)

    def contracts_with_audit_since(self, at: str) -> Iterator[str]:
        self._conn()
        return shard_reads.contracts_with_audit_since(at)

    # ---- the one write path -----------------------------------------------------------------------------
    def commit(self, changes: Changes) -> None:
        self._conn()
        items = [write for writes in WRITES for write in writes(changes)]
        try:
            with TransactWrite(connection=self._conn()) as tx:
                for record, condition, *_ in items:
                    tx.save(record, condition=condition)  # None: unconditional (guarded by the contract's version)
        except TransactWriteError as exc:
            changes.contract.version = changes.expected_version or 0
            self._recent.drop(changes.contract.id)
            raise self._translate(exc, items) from None
        if isinstance(items[0].record, ContractRecord):  # the contract as now stored (always first: WRITES)
            self._recent.put(changes.contract.id, items[0].record)

    @staticmethod
    def _translate(exc: TransactWriteError, items: list[PendingWrite]) -> Exception:
        if exc.cause_response_code in THROTTLING_CODES:
            return Unavailable(f"DynamoDB is throttling ({exc.cause_response_code}); retry shortly")
        if exc.cause_response_code != "TransactionCanceledException":
            return exc
        reasons = exc.cancellation_reasons or []
        for (_, _, entity, key, on_fail), reason in zip(items, reasons, strict=False):
            if reason is not None and reason.code in THROTTLING_CODES:
                return Unavailable(f"DynamoDB is throttling ({reason.code}); retry shortly")
            if reason is not None and reason.code == "ConditionalCheckFailed":
                return AlreadyExists(entity, key) if on_fail == "exists" else ConcurrentUpdate(entity, key)
        return ConcurrentUpdate(items[0][2], items[0][3])

    # ---- one-off data migrations (the DynamoDB code is in adapters/migration_reads.py) ---------------------
    def scan_contract_ids(self) -> Iterator[str]:
        self._conn()
        return migration_reads.scan_contract_ids()

    def receivable_mark(self, contract_id: str) -> ReceivableMark | None:
        self._conn()
        return migration_reads.receivable_mark(contract_id)

    def drop_legacy_receivable(self, contract_id: str) -> bool:
        self._conn()
        return migration_reads.drop_legacy_receivable(contract_id)

    def set_payment_seqs(self, contract_id: str, seqs: dict[str, int]) -> None:
        self._conn()
        migration_reads.set_payment_seqs(contract_id, seqs)

    def reindex_contract(self, contract_id: str) -> int:
        self._conn()
        return migration_reads.reindex_contract(contract_id)


def to_decimal(value: Any) -> Decimal:
    return to_money(str(value))
