"""The DynamoDB repository: domain objects in, PynamoDB records out, one transaction per state change.
AWS errors become domain errors here (a failed condition → ConcurrentUpdate or AlreadyExists)."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.codec import contract_from_dict, contract_listing, contract_to_dict
from chalicelib.adapters.ledger_codec import (
    designations_from_list,
    designations_to_list,
    fact_from_dict,
    fact_to_dict,
    invoice_from_dict,
    invoice_to_dict,
)
from chalicelib.adapters.records import (
    ALL_RECORDS,
    LEDGER_SK_FROM,
    LEDGER_SK_TO,
    LIFECYCLE_DUE,
    NEXT_INVOICE,
    OPEN_INVOICE,
    RECEIVABLE,
    ApiKeyRecord,
    AuditRecord,
    BaseRecord,
    ContractRecord,
    DocumentRecord,
    InvoiceRecord,
    LedgerFactRecord,
    LedgerStateRecord,
    OutboxRecord,
    PaymentItem,
    TokenRecord,
    UniqueRecord,
    bind_records,
)
from chalicelib.domain.audit import AuditEntry, canonical_json
from chalicelib.domain.contract import CONTRACT_TRANSITIONS, Contract
from chalicelib.domain.errors import AlreadyExists, ConcurrentUpdate, NotFound, Unavailable
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.money import money_str, to_money
from chalicelib.services.ports import (
    Changes,
    LedgerBook,
    PaymentRecord,
    ReceivableMark,
    SigningToken,
    StoredDocument,
)
from chalicelib.settings import Settings

OUTBOX_TTL_SECONDS = 14 * 24 * 3600
THROTTLING_CODES = frozenset(
    {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "ThrottlingError"}
)


def contract_pk(contract_id: str) -> str:
    return f"CONTRACT#{contract_id}"


def _contract_record(c: Contract) -> ContractRecord:
    rec = ContractRecord(contract_pk(c.id), "META")
    rec.kind = "contract"
    rec.contract_id = c.id
    rec.contract_no = c.contract_no
    rec.status = c.status
    rec.version = c.version
    rec.created_at = c.created_at
    rec.body = canonical_json(contract_to_dict(c))
    rec.listing = canonical_json(contract_listing(c))
    rec.gsi1pk = f"STATUS#{c.status}"
    rec.gsi1sk = f"{c.created_at}#{c.id}"
    next_invoice = c.next_invoice_on()
    rec.s1pk = NEXT_INVOICE if next_invoice else None
    rec.s1sk = f"{next_invoice.isoformat()}#{c.id}" if next_invoice else None
    next_life = c.next_lifecycle_on()
    rec.s2pk = LIFECYCLE_DUE if next_life else None
    rec.s2sk = f"{next_life.isoformat()}#{c.id}" if next_life else None
    return rec


def _invoice_record(inv: Invoice) -> InvoiceRecord:
    rec = InvoiceRecord(contract_pk(inv.contract_id), f"INVOICE#{inv.year:03d}")
    rec.kind = "invoice"
    rec.contract_id = inv.contract_id
    rec.year = inv.year
    rec.status = inv.status
    rec.version = inv.version
    rec.due_on = inv.due_on.isoformat()
    rec.amount = money_str(inv.amount)
    rec.body = canonical_json(invoice_to_dict(inv))
    rec.s1pk = OPEN_INVOICE if inv.is_open else None
    rec.s1sk = f"{inv.due_on.isoformat()}#{inv.contract_id}#{inv.year:03d}" if inv.is_open else None
    return rec


def _ledger_state_record(mark: ReceivableMark) -> LedgerStateRecord:
    rec = LedgerStateRecord(contract_pk(mark.contract_id), "LEDGERSTATE", kind="ledger_state")
    rec.contract_id = mark.contract_id
    since = None if mark.settled_since is None else mark.settled_since.isoformat()
    rec.settled_since = since
    rec.s1pk = RECEIVABLE
    rec.s1sk = f"{since or '9999-12-31'}#{mark.contract_id}"
    return rec


def _payment_from(r: PaymentItem, contract_id: str) -> PaymentRecord:
    return PaymentRecord(
        contract_id=contract_id,
        voucher_no=r.voucher_no,
        amount=to_money(r.amount),
        paid_on=date.fromisoformat(r.paid_on),
        method=r.method,
        recorded_at=r.recorded_at,
        recorded_by=r.recorded_by,
        allocations=json.loads(r.allocations),
        seq=int(r.seq or 0),
        applies_to=designations_from_list(json.loads(r.applies_to) if r.applies_to else None),
    )


def _token_record(t: SigningToken) -> TokenRecord:
    rec = TokenRecord(f"TOKEN#{t.token_hash}", "TOKEN")
    rec.kind = "token"
    rec.token_id = t.token_id
    rec.contract_id = t.contract_id
    rec.subject = t.subject
    rec.party = t.party
    rec.email = t.email
    rec.document_sha256 = t.document_sha256
    rec.expires_at = t.expires_at
    rec.status = t.status
    rec.used_at = t.used_at
    return rec


def _token_from(rec: TokenRecord) -> SigningToken:
    return SigningToken(
        token_hash=rec.pk.removeprefix("TOKEN#"),
        token_id=rec.token_id,
        contract_id=rec.contract_id,
        subject=rec.subject,
        party=rec.party,
        email=rec.email,
        document_sha256=rec.document_sha256,
        expires_at=rec.expires_at,
        status=rec.status,
        used_at=rec.used_at,
    )


def _json_or_marker(raw: str) -> dict[str, Any]:
    """A stored entry that no longer parses is still returned, so verification reports where it broke."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {"unreadable": raw}
    return value if isinstance(value, dict) else {"unreadable": raw}


