"""PynamoDB records of the single main table. The table design and its access patterns are in
docs/data-model.md; infra/template.yaml declares the same keys and indexes (a test keeps them equal)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.settings import Settings

BY_STATUS = "by_status"
SCHEDULE = "schedule"
LIFECYCLE = "lifecycle"
RECEIVABLES = "receivables"

# Partition values of the sparse schedule indexes (one GSI serves several "due" queues).
NEXT_INVOICE = "NEXT_INVOICE"
OPEN_INVOICE = "OPEN_INVOICE"
LIFECYCLE_DUE = "LIFECYCLE_DUE"
OBLIGATION_DUE = "OBLIGATION_DUE"  # contracts whose obligations the daily job must look at (sk DUTIES)
AUDITED = "AUDITED"  # the lifecycle index's partition of audit entries, by time written (see AuditRecord)
RECEIVABLE = "RECEIVABLE"  # the receivables index's partition, and the sort key of a contract's item in it
# A contract's ledger is every item between these sort keys (invoices, ledger facts, the contract itself and its
# payments): one Query reads it. The contract's receivables-index item (sk RECEIVABLE) sorts after, outside it.
LEDGER_SK_FROM = "INVOICE#"
LEDGER_SK_TO = "PAYMENT#\uffff"


class _Meta:
    table_name = "unbound"  # set by bind_records(); no model is used before it
    region: str | None = None
    host: str | None = None
    max_retry_attempts = 3


class BaseRecord(Model):
    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()


class ByStatusIndex(GlobalSecondaryIndex["ContractRecord"]):
    class Meta:
        index_name = BY_STATUS
        projection = IncludeProjection(["listing"])

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class ContractScheduleIndex(GlobalSecondaryIndex["ContractRecord"]):
    class Meta:
        index_name = SCHEDULE
        projection = AllProjection()

    s1pk = UnicodeAttribute(hash_key=True)
    s1sk = UnicodeAttribute(range_key=True)


class LifecycleIndex(GlobalSecondaryIndex["ContractRecord"]):
    class Meta:
        index_name = LIFECYCLE
        projection = KeysOnlyProjection()

    s2pk = UnicodeAttribute(hash_key=True)
    s2sk = UnicodeAttribute(range_key=True)


class ReceivablesIndex(GlobalSecondaryIndex["ContractRecord"]):
    class Meta:
        index_name = RECEIVABLES
        projection = KeysOnlyProjection()

    r1pk = UnicodeAttribute(hash_key=True)
    r1sk = UnicodeAttribute(range_key=True)


class ContractRecord(BaseRecord):
    """pk CONTRACT#<id>, sk META; the aggregate body (canonical JSON, zlib-compressed: adapters/packing.py) plus
    only what a condition, an index key or a projection needs. Items written before compression have `body`
    instead of `body_z` (and `contract_id`, `contract_no`, `status`, `created_at`, which nothing reads); their next
    write stores the new shape."""

    class Meta(_Meta):
        pass

    version = NumberAttribute()
    body_z = BinaryAttribute(legacy_encoding=False, null=True)
    body = UnicodeAttribute(null=True)  # items written before compression
    listing = UnicodeAttribute()  # the row GET /contracts shows, projected into by_status
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    s1pk = UnicodeAttribute(null=True)
    s1sk = UnicodeAttribute(null=True)
    s2pk = UnicodeAttribute(null=True)
    s2sk = UnicodeAttribute(null=True)
    r1pk = UnicodeAttribute(null=True)  # RECEIVABLE#<shard> once the contract was receivable
    r1sk = UnicodeAttribute(null=True)  # Contract.receivable_until
    by_status = ByStatusIndex()
    schedule = ContractScheduleIndex()
    lifecycle = LifecycleIndex()
    receivables = ReceivablesIndex()


class InvoiceScheduleIndex(GlobalSecondaryIndex["InvoiceRecord"]):
    class Meta:
        index_name = SCHEDULE
        projection = AllProjection()

    s1pk = UnicodeAttribute(hash_key=True)
    s1sk = UnicodeAttribute(range_key=True)


class InvoiceRecord(BaseRecord):
    """pk CONTRACT#<id>, sk INVOICE#<year:03d>; open ones carry s1pk OPEN_INVOICE, s1sk <due date>#..."""

    class Meta(_Meta):
        pass

    contract_id = UnicodeAttribute()
    year = NumberAttribute()
    status = UnicodeAttribute()
    version = NumberAttribute()
    due_on = UnicodeAttribute()
    amount = UnicodeAttribute()
    body = UnicodeAttribute()
    s1pk = UnicodeAttribute(null=True)
    s1sk = UnicodeAttribute(null=True)
    schedule = InvoiceScheduleIndex()


