"""The obligations schedule entry (sk DUTIES) is write-sharded like the other index keys: `OBLIGATION_DUE#<n>`,
read over every shard merged by sort key, and the migration's reindex moves an old unsharded key. Same behaviour
in FakeRepository and in DynamoRepository on moto (the fixtures of test_repository_contract.py)."""

from __future__ import annotations

from chalicelib.adapters import shards
from chalicelib.services.ports import PlainItem, Repository
from tests.fakes import FakeRepository, active_contract
from tests.unit.test_repository_contract import create, dynamo, repo, tamper, update  # noqa: F401 - fixtures

IDS = [f"c-{n}" for n in range(1, 9)]


def _count(store: Repository) -> int:
    return store.shards if isinstance(store, FakeRepository) else shards.count()


def _schedule(store: Repository, cid: str, day: str) -> None:
    contract = active_contract(contract_id=cid, contract_no=f"HT-2026-{cid[2:]:0>4}")
    create(store, contract)
    body = {"contract_id": cid}
    entry = PlainItem(
        f"CONTRACT#{cid}", "DUTIES", "obligation_schedule", body, schedule=("OBLIGATION_DUE", day + "#" + cid)
    )
    update(store, contract, items=[entry])


def _due(store: Repository, through: str) -> list[str]:
    return [i.body["contract_id"] for i in store.scheduled_items("OBLIGATION_DUE", f"{through}#\uffff")]


def test_entries_are_written_under_the_contracts_shard_and_read_merged_by_day(repo: Repository) -> None:  # noqa: F811
    # Given eight contracts due on days in the reverse order of their ids
    for n, cid in enumerate(IDS):
        _schedule(repo, cid, f"2026-12-{20 - n:02d}")
    # Then each entry sits under its contract's shard, and they spread over more than one
    stored = {cid: repo.get_item(f"CONTRACT#{cid}", "DUTIES") for cid in IDS}
    keys = {cid: item.schedule[0] for cid, item in stored.items() if item is not None and item.schedule}
    assert keys == {cid: shards.shard_key("OBLIGATION_DUE", cid, _count(repo)) for cid in IDS}
    assert len(set(keys.values())) > 1
    # And a read over every shard comes back in day order, up to the day asked
    assert _due(repo, "2026-12-20") == list(reversed(IDS))
    assert _due(repo, "2026-12-14") == ["c-8", "c-7"]


def test_the_reindex_moves_an_unsharded_entry_once(repo: Repository) -> None:  # noqa: F811
    # Given an entry stored before sharding (plain OBLIGATION_DUE): the sharded read does not see it
    _schedule(repo, "c-1", "2026-12-05")
    tamper(repo, "CONTRACT#c-1", "DUTIES", "s1pk", "OBLIGATION_DUE")
    assert _due(repo, "2026-12-05") == []
    # When the migration's reindex runs (twice: a rerun moves nothing)
    assert repo.reindex_contract("c-1") == 1
    assert repo.reindex_contract("c-1") == 0
    # Then the entry is under its shard and found again, body untouched
    item = repo.get_item("CONTRACT#c-1", "DUTIES")
    assert item is not None and item.schedule == (
        shards.shard_key("OBLIGATION_DUE", "c-1", _count(repo)),
        "2026-12-05#c-1",
    )
    assert item.body == {"contract_id": "c-1"}
    assert _due(repo, "2026-12-05") == ["c-1"]


def test_a_changed_count_is_read_until_migrated() -> None:
    # Given entries written under 2 shards, then the count raised to 8 with the previous count still read
    fake = FakeRepository(shards=2)
    for cid in IDS:
        _schedule(fake, cid, "2026-12-05")
    fake.shards, fake.previous_shards = 8, 2
    assert sorted(_due(fake, "2026-12-05")) == IDS
    # When the reindex runs, then 8 shards alone find them all
    assert sum(fake.reindex_contract(cid) for cid in IDS) >= 1
    fake.previous_shards = None
    assert sorted(_due(fake, "2026-12-05")) == IDS
