"""The main table's items for a contract and what hangs off it (audit chain, outbox, documents, invoices, signing
tokens, alert marks): domain objects to PynamoDB records and back, and the conditional writes a commit makes of
them. Ledger items (payments, facts, the receivable mark) are in ledger_items.py."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any, NamedTuple

from chalicelib.adapters import outbox_codec
from chalicelib.adapters.codec import contract_from_dict, contract_listing, contract_to_dict
from chalicelib.adapters.ledger_codec import invoice_from_dict, invoice_to_dict
from chalicelib.adapters.packing import pack, unpack
from chalicelib.adapters.records import (
    AUDITED,
    LIFECYCLE_DUE,
    NEXT_INVOICE,
    OPEN_INVOICE,
    RECEIVABLE,
    AuditRecord,
    BaseRecord,
    ContractRecord,
    DocumentRecord,
    InvoiceRecord,
    OutboxRecord,
    TokenRecord,
    UniqueRecord,
)
from chalicelib.adapters.shards import shard_key
from chalicelib.domain.audit import AuditEntry, canonical_json
from chalicelib.domain.contract import Contract
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.money import money_str
from chalicelib.services.ports import Changes, SigningToken, apply_receivable

OUTBOX_TTL_SECONDS = 14 * 24 * 3600


class PendingWrite(NamedTuple):
    """One item of a commit's transaction, with what its failed condition means."""

    record: BaseRecord
    condition: Any  # None: unconditional (guarded by the contract's version in the same transaction)
    entity: str
    key: str
    on_fail: str  # "exists" → AlreadyExists, "version" → ConcurrentUpdate


def contract_pk(contract_id: str) -> str:
    return f"CONTRACT#{contract_id}"


# ---- records ----------------------------------------------------------------------------------------------
def contract_record(c: Contract) -> ContractRecord:
    rec = ContractRecord(contract_pk(c.id), "META")
    rec.kind = "contract"
    rec.version = c.version
    rec.body_z = pack(canonical_json(contract_to_dict(c)))
    rec.listing = canonical_json(contract_listing(c))
    rec.gsi1pk = f"STATUS#{c.status}"
    rec.gsi1sk = f"{c.created_at}#{c.id}"
    next_invoice = c.next_invoice_on()
    rec.s1pk = shard_key(NEXT_INVOICE, c.id) if next_invoice else None
    rec.s1sk = f"{next_invoice.isoformat()}#{c.id}" if next_invoice else None
    next_life = c.next_lifecycle_on()
    rec.s2pk = shard_key(LIFECYCLE_DUE, c.id) if next_life else None
    rec.s2sk = f"{next_life.isoformat()}#{c.id}" if next_life else None
    # Keys-only index: every write rewrites the contract anyway, so the mark costs no item of its own and an
    # unchanged mark no index write.
    rec.r1pk = shard_key(RECEIVABLE, c.id) if c.receivable_until else None
    rec.r1sk = c.receivable_until.isoformat() if c.receivable_until else None
    return rec


def contract_from(rec: ContractRecord) -> Contract:
    """The aggregate of a stored contract item (compressed body, or the plain one of an item written before)."""
    contract = contract_from_dict(json.loads(unpack(rec.body_z, rec.body, f"contract {rec.pk}")))
    # The indexed attribute is the source of truth for optimistic locking.
    contract.version = int(rec.version)
    return contract


def invoice_record(inv: Invoice) -> InvoiceRecord:
    rec = InvoiceRecord(contract_pk(inv.contract_id), f"INVOICE#{inv.year:03d}")
    rec.kind = "invoice"
    rec.contract_id = inv.contract_id
    rec.year = inv.year
    rec.status = inv.status
    rec.version = inv.version
    rec.due_on = inv.due_on.isoformat()
    rec.amount = money_str(inv.amount)
    rec.body = canonical_json(invoice_to_dict(inv))
    rec.s1pk = shard_key(OPEN_INVOICE, inv.contract_id) if inv.is_open else None
    rec.s1sk = f"{inv.due_on.isoformat()}#{inv.contract_id}#{inv.year:03d}" if inv.is_open else None
    return rec


def invoice_from(rec: InvoiceRecord) -> Invoice:
    inv = invoice_from_dict(json.loads(rec.body))
    inv.version = int(rec.version)
    return inv


def token_record(t: SigningToken) -> TokenRecord:
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


def token_from(rec: TokenRecord) -> SigningToken:
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


def audit_from(rec: AuditRecord, contract_id: str) -> list[AuditEntry]:
    """The entries of one audit item: its own, then those of `more` (the same commit's further entries)."""
    first = AuditEntry(
        contract_id=contract_id,
        seq=int(rec.seq),
        at=rec.at,
        actor=rec.actor,
        type=rec.type,
        data=_json_or_marker(rec.data),
        prev_hash=rec.prev_hash,
        hash=rec.hash,
    )
    return [first] if rec.more is None else [first, *_further(rec.more, contract_id, first.seq)]


