"""The interfaces services need from the outside world (repositories, mail, alerts), and the unit of work
that one state change commits atomically. Adapters implement these; unit tests use in-memory fakes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.contract import Contract
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.ledger import Designation, Fact
from chalicelib.services.keys import StaffKey


@dataclass(frozen=True)
class OutboxEvent:
    event_id: str
    type: str
    contract_id: str
    at: str
    actor: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class StoredDocument:
    contract_id: str
    key: str  # contract | amendment:N | notice:N
    html: str
    sha256: str


@dataclass
class SigningToken:
    """The stored side of a signing link: only the hash of the token."""

    token_hash: str
    token_id: str
    contract_id: str
    subject: str  # contract | amendment:N
    party: str
    email: str
    document_sha256: str
    expires_at: str
    status: str = "active"  # active | used | revoked
    used_at: str | None = None


@dataclass(frozen=True)
class PaymentRecord:
    contract_id: str
    voucher_no: str
    amount: Decimal
    paid_on: date
    method: str
    recorded_at: str
    recorded_by: str
    allocations: list[dict[str, Any]]  # where the money went when it was recorded (the ledger may move it later)
    seq: int = 0  # recorded order within the contract (its audit sequence number)
    applies_to: tuple[Designation, ...] = ()


OWED_NOW = date(9999, 12, 31)  # a receivables mark that lists the contract for every day from now on


@dataclass(frozen=True)
class ReceivableMark:
    """The contract's row in the receivables index: listed for any day before `settled_since` (None: still owed
    or credited today). Stored on the contract item (Contract.receivable_until) as its receivables-index key."""

    contract_id: str
    settled_since: date | None

    @property
    def until(self) -> date:
        return self.settled_since or OWED_NOW


def apply_receivable(changes: Changes) -> None:
    """A repository's commit: the mark staged by the ledger's write goes onto the contract it writes."""
    if changes.receivable is not None:
        changes.contract.receivable_until = changes.receivable.until


@dataclass
class LedgerBook:
    """Everything the ledger of one contract is made of, read with one Query: the contract, its invoices (the fee
    facts), its payments and its other facts."""

    contract: Contract
    invoices: dict[int, Invoice]
    payments: list[PaymentRecord]
    facts: list[Fact]


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of one index shard's due items; `cursor` (opaque: the Query's LastEvaluatedKey) resumes after it,
    None when the shard has no more. `after[i]` resumes right after `items[i]` (that item's index and table keys),
    so a worker can stop mid-page; the last item's is `cursor`."""

    items: list[T]
    cursor: str | None
    after: list[str | None]


@dataclass(frozen=True)
class ShardCheckpoint:
    """How far one run of a job got through one shard: the cursor after the last item it saved (a finished page's
    end, or the item a worker stopped after)."""

    run_id: str
    job: str
    as_of: date
    shard: int
    cursor: str
    processed: int


@dataclass(frozen=True)
class AlertMark:
    """Deterministic key invoice#level: written once, so an alert level is sent once."""

    contract_id: str
    year: int
    level: int
    at: str


@dataclass(frozen=True)
class PlainItem:
    """An item of the obligations area (deliveries, marks, incidents, submit tokens, the obligations schedule entry):
    a JSON body under its keys. `create`: written only if absent; `schedule`: (s1pk, s1sk) on the schedule index."""

    pk: str
    sk: str
    kind: str
    body: dict[str, Any]
    create: bool = False
    schedule: tuple[str, str] | None = None


@dataclass
class Changes:
    """Everything one state change writes, in one transaction.

    The contract item is written with a condition on `expected_version` (None: it must not exist yet), so
    concurrent writers of the same contract serialize, and the audit chain stays linear.
    """

    contract: Contract
    expected_version: int | None
    audit: list[AuditEntry] = field(default_factory=list)
    audit_listed: set[int] = field(default_factory=set)  # seqs of the entries the AUDITED index lists
    outbox: list[OutboxEvent] = field(default_factory=list)
    documents: list[StoredDocument] = field(default_factory=list)
    new_invoices: list[Invoice] = field(default_factory=list)
    updated_invoices: list[tuple[Invoice, int]] = field(default_factory=list)
    new_tokens: list[SigningToken] = field(default_factory=list)
    updated_tokens: list[tuple[SigningToken, str]] = field(default_factory=list)  # (token, expected status)
    payments: list[PaymentRecord] = field(default_factory=list)
    alerts: list[AlertMark] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)  # new ledger facts other than fees and payments
    receivable: ReceivableMark | None = None
    items: list[PlainItem] = field(default_factory=list)  # obligations, incidents (services/obligation_store.py)


