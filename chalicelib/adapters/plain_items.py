"""The obligations area's items (services/obligation_store.py): plain JSON bodies under the contract's partition
(or SUBMIT#<hash> for submit links), written in the commit's transaction, read back by key or sort-key prefix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from chalicelib.adapters.items import PendingWrite
from chalicelib.adapters.records import PlainRecord
from chalicelib.adapters.shards import rekeyed
from chalicelib.domain.audit import canonical_json
from chalicelib.services.ports import Changes, PlainItem


def plain_record(item: PlainItem) -> PlainRecord:
    rec = PlainRecord(item.pk, item.sk)
    rec.kind = item.kind
    rec.body = canonical_json(item.body)
    rec.s1pk, rec.s1sk = (schedule_partition(item), item.schedule[1]) if item.schedule else (None, None)
    return rec


def schedule_partition(item: PlainItem) -> str | None:
    """The index partition a listed item is written under: a sharded base (OBLIGATION_DUE) gets the contract's
    shard (`OBLIGATION_DUE#<n>`, adapters/shards.py); any other partition is written as given."""
    if not item.schedule:
        return None
    partition = item.schedule[0]
    return rekeyed(partition, item.pk.removeprefix("CONTRACT#")) or partition


def plain_from(rec: Any) -> PlainItem:
    schedule = (rec.s1pk, rec.s1sk) if rec.s1pk else None
    return PlainItem(rec.pk, rec.sk, rec.kind, json.loads(rec.body), schedule=schedule)


def plain_writes(changes: Changes) -> Iterator[PendingWrite]:
    """New items only if absent (a delivery, a mark, a link is written once); updates are guarded by the
    contract's version in the same transaction."""
    for item in changes.items:
        condition = PlainRecord.pk.does_not_exist() if item.create else None
        yield PendingWrite(plain_record(item), condition, item.kind, f"{item.pk}/{item.sk}", "exists")
