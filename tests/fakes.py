"""In-memory fakes of the adapters' interfaces (services/ports.py) for unit tests, and small factories.

`FakeRepository` emulates the single DynamoDB table item by item (same keys, same conditions, same errors, same
version bumps, same sparse indexes), so tests/unit/test_repository_contract.py can run one class of tests
against it and against the real DynamoRepository on moto: the fake cannot drift from the adapter unnoticed.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from chalicelib.adapters import outbox_codec
from chalicelib.adapters.codec import contract_from_dict, contract_listing, contract_to_dict
from chalicelib.adapters.ledger_codec import (
    designations_from_list,
    designations_to_list,
    fact_from_dict,
    fact_to_dict,
    invoice_from_dict,
    invoice_to_dict,
)
from chalicelib.adapters.outbox_codec import event_dict, events_from_image
from chalicelib.adapters.packing import pack, unpack
from chalicelib.adapters.shards import rekeyed, shard_key
from chalicelib.domain.audit import AuditEntry, canonical_json
from chalicelib.domain.contract import CONTRACT_TRANSITIONS, Contract, Signature, SigningLink
from chalicelib.domain.errors import AlreadyExists, ConcurrentUpdate, NotFound
from chalicelib.domain.invoice import Allocation, Invoice
from chalicelib.domain.money import money_str, to_money
from chalicelib.domain.terms import Party, Terms
from chalicelib.services.keys import StaffKey
from chalicelib.services.ports import (
    Changes,
    Email,
    LedgerBook,
    OutboxEvent,
    Page,
    PaymentRecord,
    PlainItem,
    ReceivableMark,
    ShardCheckpoint,
    SigningToken,
    StoredDocument,
    apply_receivable,
)
from tests.factories import contract_body

# The partition values of the table's sparse indexes (docs/data-model.md).
NEXT_INVOICE = "NEXT_INVOICE"
OPEN_INVOICE = "OPEN_INVOICE"
LIFECYCLE_DUE = "LIFECYCLE_DUE"
RECEIVABLE = "RECEIVABLE"
# DynamoDB's TransactWriteItems limit.
MAX_TRANSACTION_ITEMS = 100

Key = tuple[str, str]
Item = dict[str, Any]


class InvalidTransaction(Exception):
    """What DynamoDB refuses before evaluating any condition (two operations on one item, more than 100
    items). The real adapter surfaces pynamodb's TransactWriteError here; the Repository Protocol names none."""


@dataclass
class _Op:
    key: Key
    item: Item
    condition: Callable[[Item | None], bool]
    entity: str
    ref: str
    on_fail: str  # exists -> AlreadyExists, version -> ConcurrentUpdate


def _absent(current: Item | None) -> bool:
    return current is None


def _attr_equals(name: str, expected: Any) -> Callable[[Item | None], bool]:
    def check(current: Item | None) -> bool:
        return current is not None and current.get(name) == expected

    return check


def contract_pk(contract_id: str) -> str:
    return f"CONTRACT#{contract_id}"


def _encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


def _decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValueError("cursor is not valid") from None