def _further(raw: str, contract_id: str, seq: int) -> list[AuditEntry]:
    """The item's `more`; if it no longer parses, one entry saying so, where verification will report the break."""
    try:
        further = json.loads(raw)
        return [AuditEntry(contract_id=contract_id, **entry) for entry in further]
    except (ValueError, TypeError):
        return [AuditEntry(contract_id, seq + 1, "", "", "unreadable", {"unreadable": raw}, "", "")]


# ---- the writes of one commit -----------------------------------------------------------------------------
def contract_writes(changes: Changes) -> Iterator[PendingWrite]:
    """The contract at its next version: a new one claims its contract number, a changed one is conditioned on the
    version it was read at (which serializes every writer of the contract)."""
    c = changes.contract
    c.version = 1 if changes.expected_version is None else changes.expected_version + 1
    apply_receivable(changes)
    rec = contract_record(c)
    if changes.expected_version is None:
        yield PendingWrite(rec, ContractRecord.pk.does_not_exist(), "contract", c.id, "exists")
        claim = UniqueRecord(f"CONTRACTNO#{c.contract_no}", "UNIQUE", kind="unique", ref=c.id, at=c.created_at)
        yield PendingWrite(claim, UniqueRecord.pk.does_not_exist(), "contract_no", c.contract_no, "exists")
    else:
        yield PendingWrite(rec, ContractRecord.version == changes.expected_version, "contract", c.id, "version")


def audit_writes(changes: Changes) -> Iterator[PendingWrite]:
    """The commit's entries in one item, keyed by the first one's seq: a commit that raises two events (a signing
    that makes the contract effective) writes one audit item, not two. Only a chain's first entry of a day is
    listed in the lifecycle index (ports.Changes.audit_listed); a commit's entries share one instant, so that can
    only be the item's first."""
    if not changes.audit:
        return
    c = changes.contract
    entry, *further = changes.audit
    listed = entry.seq in changes.audit_listed
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
        more=canonical_json([_entry_fields(e) for e in further]) if further else None,
        s2pk=shard_key(AUDITED, c.id) if listed else None,
        s2sk=f"{entry.at}#{c.id}#{entry.seq:06d}" if listed else None,
    )
    yield PendingWrite(audit, AuditRecord.pk.does_not_exist(), "audit", f"{c.id}#{entry.seq}", "version")


def _entry_fields(entry: AuditEntry) -> dict[str, Any]:
    """An entry as `more` holds it: every field but the contract id (the item's key has it)."""
    return {name: value for name, value in asdict(entry).items() if name != "contract_id"}


def outbox_writes(changes: Changes) -> Iterator[PendingWrite]:
    """The commit's events in one outbox item (adapters/outbox_codec.py), keyed by the first event's id."""
    expires = int(time.time()) + OUTBOX_TTL_SECONDS
    for first, events in outbox_codec.pack(changes.outbox):
        out = OutboxRecord(
            f"OUTBOX#{first.event_id}",
            "EVENT",
            kind="outbox",
            contract_id=first.contract_id,
            events=events,
            ttl=expires,
        )
        yield PendingWrite(out, OutboxRecord.pk.does_not_exist(), "event", first.event_id, "version")


def document_writes(changes: Changes) -> Iterator[PendingWrite]:
    for doc in changes.documents:
        rec = DocumentRecord(
            contract_pk(doc.contract_id),
            f"DOC#{doc.key}",
            kind="document",
            doc_key=doc.key,
            html_z=pack(doc.html),
            sha256=doc.sha256,
        )
        key = f"{doc.contract_id}/{doc.key}"
        yield PendingWrite(rec, DocumentRecord.pk.does_not_exist(), "document", key, "exists")


def invoice_writes(changes: Changes) -> Iterator[PendingWrite]:
    for inv in changes.new_invoices:
        inv.version = 1
        yield PendingWrite(invoice_record(inv), InvoiceRecord.pk.does_not_exist(), "invoice", inv.key, "exists")
    for inv, expected in changes.updated_invoices:
        inv.version = expected + 1
        yield PendingWrite(invoice_record(inv), InvoiceRecord.version == expected, "invoice", inv.key, "version")


def token_writes(changes: Changes) -> Iterator[PendingWrite]:
    for tok in changes.new_tokens:
        yield PendingWrite(token_record(tok), TokenRecord.pk.does_not_exist(), "token", tok.token_id, "exists")
    for tok, expected_status in changes.updated_tokens:
        yield PendingWrite(token_record(tok), TokenRecord.status == expected_status, "token", tok.token_id, "version")


def alert_writes(changes: Changes) -> Iterator[PendingWrite]:
    """One mark per invoice and level, written once: an alert level goes out once."""
    for alert in changes.alerts:
        key = f"{alert.contract_id}#{alert.year:03d}#{alert.level}"
        mark = UniqueRecord(f"ALERT#{key}", "UNIQUE", kind="unique", ref=alert.contract_id, at=alert.at)
        yield PendingWrite(mark, UniqueRecord.pk.does_not_exist(), "alert", key, "exists")