class Repository(Protocol):
    def get_contract(self, contract_id: str, recent: bool = False) -> Contract:
        """The contract as stored; `recent`: possibly as this process last read or wrote it (a stale copy is safe
        only in a use case run with unit_of_work.run's `recent_first`)."""
        ...

    def find_contract_id_by_no(self, contract_no: str) -> str | None: ...

    def list_contracts(
        self, status: str | None, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]: ...

    def get_document(self, contract_id: str, key: str) -> StoredDocument: ...

    def get_audit(self, contract_id: str) -> list[AuditEntry]: ...

    def get_invoices(self, contract_id: str) -> list[Invoice]: ...

    def get_invoice(self, contract_id: str, year: int) -> Invoice | None: ...

    def get_payments(self, contract_id: str) -> list[PaymentRecord]: ...

    def find_token(self, token_hash: str) -> SigningToken | None: ...

    def voucher_owner(self, voucher_no: str) -> str | None: ...

    # ---- staff keys (services/keys.py's KeyStore) ---------------------------------------------------
    def find_api_key(self, key_hash: str) -> StaffKey | None: ...

    def add_api_key(self, key_hash: str, key: StaffKey) -> None: ...

    def list_api_keys(self) -> list[StaffKey]: ...

    def revoke_api_key(self, key_id: str, at: str) -> StaffKey: ...

    def contracts_to_invoice(self, as_of: date) -> Iterator[Contract]: ...

    def open_invoices_due_before(self, as_of: date) -> Iterator[Invoice]: ...

    def contracts_for_lifecycle(self, as_of: date) -> Iterator[str]: ...

    def open_invoices(self) -> Iterator[Invoice]: ...

    def contracts_with_audit_since(self, at: str) -> Iterator[str]:
        """Contracts with audit entries written at or after `at` (ISO UTC), once or more each."""
        ...

    def load_ledger(self, contract_id: str) -> LedgerBook: ...

    def receivable_contracts(self, as_of: date) -> Iterator[str]: ...

    def commit(self, changes: Changes) -> None: ...

    # ---- one index shard at a time (services/fanout.py) -------------------------------------------------
    def index_shards(self) -> int: ...

    def contracts_to_invoice_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[Contract]: ...

    def open_invoices_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[Invoice]: ...

    def lifecycle_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[str]: ...

    def obligations_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[str]: ...

    def load_checkpoint(self, run_id: str, job: str, as_of: date, shard: int) -> ShardCheckpoint | None: ...

    def save_checkpoint(self, checkpoint: ShardCheckpoint) -> None: ...
    # ---- obligations and incidents (plain items) ------------------------------------------------------
    def query_items(self, pk: str, sk_prefix: str) -> list[PlainItem]: ...

    def get_item(self, pk: str, sk: str) -> PlainItem | None: ...

    def scheduled_items(self, partition: str, through: str) -> Iterator[PlainItem]: ...

    # ---- one-off data migrations (services/migrations.py) -------------------------------------------
    def scan_contract_ids(self) -> Iterator[str]: ...

    def receivable_mark(self, contract_id: str) -> ReceivableMark | None: ...

    def drop_legacy_receivable(self, contract_id: str) -> bool: ...

    def set_payment_seqs(self, contract_id: str, seqs: dict[str, int]) -> None: ...

    def reindex_contract(self, contract_id: str) -> int: ...


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. application/pdf
    data: bytes


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    reply_to: str | None = None
    attachments: tuple[Attachment, ...] = ()  # sent as raw MIME (the signed original of a document in force)


class Mailer(Protocol):
    def send(self, email: Email) -> str: ...


class Publisher(Protocol):
    def publish(self, event_type: str, subject: str, message: dict[str, Any]) -> str: ...