class TokenRecord(BaseRecord):
    """pk TOKEN#<sha256 of the token>, sk TOKEN."""

    class Meta(_Meta):
        pass

    token_id = UnicodeAttribute()
    contract_id = UnicodeAttribute()
    subject = UnicodeAttribute()
    party = UnicodeAttribute()
    email = UnicodeAttribute()
    document_sha256 = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    status = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)


class AuditLifecycleIndex(GlobalSecondaryIndex["AuditRecord"]):
    class Meta:
        index_name = LIFECYCLE
        projection = KeysOnlyProjection()

    s2pk = UnicodeAttribute(hash_key=True)
    s2sk = UnicodeAttribute(range_key=True)


class AuditRecord(BaseRecord):
    """pk CONTRACT#<id>, sk AUDIT#<seq:06d>: the entries one commit appended to the chain, in one item (the first
    in the attributes, any further ones in `more`, a JSON list of the same fields); a chain's first entry of each
    UTC day has s2pk AUDITED#<n>, s2sk <at>#<id>#<seq>: which chains grew since a day began (the anchor function's
    daily question). Items written before a commit's entries were grouped hold one entry each, without `more`."""

    class Meta(_Meta):
        pass

    seq = NumberAttribute()
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    type = UnicodeAttribute()
    data = UnicodeAttribute()
    prev_hash = UnicodeAttribute()
    hash = UnicodeAttribute()
    more = UnicodeAttribute(null=True)  # the commit's further entries: [{seq, at, actor, type, data, prev_hash, hash}]
    s2pk = UnicodeAttribute(null=True)
    s2sk = UnicodeAttribute(null=True)
    lifecycle = AuditLifecycleIndex()


class OutboxRecord(BaseRecord):
    """pk OUTBOX#<first event id>, sk EVENT: the events of one commit as a JSON list (adapters/outbox_codec.py);
    the stream delivers its INSERT to the notifier. Expires via TTL."""

    class Meta(_Meta):
        pass

    contract_id = UnicodeAttribute()
    events = UnicodeAttribute()
    ttl = NumberAttribute()


class DocumentRecord(BaseRecord):
    """pk CONTRACT#<id>, sk DOC#<contract | amendment:N | notice:N>: the rendered HTML as sent, compressed."""

    class Meta(_Meta):
        pass

    doc_key = UnicodeAttribute()
    html_z = BinaryAttribute(legacy_encoding=False, null=True)  # zlib-compressed (adapters/packing.py)
    html = UnicodeAttribute(null=True)  # documents stored before compression
    sha256 = UnicodeAttribute()


class PaymentItem(BaseRecord):
    """pk CONTRACT#<id>, sk PAYMENT#<voucher>."""

    class Meta(_Meta):
        pass

    voucher_no = UnicodeAttribute()
    amount = UnicodeAttribute()
    paid_on = UnicodeAttribute()
    method = UnicodeAttribute()
    recorded_at = UnicodeAttribute()
    recorded_by = UnicodeAttribute()
    allocations = UnicodeAttribute()
    seq = NumberAttribute(null=True)  # recorded order; absent on payments stored before the ledger
    applies_to = UnicodeAttribute(null=True)  # JSON list of {"year", "what"}


