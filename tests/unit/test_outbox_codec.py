"""The outbox item's shape: a commit's events packed in order, split only past the size budget, read back as they
were raised; items written one event each still read."""

from __future__ import annotations

from chalicelib.adapters.outbox_codec import OUTBOX_ITEM_BYTES, events_from_image, pack, plain_image
from chalicelib.services.ports import OutboxEvent


def _event(seq: int, text: str = "合同") -> OutboxEvent:
    return OutboxEvent(f"c1-{seq:06d}", "SignatureRecorded", "c1", "2026-11-22T01:00:00Z", "signer:x", {"note": text})


def test_a_commits_events_are_one_item_in_order() -> None:
    events = [_event(4), _event(5)]
    [(first, text)] = list(pack(events))
    assert first is events[0]
    assert events_from_image({"kind": "outbox", "events": text}) == events


def test_the_items_split_only_past_the_budget_and_keep_the_order() -> None:
    events = [_event(n, "款" * 100) for n in range(1, 8)]
    one = len(next(pack(events[:1]))[1].encode()) - 1  # an event's bytes in the list: without "[]", with its ","
    # Given a budget of three events' bytes (Chinese text counted in UTF-8 bytes, not characters)
    chunks = list(pack(events, budget=3 * one))
    assert [first.event_id for first, _ in chunks] == ["c1-000001", "c1-000004", "c1-000007"]
    assert [e for _, text in chunks for e in events_from_image({"events": text})] == events
    assert all(len(text.encode()) <= 3 * one + 2 for _, text in chunks)


def test_an_event_over_the_budget_gets_an_item_of_its_own() -> None:
    events = [_event(1), _event(2, "x" * (OUTBOX_ITEM_BYTES + 1)), _event(3)]
    assert [first.event_id for first, _ in pack(events)] == ["c1-000001", "c1-000002", "c1-000003"]


def test_no_events_no_item() -> None:
    assert list(pack([])) == []


def test_an_item_written_one_event_each_still_reads() -> None:
    wire = {
        "kind": {"S": "outbox"},
        "event_id": {"S": "c1-000007"},
        "type": {"S": "InvoiceIssued"},
        "contract_id": {"S": "c1"},
        "at": {"S": "2026-11-22T00:05:00Z"},
        "actor": {"S": "worker:invoicing"},
        "payload": {"S": '{"year": 1}'},
        "ttl": {"N": "1796500000"},
    }
    assert events_from_image(plain_image(wire)) == [
        OutboxEvent("c1-000007", "InvoiceIssued", "c1", "2026-11-22T00:05:00Z", "worker:invoicing", {"year": 1})
    ]
