"""The outbox item's shape: the events one commit raises, in order, as one JSON list in one item (one stream record
for the notifier), and reading them back from a stream image — the packed shape and the one-event shape items
written before it had.

One item per commit rather than one per event: each item of a TransactWriteItems is written, streamed and billed
on its own, and a commit that makes a contract effective raises two events. A commit whose events would not fit
in one item (DynamoDB's limit is 400 KB) gets as many items as it needs, each keyed by its first event's id."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from chalicelib.domain.audit import canonical_json
from chalicelib.services.ports import OutboxEvent

OUTBOX_ITEM_BYTES = 300_000  # the events' JSON per item: room under 400 KB for the keys and the stream's copy


def event_dict(ev: OutboxEvent) -> dict[str, Any]:
    return {
        "event_id": ev.event_id,
        "type": ev.type,
        "contract_id": ev.contract_id,
        "at": ev.at,
        "actor": ev.actor,
        "payload": ev.payload,
    }


def pack(events: Sequence[OutboxEvent], budget: int = OUTBOX_ITEM_BYTES) -> Iterator[tuple[OutboxEvent, str]]:
    """(first event, the events' JSON list) per outbox item, in event order; an event larger than `budget` gets
    an item of its own (and DynamoDB, not this, refuses one over its limit)."""
    chunk: list[str] = []
    first: OutboxEvent | None = None
    size = 0
    for ev in events:
        text = canonical_json(event_dict(ev))
        nbytes = len(text.encode("utf-8")) + 1
        if first is not None and size + nbytes > budget:
            yield first, "[" + ",".join(chunk) + "]"
            chunk, first, size = [], None, 0
        if first is None:
            first = ev
        chunk.append(text)
        size += nbytes
    if first is not None:
        yield first, "[" + ",".join(chunk) + "]"


def _event(d: Mapping[str, Any], payload: dict[str, Any]) -> OutboxEvent:
    return OutboxEvent(
        event_id=str(d["event_id"]),
        type=str(d["type"]),
        contract_id=str(d["contract_id"]),
        at=str(d["at"]),
        actor=str(d["actor"]),
        payload=payload,
    )


def events_from_image(image: Mapping[str, Any]) -> list[OutboxEvent]:
    """The events of an outbox item's image (attribute values already deserialized, as Powertools and the
    resource API give them), in the order they were raised."""
    if "events" in image:
        return [_event(d, d["payload"]) for d in _json_list(str(image["events"]))]
    return [_event(image, _json_object(str(image["payload"])))]  # an item written one event each


def plain_image(wire: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A stream image in DynamoDB's wire shape ({"S": ...}), string and number attributes unwrapped (all an outbox
    item has)."""
    return {name: next(iter(value.values())) for name, value in wire.items()}


def _json_list(text: str) -> list[dict[str, Any]]:
    value = json.loads(text)
    if not isinstance(value, list) or not all(isinstance(d, dict) for d in value):
        raise ValueError("an outbox item's events must be a JSON list of objects")
    return value


def _json_object(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("an outbox event's payload must be a JSON object")
    return value
