"""The lifecycle index lists only a chain's first audit entry of each UTC day (AUDITED#<n>), and the anchor
function still anchors every chain that grew — also one that grew again later on the day of its run, which lists
no new entry. The repository part runs against the fake and DynamoRepository on moto."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.services.anchoring import anchor_chains
from chalicelib.services.base import stage_events
from chalicelib.services.ports import Changes, Repository
from chalicelib.settings import load_settings
from tests.fakes import FakeRepository, StandIn, active_contract
from tests.unit.conftest import Office
from tests.unit.test_anchoring import _anchoring
from tests.unit.test_repository_contract import create, dynamo, repo  # noqa: F401 - fixtures


def listed(store: Repository, contract_id: str) -> dict[int, str | None]:
    """seq → the entry's AUDITED partition key (None: not listed), read behind the repository's back."""
    pk = f"CONTRACT#{contract_id}"
    if isinstance(store, FakeRepository):
        items: list[dict[str, Any]] = [
            i for (p, sk), i in store.snapshot().items() if p == pk and sk.startswith("AUDIT#")
        ]
    else:
        import boto3
        from boto3.dynamodb.conditions import Key

        table = boto3.resource("dynamodb", region_name="us-east-1").Table(load_settings().table_name)
        items = table.query(KeyConditionExpression=Key("pk").eq(pk) & Key("sk").begins_with("AUDIT#"))["Items"]
    return {int(i["seq"]): i.get("s2pk") for i in items}


def touch(store: Repository, contract: Any, at: str, *events: str) -> None:
    changes = Changes(contract=contract, expected_version=contract.version)
    stage_events(changes, [StandIn(t, n) for n, t in enumerate(events)], "test", at)
    store.commit(changes)


def test_only_a_chains_first_entry_of_a_day_is_listed(repo: Repository) -> None:  # noqa: F811
    contract = active_contract()
    create(repo, contract)  # entry 1 at 2026-11-22T02:00:00Z
    touch(repo, contract, "2026-11-22T09:00:00Z", "A", "B")  # 2, 3: the same day
    touch(repo, contract, "2026-11-23T00:00:01Z", "C", "D")  # 4, 5: the next day
    touch(repo, contract, "2026-11-23T23:59:59Z", "E")  # 6

    keys = listed(repo, "c-1")
    assert [seq for seq, key in sorted(keys.items()) if key] == [1, 4]
    assert all(key is None or key.startswith("AUDITED#") for key in keys.values())
    assert list(repo.contracts_with_audit_since("2026-11-23T00:00:00Z")) == ["c-1"]
    assert list(repo.contracts_with_audit_since("2026-11-24T00:00:00Z")) == []
    assert repo.get_contract("c-1").audit_listed_on == date(2026, 11, 23)


def test_a_chain_that_grew_after_the_run_on_the_same_day_is_anchored_by_the_next_run() -> None:
    office, anchoring = Office(), _anchoring()
    # Given a contract signed into force on the 22nd (the last signature at 03:00 UTC), anchored by a run at 04:00
    cid = office.activate(date(2026, 11, 22))
    office.at("2026-11-22T04:00:00Z")
    assert anchor_chains(office.deps, anchoring, date(2026, 11, 22))["anchored"] == 1
    anchored = office.contract(cid).audit_seq

    # When the chain grows again later the same (UTC) day, after the run: no new entry is listed
    office.at("2026-11-22T08:00:00Z").pay(cid, "1000.00", date(2026, 11, 22))
    grown = office.contract(cid)
    assert grown.audit_seq > anchored
    keys = listed(office.repo, cid)
    assert not any(keys[seq] for seq in range(anchored + 1, grown.audit_seq + 1))

    # Then the next day's run still finds the chain (its first entry of that day is listed) and anchors its head
    office.at("2026-11-23T02:00:00Z")
    result = anchor_chains(office.deps, anchoring, date(2026, 11, 23))
    assert (result["checked"], result["anchored"]) == (1, 1)
    stored = anchoring.store.latest(cid)
    assert stored is not None and (stored.entries, stored.head) == (grown.audit_seq, grown.audit_head)
    # and a run after that, with no growth, signs nothing new
    assert anchor_chains(office.deps, anchoring, date(2026, 11, 24))["anchored"] == 0


def test_growth_on_a_later_day_lists_an_entry_and_is_anchored() -> None:
    office, anchoring = Office(), _anchoring()
    cid = office.activate(date(2026, 11, 22))
    office.at("2026-11-22T04:00:00Z")
    anchor_chains(office.deps, anchoring, date(2026, 11, 22))

    office.at("2026-12-05T03:00:00Z").amend(cid, date(2026, 12, 5), annual_fee="150000.00")
    grown = office.contract(cid)
    assert grown.audit_listed_on == date(2026, 12, 5)
    assert anchor_chains(office.deps, anchoring, date(2026, 12, 5))["anchored"] == 1
    stored = anchoring.store.latest(cid)
    assert stored is not None and stored.entries == grown.audit_seq
