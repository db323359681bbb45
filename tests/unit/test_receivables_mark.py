"""The receivables mark rides on the contract item (its `receivables` index key) instead of an item of its own:
an invoice lists the contract, the payment that settles it moves the mark to that day, and the migration carries a
mark stored the old way (sk RECEIVABLE) onto the contract and deletes the old item, once."""

from __future__ import annotations

from datetime import date

from chalicelib.adapters.shards import shard_key
from chalicelib.services.migrations import migrate_ledger
from tests.stored_items import store_body, stored_body
from tests.unit.conftest import Office, shanghai

EFFECTIVE = date(2026, 11, 22)


def meta(office: Office, cid: str) -> dict[str, object]:
    return office.repo.raw_item(f"CONTRACT#{cid}", "META")


def test_the_mark_is_the_contract_items_index_key(office: Office) -> None:
    cid = office.activate(EFFECTIVE)
    assert meta(office, cid)["r1pk"] is None  # never receivable yet: not in the index
    office.run_invoicing(EFFECTIVE)
    assert (meta(office, cid)["r1pk"], meta(office, cid)["r1sk"]) == (
        shard_key("RECEIVABLE", cid, office.repo.shards),
        "9999-12-31",
    )
    assert list(office.repo.receivable_contracts(date(2026, 12, 1))) == [cid]
    office.pay(cid, "120000.00", date(2026, 12, 3))
    assert meta(office, cid)["r1sk"] == "2026-12-03"
    assert list(office.repo.receivable_contracts(date(2026, 12, 2))) == [cid]
    assert list(office.repo.receivable_contracts(date(2026, 12, 3))) == []
    assert not any(sk == "RECEIVABLE" for (_, sk) in office.repo.snapshot())


def test_a_mark_stored_the_old_way_moves_onto_the_contract_once(office: Office) -> None:
    # Given a contract invoiced and partly paid, with its mark as an item of its own (the shape before)
    cid = office.activate(EFFECTIVE)
    office.run_invoicing(EFFECTIVE)
    office.pay(cid, "1000.00", date(2026, 12, 3))
    item = meta(office, cid)
    body = stored_body(item)
    body.pop("receivable_until")
    office.repo.put_raw_item(
        f"CONTRACT#{cid}", "META", store_body({**item, "r1pk": None, "r1sk": None}, body, plain=True)
    )
    office.repo.put_raw_item(
        f"CONTRACT#{cid}",
        "RECEIVABLE",
        {
            "kind": "ledger_state",
            "contract_id": cid,
            "settled_since": None,
            "s1pk": "RECEIVABLE",
            "s1sk": f"9999-12-31#{cid}",
        },
    )
    assert list(office.repo.receivable_contracts(date(2027, 1, 1))) == []

    # When the migration runs
    office.at(shanghai(date(2027, 1, 1), 4))
    summary = migrate_ledger(office.deps, date(2027, 1, 1))

    # Then the contract carries the mark, the old item is gone, the report lists it again
    assert summary["migrated"] == 1 and summary["failed"] == {}
    assert meta(office, cid)["r1sk"] == "9999-12-31"
    assert not any(sk == "RECEIVABLE" for (_, sk) in office.repo.snapshot())
    assert list(office.repo.receivable_contracts(date(2027, 1, 1))) == [cid]

    # And a second run writes nothing
    office.repo.reset_counters()
    again = migrate_ledger(office.deps, date(2027, 1, 1))
    assert (again["migrated"], again["index_keys_moved"]) == (0, 0)
    assert office.repo.writes == {}