def _audit_from(rec: AuditRecord, contract_id: str) -> AuditEntry:
    return AuditEntry(
        contract_id=contract_id,
        seq=int(rec.seq),
        at=rec.at,
        actor=rec.actor,
        type=rec.type,
        data=_json_or_marker(rec.data),
        prev_hash=rec.prev_hash,
        hash=rec.hash,
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
        self._settings = settings
        self._connection: Connection | None = None

    def _conn(self) -> Connection:
        if self._connection is None:
            connection = Connection(region=self._settings.region, host=self._settings.aws_endpoint_url)
            # One botocore client for every record class: PynamoDB gives each model its own, and each costs
            # ~100 ms to build on a cold start.
            shared = connection.client
            for record in ALL_RECORDS:
                record._get_connection().connection._client = shared
            self._connection = connection
        return self._connection

    # ---- reads ----------------------------------------------------------------------------------------
    def get_contract(self, contract_id: str) -> Contract:
        self._conn()
        try:
            rec = ContractRecord.get(contract_pk(contract_id), "META", consistent_read=True)
        except DoesNotExist:
            raise NotFound("contract", contract_id) from None
        contract = contract_from_dict(json.loads(rec.body))
        # The indexed attributes are the source of truth for optimistic locking.
        contract.version = int(rec.version)
        return contract

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
                    f"STATUS#{st}", range_key_condition=condition, scan_index_forward=False, limit=limit
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
        return StoredDocument(contract_id, rec.doc_key, rec.html, rec.sha256)

    def get_audit(self, contract_id: str) -> list[AuditEntry]:
        self._conn()
        records = AuditRecord.query(contract_pk(contract_id), AuditRecord.sk.startswith("AUDIT#"), consistent_read=True)
        return [_audit_from(r, contract_id) for r in records]

    def get_invoices(self, contract_id: str) -> list[Invoice]:
        self._conn()
        records = InvoiceRecord.query(
            contract_pk(contract_id), InvoiceRecord.sk.startswith("INVOICE#"), consistent_read=True
        )
        return [self._invoice_from(r) for r in records]

    def get_invoice(self, contract_id: str, year: int) -> Invoice | None:
        self._conn()
        try:
            return self._invoice_from(
                InvoiceRecord.get(contract_pk(contract_id), f"INVOICE#{year:03d}", consistent_read=True)
            )
        except DoesNotExist:
            return None

    @staticmethod
    def _invoice_from(rec: InvoiceRecord) -> Invoice:
        inv = invoice_from_dict(json.loads(rec.body))
        inv.version = int(rec.version)
        return inv

    def get_payments(self, contract_id: str) -> list[PaymentRecord]:
        self._conn()
        records = PaymentItem.query(
            contract_pk(contract_id), PaymentItem.sk.startswith("PAYMENT#"), consistent_read=True
        )
        return [_payment_from(r, contract_id) for r in records]

    def load_ledger(self, contract_id: str) -> LedgerBook:
        """One Query over the contract's partition, from its invoices to its payments (the contract item and the
        ledger facts sort between them)."""
        self._conn()
        table = ContractRecord._get_connection()  # knows the table's key schema (any record class would do)
        pk = contract_pk(contract_id)
        contract: Contract | None = None
        invoices: dict[int, Invoice] = {}
        payments: list[PaymentRecord] = []
        facts = []
        start: Any = None
        while True:
            page = table.query(
                pk,
                range_key_condition=BaseRecord.sk.between(LEDGER_SK_FROM, LEDGER_SK_TO),
                consistent_read=True,
                exclusive_start_key=start,
            )
            for raw in page.get("Items", []):
                sk = raw["sk"]["S"]
                if sk == "META":
                    rec = ContractRecord.from_raw_data(raw)
                    contract = contract_from_dict(json.loads(rec.body))
                    contract.version = int(rec.version)
                elif sk.startswith("INVOICE#"):
                    inv = self._invoice_from(InvoiceRecord.from_raw_data(raw))
                    invoices[inv.year] = inv
                elif sk.startswith("PAYMENT#"):
                    payments.append(_payment_from(PaymentItem.from_raw_data(raw), contract_id))
                elif sk.startswith("LEDGER#"):
                    facts.append(fact_from_dict(json.loads(LedgerFactRecord.from_raw_data(raw).body)))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        if contract is None:
            raise NotFound("contract", contract_id)
        return LedgerBook(contract, dict(sorted(invoices.items())), payments, facts)

    def receivable_contracts(self, as_of: date) -> Iterator[str]:
        self._conn()
        after = f"{as_of.isoformat()}#\uffff"
        for rec in LedgerStateRecord.schedule.query(RECEIVABLE, LedgerStateRecord.s1sk > after):
            yield rec.contract_id

    def find_token(self, token_hash: str) -> SigningToken | None:
        self._conn()
        try:
            return _token_from(TokenRecord.get(f"TOKEN#{token_hash}", "TOKEN", consistent_read=True))
        except DoesNotExist:
            return None

    def voucher_owner(self, voucher_no: str) -> str | None:
        self._conn()
        try:
            return UniqueRecord.get(f"VOUCHER#{voucher_no}", "UNIQUE", consistent_read=True).ref
        except DoesNotExist:
            return None

    def role_for_api_key(self, key_hash: str) -> str | None:
        self._conn()
        try:
            return ApiKeyRecord.get(f"APIKEY#{key_hash}", "APIKEY").role
        except DoesNotExist:
            return None

    def put_api_key(self, key_hash: str, role: str, name: str, created_at: str) -> None:
        self._conn()
        rec = ApiKeyRecord(f"APIKEY#{key_hash}", "APIKEY")
        rec.kind = "apikey"
        rec.role = role
        rec.name = name
        rec.created_at = created_at
        rec.save()

    def contracts_to_invoice(self, as_of: date) -> Iterator[Contract]:
        self._conn()
        bound = (as_of + timedelta(days=1)).isoformat()
        for rec in ContractRecord.schedule.query(NEXT_INVOICE, ContractRecord.s1sk < bound):
            yield contract_from_dict(json.loads(rec.body))

    def open_invoices_due_before(self, as_of: date) -> Iterator[Invoice]:
        self._conn()
        for rec in InvoiceRecord.schedule.query(OPEN_INVOICE, InvoiceRecord.s1sk < as_of.isoformat()):
            yield self._invoice_from(rec)

    def open_invoices(self) -> Iterator[Invoice]:
        self._conn()
        for rec in InvoiceRecord.schedule.query(OPEN_INVOICE):
            yield self._invoice_from(rec)

    def contracts_for_lifecycle(self, as_of: date) -> Iterator[str]:
        self._conn()
        bound = (as_of + timedelta(days=1)).isoformat()
        # KEYS_ONLY index: it says which contracts are due; the sweep reads each one consistently.
        for rec in ContractRecord.lifecycle.query(LIFECYCLE_DUE, ContractRecord.s2sk < bound):
            yield rec.pk.removeprefix("CONTRACT#")

    # ---- the one write path -----------------------------------------------------------------------------
    def commit(self, changes: Changes) -> None:
        self._conn()
        items: list[tuple[BaseRecord, Any, str, str, str]] = []  # (record, condition, entity, key, on-fail)
        c = changes.contract
        new_version = 1 if changes.expected_version is None else changes.expected_version + 1
        c.version = new_version
        rec = _contract_record(c)
        if changes.expected_version is None:
            items.append((rec, ContractRecord.pk.does_not_exist(), "contract", c.id, "exists"))
            claim = UniqueRecord(f"CONTRACTNO#{c.contract_no}", "UNIQUE", kind="unique", ref=c.id, at=c.created_at)
            items.append((claim, UniqueRecord.pk.does_not_exist(), "contract_no", c.contract_no, "exists"))
        else:
            items.append((rec, ContractRecord.version == changes.expected_version, "contract", c.id, "version"))
        for entry in changes.audit:
            audit = AuditRecord(
                contract_pk(c.id),
                f"AUDIT#{entry.seq:06d}",
                kind="audit",
                seq=entry.seq,
                at=entry.at,
                actor=entry.actor,
                type=entry.type,
                data=canonical_json(entry.data),
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
            items.append((audit, AuditRecord.pk.does_not_exist(), "audit", f"{c.id}#{entry.seq}", "version"))
        expires = int(time.time()) + OUTBOX_TTL_SECONDS
        for ev in changes.outbox:
            out = OutboxRecord(
                f"OUTBOX#{ev.event_id}",
                "EVENT",
                kind="outbox",
                event_id=ev.event_id,
                type=ev.type,
                contract_id=ev.contract_id,
                at=ev.at,
                actor=ev.actor,
                payload=canonical_json(ev.payload),
                ttl=expires,
            )
            items.append((out, OutboxRecord.pk.does_not_exist(), "event", ev.event_id, "version"))
        for doc in changes.documents:
            d = DocumentRecord(
                contract_pk(doc.contract_id),
                f"DOC#{doc.key}",
                kind="document",
                doc_key=doc.key,
                html=doc.html,
                sha256=doc.sha256,
            )
            items.append((d, DocumentRecord.pk.does_not_exist(), "document", f"{doc.contract_id}/{doc.key}", "exists"))
        for inv in changes.new_invoices:
            inv.version = 1
            items.append((_invoice_record(inv), InvoiceRecord.pk.does_not_exist(), "invoice", inv.key, "exists"))
        for inv, expected in changes.updated_invoices:
            inv.version = expected + 1
            items.append((_invoice_record(inv), InvoiceRecord.version == expected, "invoice", inv.key, "version"))
        for tok in changes.new_tokens:
            items.append((_token_record(tok), TokenRecord.pk.does_not_exist(), "token", tok.token_id, "exists"))
        for tok, expected_status in changes.updated_tokens:
            items.append((_token_record(tok), TokenRecord.status == expected_status, "token", tok.token_id, "version"))
        for pay in changes.payments:
            claim = UniqueRecord(
                f"VOUCHER#{pay.voucher_no}", "UNIQUE", kind="unique", ref=pay.contract_id, at=pay.recorded_at
            )
            items.append((claim, UniqueRecord.pk.does_not_exist(), "voucher", pay.voucher_no, "exists"))
            p = PaymentItem(
                contract_pk(pay.contract_id),
                f"PAYMENT#{pay.voucher_no}",
                kind="payment",
                voucher_no=pay.voucher_no,
                amount=money_str(pay.amount),
                paid_on=pay.paid_on.isoformat(),
                method=pay.method,
                recorded_at=pay.recorded_at,
                recorded_by=pay.recorded_by,
                allocations=canonical_json(pay.allocations),
                seq=pay.seq,
                applies_to=canonical_json(designations_to_list(pay.applies_to)),
            )
            items.append((p, PaymentItem.pk.does_not_exist(), "payment", pay.voucher_no, "exists"))
        for fact in changes.facts:
            body = fact_to_dict(fact)
            seq = int(body["seq"])
            if body["type"] == "refund":
                at = changes.audit[0].at if changes.audit else None
                claim = UniqueRecord(f"VOUCHER#{body['voucher_no']}", "UNIQUE", kind="unique", ref=c.id, at=at)
                items.append((claim, UniqueRecord.pk.does_not_exist(), "voucher", body["voucher_no"], "exists"))
            f = LedgerFactRecord(contract_pk(c.id), f"LEDGER#{seq:06d}", kind="ledger", type=body["type"])
            f.body = canonical_json(body)
            items.append((f, LedgerFactRecord.pk.does_not_exist(), "ledger_fact", f"{c.id}#{seq}", "version"))
        if changes.receivable is not None:
            items.append((_ledger_state_record(changes.receivable), None, "ledger_state", c.id, "version"))
        for alert in changes.alerts:
            key = f"{alert.contract_id}#{alert.year:03d}#{alert.level}"
            mark = UniqueRecord(f"ALERT#{key}", "UNIQUE", kind="unique", ref=alert.contract_id, at=alert.at)
            items.append((mark, UniqueRecord.pk.does_not_exist(), "alert", key, "exists"))
        try:
            with TransactWrite(connection=self._conn()) as tx:
                for record, condition, *_ in items:
                    tx.save(record, condition=condition)  # None: unconditional (guarded by the contract's version)
        except TransactWriteError as exc:
            c.version = changes.expected_version or 0
            raise self._translate(exc, items) from None

    @staticmethod
    def _translate(exc: TransactWriteError, items: list[tuple[BaseRecord, Any, str, str, str]]) -> Exception:
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
        from chalicelib.adapters import migration_reads

        return migration_reads.scan_contract_ids()

    def receivable_mark(self, contract_id: str) -> ReceivableMark | None:
        self._conn()
        from chalicelib.adapters import migration_reads

        return migration_reads.receivable_mark(contract_id)

    def set_payment_seqs(self, contract_id: str, seqs: dict[str, int]) -> None:
        self._conn()
        from chalicelib.adapters import migration_reads

        migration_reads.set_payment_seqs(contract_id, seqs)


def to_decimal(value: Any) -> Decimal:
    return to_money(str(value))