class LedgerFactRecord(BaseRecord):
    """pk CONTRACT#<id>, sk LEDGER#<seq:06d>: a fee revision, fee cancellation, waiver, set-off or refund."""

    class Meta(_Meta):
        pass

    type = UnicodeAttribute()
    body = UnicodeAttribute()


class LedgerStateScheduleIndex(GlobalSecondaryIndex["LedgerStateRecord"]):
    class Meta:
        index_name = SCHEDULE
        projection = AllProjection()

    s1pk = UnicodeAttribute(hash_key=True)
    s1sk = UnicodeAttribute(range_key=True)


class LedgerStateRecord(BaseRecord):
    """pk CONTRACT#<id>, sk RECEIVABLE; s1pk RECEIVABLE, s1sk <settled since | 9999-12-31>#<id>: the receivables
    mark as stored before it moved onto the contract item (the `receivables` index). Only the migration reads it,
    and deletes it."""

    class Meta(_Meta):
        pass

    contract_id = UnicodeAttribute()
    settled_since = UnicodeAttribute(null=True)
    s1pk = UnicodeAttribute()
    s1sk = UnicodeAttribute()
    schedule = LedgerStateScheduleIndex()


class PlainScheduleIndex(GlobalSecondaryIndex["PlainRecord"]):
    class Meta:
        index_name = SCHEDULE
        projection = AllProjection()

    s1pk = UnicodeAttribute(hash_key=True)
    s1sk = UnicodeAttribute(range_key=True)


class PlainRecord(BaseRecord):
    """An obligations-area item: pk CONTRACT#<id>, sk DUTY#... / INCIDENT#<no> / DUTIES, or pk SUBMIT#<hash>;
    the body as JSON, and the schedule keys when listed (s1pk OBLIGATION_DUE)."""

    class Meta(_Meta):
        pass

    body = UnicodeAttribute()
    s1pk = UnicodeAttribute(null=True)
    s1sk = UnicodeAttribute(null=True)
    schedule = PlainScheduleIndex()


class UniqueRecord(BaseRecord):
    """Uniqueness claims: VOUCHER#<no>, CONTRACTNO#<no>, ALERT#<contract>#<year>#<level>."""

    class Meta(_Meta):
        pass

    ref = UnicodeAttribute()
    at = UnicodeAttribute(null=True)


class CheckpointRecord(BaseRecord):
    """pk RUN#<job>#<as of>#<run id>, sk SHARD#<n>: how far a fanned-out run got through one index shard (the
    cursor after its last finished page). Expires via TTL."""

    class Meta(_Meta):
        pass

    cursor = UnicodeAttribute()
    processed = NumberAttribute()
    ttl = NumberAttribute()


class ApiKeyRecord(BaseRecord):
    """pk APIKEY#<sha256 of the key>, sk APIKEY; listed in by_status under gsi1pk APIKEYS. Read and written by
    adapters/api_keys.py (plain boto3: the key-management command runs it without the app's settings)."""

    class Meta(_Meta):
        pass

    key_id = UnicodeAttribute(null=True)  # absent on keys stored before named keys
    role = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    listing = UnicodeAttribute(null=True)


ALL_RECORDS: tuple[type[BaseRecord], ...] = (
    BaseRecord,
    ContractRecord,
    InvoiceRecord,
    TokenRecord,
    AuditRecord,
    OutboxRecord,
    DocumentRecord,
    PaymentItem,
    UniqueRecord,
    ApiKeyRecord,
    LedgerFactRecord,
    LedgerStateRecord,
    CheckpointRecord,
    PlainRecord,
)


def bind_records(settings: Settings) -> None:
    """Point every record at the configured table and endpoint (lazily, so imports stay cheap)."""
    for record in ALL_RECORDS:
        meta: Any = record.Meta
        meta.table_name = settings.table_name
        meta.region = settings.region
        meta.host = settings.aws_endpoint_url
        record._connection = None