class FakeRepository:
    """The Repository Protocol in memory.

    Counters: `reads[operation]` counts calls of each read method (a query counts when iteration starts, as a
    lazy DynamoDB query would), `items_read[operation]` the items those calls returned, `writes["commit"]`
    successful commits and `writes[entity]` the items they wrote. `failed_commits` counts refused commits.
    """

    def __init__(self, shards: int = 4, previous_shards: int | None = None) -> None:
        # Index keys are write-sharded like the adapter's (adapters/shards.py), with a count of its own.
        self.shards = shards
        self.previous_shards = previous_shards
        self._items: dict[Key, Item] = {}
        self._checkpoints: dict[tuple[str, str, date, int], ShardCheckpoint] = {}
        self._stream: list[OutboxEvent] = []
        self.reads: Counter[str] = Counter()
        self.items_read: Counter[str] = Counter()
        self.writes: Counter[str] = Counter()
        self.failed_commits = 0
        # get_contract(recent=True) answers these (a test's stand-in for a copy another process made stale).
        self.stale: dict[str, Item] = {}

    def make_stale(self, contract_id: str) -> None:
        """From now on a `recent` read of the contract returns it as it is now, whatever is committed later."""
        self.stale[contract_id] = dict(self._items[(contract_pk(contract_id), "META")])

    # ---- test helpers -------------------------------------------------------------------------------
    def reset_counters(self) -> None:
        self.reads.clear()
        self.items_read.clear()
        self.writes.clear()
        self.failed_commits = 0

    @property
    def total_reads(self) -> int:
        return sum(self.reads.values())

    def snapshot(self) -> dict[Key, Item]:
        """A deep copy of every stored item: compare two snapshots to assert that nothing was written."""
        return copy.deepcopy(self._items)

    @property
    def outbox(self) -> list[OutboxEvent]:
        """Every outbox event in commit order (what the table's stream delivers to the notifier)."""
        return [self._outbox_event(json.loads(canonical_json(event_dict(ev)))) for ev in self._stream]

    def events(self, type_: str | None = None, contract_id: str | None = None) -> list[OutboxEvent]:
        return [
            ev
            for ev in self.outbox
            if (type_ is None or ev.type == type_) and (contract_id is None or ev.contract_id == contract_id)
        ]

    def raw_item(self, pk: str, sk: str) -> Item:
        """The stored item itself, for tests that play someone with write access to the table."""
        return self._items[(pk, sk)]

    def alert_keys(self) -> list[str]:
        return sorted(pk.removeprefix("ALERT#") for pk, _ in self._items if pk.startswith("ALERT#"))

    # ---- reads --------------------------------------------------------------------------------------
    def _read(self, operation: str, items: int = 1) -> None:
        self.reads[operation] += 1
        self.items_read[operation] += items

    def get_contract(self, contract_id: str, recent: bool = False) -> Contract:
        if recent and contract_id in self.stale:  # a copy another process has since changed (set by a test)
            return _contract_from(self.stale[contract_id])
        item = self._items.get((contract_pk(contract_id), "META"))
        self._read("get_contract", 0 if item is None else 1)
        if item is None:
            raise NotFound("contract", contract_id)
        return _contract_from(item)

    def find_contract_id_by_no(self, contract_no: str) -> str | None:
        item = self._items.get((f"CONTRACTNO#{contract_no}", "UNIQUE"))
        self._read("find_contract_id_by_no", 0 if item is None else 1)
        return None if item is None else str(item["ref"])

    def list_contracts(
        self, status: str | None, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        statuses = {status} if status else set(CONTRACT_TRANSITIONS)
        before = _decode_cursor(cursor) if cursor else None
        found = sorted(
            (
                item
                for (_, sk), item in self._items.items()
                if sk == "META"
                and item.get("kind") == "contract"
                and item["gsi1pk"].removeprefix("STATUS#") in statuses
                and (before is None or item["gsi1sk"] < before)
            ),
            key=lambda item: item["gsi1sk"],
            reverse=True,
        )
        page = found[:limit]
        self._read("list_contracts", len(page))
        next_cursor = _encode_cursor(page[-1]["gsi1sk"]) if len(found) > limit and page else None
        return [json.loads(item["listing"]) for item in page], next_cursor

    def get_document(self, contract_id: str, key: str) -> StoredDocument:
        item = self._items.get((contract_pk(contract_id), f"DOC#{key}"))
        self._read("get_document", 0 if item is None else 1)
        if item is None:
            raise NotFound("document", f"{contract_id}/{key}")
        html = unpack(item.get("html_z"), item.get("html"), f"document {contract_id}/{key}")
        return StoredDocument(contract_id, item["doc_key"], html, item["sha256"])

    def _partition(self, contract_id: str, prefix: str) -> list[Item]:
        pk = contract_pk(contract_id)
        return [self._items[key] for key in sorted(k for k in self._items if k[0] == pk and k[1].startswith(prefix))]

    def get_audit(self, contract_id: str) -> list[AuditEntry]:
        items = self._partition(contract_id, "AUDIT#")
        self._read("get_audit", len(items))
        return [
            AuditEntry(
                contract_id=contract_id,
                seq=int(i["seq"]),
                at=i["at"],
                actor=i["actor"],
                type=i["type"],
                data=_json_or_marker(i["data"]),
                prev_hash=i["prev_hash"],
                hash=i["hash"],
            )
            for i in items
        ]

    def get_invoices(self, contract_id: str) -> list[Invoice]:
        items = self._partition(contract_id, "INVOICE#")
        self._read("get_invoices", len(items))
        return [self._invoice_from(i) for i in items]

    def get_invoice(self, contract_id: str, year: int) -> Invoice | None:
        item = self._items.get((contract_pk(contract_id), f"INVOICE#{year:03d}"))
        self._read("get_invoice", 0 if item is None else 1)
        return None if item is None else self._invoice_from(copy.deepcopy(item))

    @staticmethod
    def _invoice_from(item: Item) -> Invoice:
        invoice = invoice_from_dict(json.loads(item["body"]))
        invoice.version = int(item["version"])
        return invoice

    def get_payments(self, contract_id: str) -> list[PaymentRecord]:
        items = self._partition(contract_id, "PAYMENT#")
        self._read("get_payments", len(items))
        return [_payment_from(i, contract_id) for i in items]

    def load_ledger(self, contract_id: str) -> LedgerBook:
        """One Query: the partition's items from INVOICE# to PAYMENT# (the contract and ledger facts between)."""
        pk = contract_pk(contract_id)
        keys = sorted(k for k in self._items if k[0] == pk and "INVOICE#" <= k[1] <= "PAYMENT#\uffff")
        items = [(k[1], copy.deepcopy(self._items[k])) for k in keys]
        self._read("load_ledger", len(items))
        contract = None
        invoices: dict[int, Invoice] = {}
        payments: list[PaymentRecord] = []
        facts = []
        for sk, item in items:
            if sk == "META":
                contract = _contract_from(item)
            elif sk.startswith("INVOICE#"):
                inv = self._invoice_from(item)
                invoices[inv.year] = inv
            elif sk.startswith("PAYMENT#"):
                payments.append(_payment_from(item, contract_id))
            elif sk.startswith("LEDGER#"):
                facts.append(fact_from_dict(json.loads(item["body"])))
        if contract is None:
            raise NotFound("contract", contract_id)
        return LedgerBook(contract, invoices, payments, facts)

    def receivable_contracts(self, as_of: date) -> Iterator[str]:
        for item in self._index("receivable_contracts", RECEIVABLE, "r1sk", as_of.isoformat(), above=True):
            yield str(item["_key"][0]).removeprefix("CONTRACT#")

    def find_token(self, token_hash: str) -> SigningToken | None:
        item = self._items.get((f"TOKEN#{token_hash}", "TOKEN"))
        self._read("find_token", 0 if item is None else 1)
        if item is None:
            return None
        return SigningToken(
            token_hash=token_hash,
            token_id=item["token_id"],
            contract_id=item["contract_id"],
            subject=item["subject"],
            party=item["party"],
            email=item["email"],
            document_sha256=item["document_sha256"],
            expires_at=item["expires_at"],
            status=item["status"],
            used_at=item["used_at"],
        )

    def voucher_owner(self, voucher_no: str) -> str | None:
        item = self._items.get((f"VOUCHER#{voucher_no}", "UNIQUE"))
        self._read("voucher_owner", 0 if item is None else 1)
        return None if item is None else str(item["ref"])

    def find_api_key(self, key_hash: str) -> StaffKey | None:
        item = self._items.get((f"APIKEY#{key_hash}", "APIKEY"))
        self._read("find_api_key", 0 if item is None else 1)
        return None if item is None else _staff_key(key_hash, item)

    def add_api_key(self, key_hash: str, key: StaffKey) -> None:
        if (f"APIKEY#{key_hash}", "APIKEY") in self._items:
            raise AlreadyExists("apikey", key.key_id)
        self._items[(f"APIKEY#{key_hash}", "APIKEY")] = {"kind": "apikey", **_key_item(key)}
        self.writes["put_api_key"] += 1

    def list_api_keys(self) -> list[StaffKey]:
        found = [(pk, i) for (pk, _), i in self._items.items() if pk.startswith("APIKEY#") and i.get("key_id")]
        self._read("list_api_keys", len(found))
        return [_staff_key(pk.removeprefix("APIKEY#"), item) for pk, item in found]

    def revoke_api_key(self, key_id: str, at: str) -> StaffKey:
        for (pk, _), item in self._items.items():
            if pk.startswith("APIKEY#") and item.get("key_id") == key_id:
                if item.get("revoked_at") is None:
                    item["revoked_at"] = at
                    self.writes["revoke_api_key"] += 1
                return _staff_key(pk.removeprefix("APIKEY#"), item)
        raise NotFound("key", key_id)

    def index_shards(self) -> int:
        return max(self.shards, self.previous_shards or 0)

    def _shard(self, partition: str, shard: int, sk_attr: str, bound: str | None, above: bool = False) -> list[Item]:
        """One shard of a sparse index: items whose partition attribute is `<partition>#<shard>`, by sort key (then
        table key, as an index orders equal sort keys), sort key < `bound` (> `bound` if `above`)."""
        pk_attr = sk_attr[:-2] + "pk"
        wanted = f"{partition}#{shard}"

        def within(value: str) -> bool:
            return bound is None or (value > bound if above else value < bound)

        return sorted(
            (
                {**item, "_key": list(key)}
                for key, item in self._items.items()
                if item.get(pk_attr) == wanted and within(item[sk_attr])
            ),
            key=lambda item: (item[sk_attr], *item["_key"]),
        )

    def _index(
        self, operation: str, partition: str, sk_attr: str, bound: str | None, above: bool = False
    ) -> list[Item]:
        """A sparse index query over every shard, merged by sort key."""
        items = sorted(
            (i for n in range(self.index_shards()) for i in self._shard(partition, n, sk_attr, bound, above)),
            key=lambda item: item[sk_attr],
        )
        self._read(operation, len(items))
        return copy.deepcopy(items)

    def _page(
        self, operation: str, partition: str, shard: int, sk_attr: str, below: str, cursor: str | None, limit: int
    ) -> tuple[list[Item], str | None, list[str | None]]:
        """Like a Query with Limit and ExclusiveStartKey: a cursor whenever the limit was reached, and each item's
        own key (which resumes right after it; the last one's is the page's cursor)."""
        start = json.loads(cursor) if cursor else None
        items = [
            i
            for i in self._shard(partition, shard, sk_attr, below)
            if start is None or [i[sk_attr], *i["_key"]] > start
        ]
        page = items[:limit]
        self._read(operation, len(page))
        after: list[str | None] = [json.dumps([i[sk_attr], *i["_key"]]) for i in page]
        next_cursor = after[-1] if len(page) == limit else None
        if after:
            after[-1] = next_cursor
        return copy.deepcopy(page), next_cursor, after

    def contracts_to_invoice(self, as_of: date) -> Iterator[Contract]:
        bound = (as_of + timedelta(days=1)).isoformat()
        for item in self._index("contracts_to_invoice", NEXT_INVOICE, "s1sk", bound):
            yield _contract_from(item)

    def open_invoices_due_before(self, as_of: date) -> Iterator[Invoice]:
        for item in self._index("open_invoices_due_before", OPEN_INVOICE, "s1sk", as_of.isoformat()):
            yield self._invoice_from(item)

    def open_invoices(self) -> Iterator[Invoice]:
        for item in self._index("open_invoices", OPEN_INVOICE, "s1sk", None):
            yield self._invoice_from(item)

    def contracts_for_lifecycle(self, as_of: date) -> Iterator[str]:
        bound = (as_of + timedelta(days=1)).isoformat()
        for item in self._index("contracts_for_lifecycle", LIFECYCLE_DUE, "s2sk", bound):
            yield str(item["_key"][0]).removeprefix("CONTRACT#")

    def contracts_to_invoice_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[Contract]:
        bound = (as_of + timedelta(days=1)).isoformat()
        items, nxt, after = self._page("contracts_to_invoice_page", NEXT_INVOICE, shard, "s1sk", bound, cursor, limit)
        return Page([_contract_from(i) for i in items], nxt, after)

    def open_invoices_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[Invoice]:
        items, nxt, after = self._page(
            "open_invoices_page", OPEN_INVOICE, shard, "s1sk", as_of.isoformat(), cursor, limit
        )
        return Page([self._invoice_from(i) for i in items], nxt, after)

    def lifecycle_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[str]:
        bound = (as_of + timedelta(days=1)).isoformat()
        items, nxt, after = self._page("lifecycle_page", LIFECYCLE_DUE, shard, "s2sk", bound, cursor, limit)
        return Page([str(i["_key"][0]).removeprefix("CONTRACT#") for i in items], nxt, after)

    def obligations_page(self, as_of: date, shard: int, cursor: str | None, limit: int) -> Page[str]:
        bound = (as_of + timedelta(days=1)).isoformat()  # sort keys are `<day>#<id>`
        items, nxt, after = self._page("obligations_page", "OBLIGATION_DUE", shard, "s1sk", bound, cursor, limit)
        return Page([str(json.loads(i["body"])["contract_id"]) for i in items], nxt, after)

    def load_checkpoint(self, run_id: str, job: str, as_of: date, shard: int) -> ShardCheckpoint | None:
        self._read("load_checkpoint")
        return self._checkpoints.get((run_id, job, as_of, shard))

    def save_checkpoint(self, checkpoint: ShardCheckpoint) -> None:
        key = (checkpoint.run_id, checkpoint.job, checkpoint.as_of, checkpoint.shard)
        stored = self._checkpoints.get(key)
        if stored is None or stored.processed < checkpoint.processed:  # only ever forward, like the adapter
            self._checkpoints[key] = checkpoint
            self.writes["checkpoint"] += 1

    # ---- obligations and incidents (plain items, like adapters/plain_items.py) ------------------------------
    @staticmethod
    def _plain(key: Key, item: Item) -> PlainItem:
        schedule = (item["s1pk"], item["s1sk"]) if item.get("s1pk") else None
        return PlainItem(key[0], key[1], item["kind"], json.loads(item["body"]), schedule=schedule)

    def query_items(self, pk: str, sk_prefix: str) -> list[PlainItem]:
        keys = sorted(k for k in self._items if k[0] == pk and k[1].startswith(sk_prefix))
        self._read("query_items", len(keys))
        return [self._plain(k, self._items[k]) for k in keys]

    def get_item(self, pk: str, sk: str) -> PlainItem | None:
        item = self._items.get((pk, sk))
        self._read("get_item", 0 if item is None else 1)
        return None if item is None else self._plain((pk, sk), item)

    def scheduled_items(self, partition: str, through: str) -> Iterator[PlainItem]:
        # a sharded base (OBLIGATION_DUE) reads every shard, merged by sort key, like adapters/shard_reads.py
        wanted = {f"{partition}#{n}" for n in range(self.index_shards())} if rekeyed(partition, "") else {partition}
        keys = sorted(
            (k for k, i in self._items.items() if i.get("s1pk") in wanted and i.get("s1sk", "") <= through),
            key=lambda k: (self._items[k]["s1sk"], k),
        )
        self._read("scheduled_items", len(keys))
        for k in keys:
            yield self._plain(k, copy.deepcopy(self._items[k]))

    # ---- the one write path -------------------------------------------------------------------------
    def contracts_with_audit_since(self, at: str) -> Iterator[str]:
        # AUDITED#<n> (every shard read), in the order written, like the adapter's merged Query
        keys = {f"AUDITED#{n}" for n in range(self.index_shards())}
        entries = sorted(
            (i["s2sk"], pk) for (pk, _), i in self._items.items() if i.get("s2pk") in keys and i["s2sk"] >= at
        )
        found = [pk for _, pk in entries]
        self._read("contracts_with_audit_since", len(found))
        yield from (pk.removeprefix("CONTRACT#") for pk in found)

    def commit(self, changes: Changes) -> None:
        """All or nothing, with DynamoRepository.commit's conditions, errors and version bumps."""
        c = changes.contract
        c.version = 1 if changes.expected_version is None else changes.expected_version + 1
        ops: list[_Op] = []
        apply_receivable(changes)  # the mark rides on the contract item, like the adapter's
        contract_item = _contract_item(c, self.shards)
        if changes.expected_version is None:
            ops.append(_Op((contract_pk(c.id), "META"), contract_item, _absent, "contract", c.id, "exists"))
            claim = {"kind": "unique", "ref": c.id, "at": c.created_at}
            ops.append(
                _Op((f"CONTRACTNO#{c.contract_no}", "UNIQUE"), claim, _absent, "contract_no", c.contract_no, "exists")
            )
        else:
            ops.append(
                _Op(
                    (contract_pk(c.id), "META"),
                    contract_item,
                    _attr_equals("version", changes.expected_version),
                    "contract",
                    c.id,
                    "version",
                )
            )
        for entry in changes.audit:
            audit = {
                "kind": "audit",
                "seq": entry.seq,
                "at": entry.at,
                "actor": entry.actor,
                "type": entry.type,
                "data": canonical_json(entry.data),
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            }
            if entry.seq in changes.audit_listed:  # a chain's first entry of a day, like the adapter
                audit["s2pk"] = shard_key("AUDITED", c.id, self.shards)
                audit["s2sk"] = f"{entry.at}#{c.id}#{entry.seq:06d}"
            key = (contract_pk(c.id), f"AUDIT#{entry.seq:06d}")
            ops.append(_Op(key, audit, _absent, "audit", f"{c.id}#{entry.seq}", "version"))
        for first, events in outbox_codec.pack(
            changes.outbox
        ):  # one item per commit, like adapters/items.outbox_writes
            out = {"kind": "outbox", "contract_id": first.contract_id, "events": events}
            ops.append(_Op((f"OUTBOX#{first.event_id}", "EVENT"), out, _absent, "event", first.event_id, "version"))
        for doc in changes.documents:
            d = {"kind": "document", "doc_key": doc.key, "html_z": pack(doc.html), "sha256": doc.sha256}
            key = (contract_pk(doc.contract_id), f"DOC#{doc.key}")
            ops.append(_Op(key, d, _absent, "document", f"{doc.contract_id}/{doc.key}", "exists"))
        for inv in changes.new_invoices:
            inv.version = 1
            ops.append(_Op(_invoice_key(inv), _invoice_item(inv, self.shards), _absent, "invoice", inv.key, "exists"))
        for inv, expected in changes.updated_invoices:
            inv.version = expected + 1
            ops.append(
                _Op(
                    _invoice_key(inv),
                    _invoice_item(inv, self.shards),
                    _attr_equals("version", expected),
                    "invoice",
                    inv.key,
                    "version",
                )
            )
        for tok in changes.new_tokens:
            ops.append(_Op(_token_key(tok), _token_item(tok), _absent, "token", tok.token_id, "exists"))
        for tok, expected_status in changes.updated_tokens:
            ops.append(
                _Op(
                    _token_key(tok),
                    _token_item(tok),
                    _attr_equals("status", expected_status),
                    "token",
                    tok.token_id,
                    "version",
                )
            )
        for pay in changes.payments:
            claim = {"kind": "unique", "ref": pay.contract_id, "at": pay.recorded_at}
            ops.append(
                _Op((f"VOUCHER#{pay.voucher_no}", "UNIQUE"), claim, _absent, "voucher", pay.voucher_no, "exists")
            )
            p = {
                "kind": "payment",
                "voucher_no": pay.voucher_no,
                "amount": money_str(pay.amount),
                "paid_on": pay.paid_on.isoformat(),
                "method": pay.method,
                "recorded_at": pay.recorded_at,
                "recorded_by": pay.recorded_by,
                "allocations": canonical_json(pay.allocations),
                "seq": pay.seq,
                "applies_to": canonical_json(designations_to_list(pay.applies_to)),
            }
            key = (contract_pk(pay.contract_id), f"PAYMENT#{pay.voucher_no}")
            ops.append(_Op(key, p, _absent, "payment", pay.voucher_no, "exists"))
        for fact in changes.facts:
            body = fact_to_dict(fact)
            seq = int(body["seq"])
            if body["type"] == "refund":
                claim = {"kind": "unique", "ref": c.id, "at": changes.audit[0].at if changes.audit else None}
                v = body["voucher_no"]
                ops.append(_Op((f"VOUCHER#{v}", "UNIQUE"), claim, _absent, "voucher", v, "exists"))
            f = {"kind": "ledger", "type": body["type"], "body": canonical_json(body)}
            ops.append(
                _Op((contract_pk(c.id), f"LEDGER#{seq:06d}"), f, _absent, "ledger_fact", f"{c.id}#{seq}", "version")
            )
        for alert in changes.alerts:
            ref = f"{alert.contract_id}#{alert.year:03d}#{alert.level}"
            mark = {"kind": "unique", "ref": alert.contract_id, "at": alert.at}
            ops.append(_Op((f"ALERT#{ref}", "UNIQUE"), mark, _absent, "alert", ref, "exists"))

        for plain in changes.items:
            p_item = {"kind": plain.kind, "body": canonical_json(plain.body)}
            if plain.schedule:
                # a sharded base gets the contract's shard, like adapters/plain_items.schedule_partition
                partition = rekeyed(plain.schedule[0], plain.pk.removeprefix("CONTRACT#"), self.shards)
                p_item |= {"s1pk": partition or plain.schedule[0], "s1sk": plain.schedule[1]}
            cond = _absent if plain.create else (lambda _: True)
            ops.append(_Op((plain.pk, plain.sk), p_item, cond, plain.kind, f"{plain.pk}/{plain.sk}", "exists"))

        try:
            self._validate(ops)
            for op in ops:  # DynamoDB reports the first failed condition in request order
                if not op.condition(self._items.get(op.key)):
                    raise (AlreadyExists if op.on_fail == "exists" else ConcurrentUpdate)(op.entity, op.ref)
        except Exception:
            c.version = changes.expected_version or 0
            self.failed_commits += 1
            raise
        for op in ops:
            self._items[op.key] = copy.deepcopy(op.item)
            self.writes[op.entity] += 1
            if op.entity == "event":  # what the stream delivers: the events read back from the item written
                self._stream.extend(events_from_image(op.item))
        self.writes["commit"] += 1

    @staticmethod
    def _validate(ops: list[_Op]) -> None:
        if len(ops) > MAX_TRANSACTION_ITEMS:
            raise InvalidTransaction(f"a transaction writes at most {MAX_TRANSACTION_ITEMS} items, not {len(ops)}")
        seen: set[Key] = set()
        for op in ops:
            if op.key in seen:
                raise InvalidTransaction(f"a transaction cannot include multiple operations on one item: {op.key}")
            seen.add(op.key)

    @staticmethod
    def _outbox_event(d: dict[str, Any]) -> OutboxEvent:
        return OutboxEvent(d["event_id"], d["type"], d["contract_id"], d["at"], d["actor"], d["payload"])

    # ---- one-off data migrations (like adapters/migration_reads.py) ---------------------------------------
    def scan_contract_ids(self) -> Iterator[str]:
        """A Scan filtered on kind = contract: every item of the table is read."""
        self._read("scan_contract_ids", len(self._items))
        ids = [
            pk.removeprefix("CONTRACT#")
            for (pk, sk), i in sorted(self._items.items())
            if sk == "META" and i["kind"] == "contract"
        ]
        yield from ids

    def drop_legacy_receivable(self, contract_id: str) -> bool:
        dropped = self._items.pop((contract_pk(contract_id), "RECEIVABLE"), None) is not None
        if dropped:
            self.writes["drop_legacy_receivable"] += 1
        return dropped

    def receivable_mark(self, contract_id: str) -> ReceivableMark | None:
        item = self._items.get((contract_pk(contract_id), "RECEIVABLE"))
        self._read("receivable_mark", 0 if item is None else 1)
        if item is None:
            return None
        since = item.get("settled_since")
        return ReceivableMark(contract_id, date.fromisoformat(since) if since else None)

    def set_payment_seqs(self, contract_id: str, seqs: dict[str, int]) -> None:
        for voucher_no, seq in seqs.items():
            item = self._items.get((contract_pk(contract_id), f"PAYMENT#{voucher_no}"))
            if item is not None and item.get("seq") is None:
                item["seq"] = seq
                self.writes["payment_seq"] += 1

    def reindex_contract(self, contract_id: str) -> int:
        """Like adapters/migration_reads.reindex_contract: index keys move to this repository's shard count."""
        pk = contract_pk(contract_id)
        moved = 0
        for (item_pk, sk), item in self._items.items():
            if item_pk != pk or not (sk in ("META", "DUTIES") or sk.startswith(("INVOICE#", "AUDIT#"))):
                continue
            for name in ("s1pk", "s2pk", "r1pk"):
                wanted = rekeyed(item.get(name), contract_id, self.shards)
                if wanted is not None and wanted != item[name]:
                    item[name] = wanted
                    moved += 1
                    self.writes["reindex"] += 1
        return moved

    def put_raw_item(self, pk: str, sk: str, item: Item | None) -> None:
        """Store an item as is (tests that build data in a shape the code no longer writes); None deletes."""
        if item is None:
            self._items.pop((pk, sk), None)
        else:
            self._items[(pk, sk)] = copy.deepcopy(item)


def _key_item(key: StaffKey) -> Item:
    return {"key_id": key.key_id, "name": key.name, "role": key.role, "created_at": key.created_at}


def _staff_key(key_hash: str, item: Item) -> StaffKey:
    key_id = item.get("key_id") or f"key_{key_hash[:10]}"
    return StaffKey(key_id, item["name"], item["role"], item["created_at"], item.get("revoked_at"))


def _json_or_marker(raw: str) -> dict[str, Any]:
    """Like the adapter: stored audit data that no longer parses is returned as a marker, not an error."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {"unreadable": raw}
    return value if isinstance(value, dict) else {"unreadable": raw}


def _payment_from(i: Item, contract_id: str) -> PaymentRecord:
    return PaymentRecord(
        contract_id=contract_id,
        voucher_no=i["voucher_no"],
        amount=to_money(i["amount"]),
        paid_on=date.fromisoformat(i["paid_on"]),
        method=i["method"],
        recorded_at=i["recorded_at"],
        recorded_by=i["recorded_by"],
        allocations=json.loads(i["allocations"]),
        seq=int(i.get("seq") or 0),
        applies_to=designations_from_list(json.loads(i["applies_to"]) if i.get("applies_to") else None),
    )


def _contract_item(c: Contract, shards: int) -> Item:
    next_invoice = c.next_invoice_on()
    next_life = c.next_lifecycle_on()
    return {
        "kind": "contract",
        "version": c.version,
        "body_z": pack(canonical_json(contract_to_dict(c))),
        "listing": canonical_json(contract_listing(c)),
        "gsi1pk": f"STATUS#{c.status}",
        "gsi1sk": f"{c.created_at}#{c.id}",
        "s1pk": shard_key(NEXT_INVOICE, c.id, shards) if next_invoice else None,
        "s1sk": f"{next_invoice.isoformat()}#{c.id}" if next_invoice else None,
        "s2pk": shard_key(LIFECYCLE_DUE, c.id, shards) if next_life else None,
        "s2sk": f"{next_life.isoformat()}#{c.id}" if next_life else None,
        "r1pk": shard_key(RECEIVABLE, c.id, shards) if c.receivable_until else None,
        "r1sk": c.receivable_until.isoformat() if c.receivable_until else None,
    }


def _contract_from(item: Item) -> Contract:
    """Like adapters/items.contract_from: the compressed body, or the plain one of an item written before."""
    contract = contract_from_dict(json.loads(unpack(item.get("body_z"), item.get("body"), "contract")))
    contract.version = int(item["version"])
    return contract


def _invoice_key(inv: Invoice) -> Key:
    return (contract_pk(inv.contract_id), f"INVOICE#{inv.year:03d}")


def _invoice_item(inv: Invoice, shards: int) -> Item:
    return {
        "kind": "invoice",
        "contract_id": inv.contract_id,
        "year": inv.year,
        "status": inv.status,
        "version": inv.version,
        "due_on": inv.due_on.isoformat(),
        "amount": money_str(inv.amount),
        "body": canonical_json(invoice_to_dict(inv)),
        "s1pk": shard_key(OPEN_INVOICE, inv.contract_id, shards) if inv.is_open else None,
        "s1sk": f"{inv.due_on.isoformat()}#{inv.contract_id}#{inv.year:03d}" if inv.is_open else None,
    }


def _token_key(t: SigningToken) -> Key:
    return (f"TOKEN#{t.token_hash}", "TOKEN")


def _token_item(t: SigningToken) -> Item:
    return {
        "kind": "token",
        "token_id": t.token_id,
        "contract_id": t.contract_id,
        "subject": t.subject,
        "party": t.party,
        "email": t.email,
        "document_sha256": t.document_sha256,
        "expires_at": t.expires_at,
        "status": t.status,
        "used_at": t.used_at,
    }


# ---- mail and alerts ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PublishedAlert:
    event_type: str
    subject: str
    message: dict[str, Any]


class _Failures:
    def __init__(self) -> None:
        self._pending: list[BaseException] = []
        self.attempts = 0

    def fail_next(self, n: int, exc: BaseException) -> None:
        """The next `n` sends raise `exc` (and send nothing)."""
        self._pending.extend([exc] * n)

    def _maybe_fail(self) -> None:
        self.attempts += 1
        if self._pending:
            raise self._pending.pop(0)


class FakeMailer(_Failures):
    """Records every email sent; `fail_next(n, exc)` makes the next n sends raise."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Email] = []

    def send(self, email: Email) -> str:
        self._maybe_fail()
        self.sent.append(email)
        return f"ses-{len(self.sent)}"

    def to(self, address: str) -> list[Email]:
        return [e for e in self.sent if address in e.to]


class FakePublisher(_Failures):
    """Records every SNS alert published; `fail_next(n, exc)` makes the next n publishes raise."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[PublishedAlert] = []

    def publish(self, event_type: str, subject: str, message: dict[str, Any]) -> str:
        self._maybe_fail()
        self.published.append(PublishedAlert(event_type, subject, copy.deepcopy(message)))
        return f"sns-{len(self.published)}"


class DictOnce:
    """The notifier's idempotency guard on a dict: `once(key, send)` sends at most once per key; a send that
    raises records nothing, so the next delivery tries again."""

    def __init__(self) -> None:
        self.done: dict[str, str] = {}

    def __call__(self, key: str, send: Callable[[], str]) -> str:
        if key not in self.done:
            self.done[key] = send()
        return self.done[key]


# ---- factories ------------------------------------------------------------------------------------------------
def make_party(which: str = "client", **overrides: str) -> Party:
    data = {**contract_body()[which], **overrides}
    return Party.parse(data, which)


def make_terms(**overrides: Any) -> Terms:
    return Terms.parse(contract_body(**overrides)["terms"], "terms")


def signature(party: str, document_sha256: str, at: str = "2026-11-22T02:00:00Z", prev: str = "0" * 64) -> Signature:
    return Signature(
        party=party,
        signer_name="李雷" if party == "client" else "韩梅梅",
        signer_email=f"{party}@example.com",
        signed_at=at,
        ip_address="203.0.113.7",
        user_agent="pytest",
        document_sha256=document_sha256,
        consent_version="2026-11-v1",
        consent_sha256="c" * 64,
        prev_audit_hash=prev,
    )


def links(at: str = "2026-11-20T02:00:00Z", expires: str = "2026-12-04T02:00:00Z") -> dict[str, SigningLink]:
    return {
        p: SigningLink(f"{p}-token-id", f"{p}-token-hash", f"{p}@example.com", at, expires)
        for p in ("client", "vendor")
    }


def draft_contract(
    contract_id: str = "c-1",
    contract_no: str = "HT-2026-0001",
    created_at: str = "2026-11-20T02:00:00Z",
    **terms: Any,
) -> Contract:
    contract, _ = Contract.draft(
        contract_id=contract_id,
        contract_no=contract_no,
        template="outbound-call-outsourcing",
        client=make_party("client"),
        vendor=make_party("vendor"),
        terms=make_terms(**terms),
        document_sha256="d" * 64,
        now=created_at,
        reminder_days=(60, 30),
    )
    return contract


def awaiting_contract(**kw: Any) -> Contract:
    contract = draft_contract(**kw)
    contract.send_for_signature(links(), "2026-11-20T02:00:00Z")
    return contract


def active_contract(effective: date = date(2026, 11, 22), **kw: Any) -> Contract:
    """A contract both parties signed, in force from `effective`."""
    contract = awaiting_contract(**kw)
    sha = contract.signing.document_sha256
    contract.sign("contract", "client", signature("client", sha), effective)
    contract.sign("contract", "vendor", signature("vendor", sha), effective)
    return contract


@dataclass(frozen=True)
class StandIn:
    """A stand-in event for storage tests: any type name with a small payload. Not an Event subclass, so it is
    not registered as an event type the notifier must know."""

    type: str
    n: int
    in_words: ClassVar[tuple[str, ...]] = ()
    audit_only: ClassVar[bool] = False  # whatever its name, it enters the outbox too


def raw_event(type_: str, data: dict[str, Any]) -> Any:
    """An event of any type whose stored payload is exactly `data` (audit entries in an older shape, for tests)."""
    from dataclasses import make_dataclass

    cls = make_dataclass(
        type_, [(k, Any) for k in data], frozen=True, namespace={"type": type_, "in_words": (), "audit_only": False}
    )
    return cls(**data)


def cache_payment(invoice: Invoice, amount: Decimal, voucher: str, on: date) -> None:
    """Set an invoice's cached state as the ledger would after `amount` paid to it (repository tests)."""
    invoice.allocations.append(Allocation(voucher, on, amount))
    invoice.status = "paid" if invoice.paid >= invoice.amount else "partially_paid"


def issue_invoice(contract: Contract, year: int) -> Invoice:
    """The invoice of contract year `year` as the invoicing service builds it (without committing)."""
    return contract.invoice_for_year(year)
