"""The repository on moto: this process's copies of contracts (adapters/recent.py) and one audit item per commit.

Two DynamoRepository objects on one table stand for two Lambda instances: each keeps its own copies."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from chalicelib.adapters.dynamo import DynamoRepository
from chalicelib.domain.audit import verify_chain
from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.services.base import Deps, stage_events
from chalicelib.services.ports import Changes
from chalicelib.settings import load_settings
from tests.fakes import StandIn, active_contract

AT = "2026-11-22T02:00:00Z"


def _commit(repo: DynamoRepository, contract: Any, *events: str, new: bool = False) -> None:
    changes = Changes(contract=contract, expected_version=None if new else contract.version)
    stage_events(changes, [StandIn(t, i) for i, t in enumerate(events)], "test", AT)
    repo.commit(changes)


def _audit_items(contract_id: str) -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    found = ddb.query(
        TableName=load_settings().table_name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
        ExpressionAttributeValues={":pk": {"S": f"CONTRACT#{contract_id}"}, ":a": {"S": "AUDIT#"}},
        ConsistentRead=True,
    )
    items: list[dict[str, Any]] = found["Items"]
    return items


def test_a_stale_copy_is_returned_only_when_asked_for_and_cannot_commit(deps: Deps) -> None:
    here, there = DynamoRepository(deps.settings), DynamoRepository(deps.settings)
    _commit(here, active_contract(), "ContractDrafted", new=True)
    there_copy = there.get_contract("c-1")
    _commit(there, there_copy, "Touched")  # another instance moves the contract to version 2

    stale = here.get_contract("c-1", recent=True)  # what this instance wrote: version 1
    assert stale.version == 1
    assert here.get_contract("c-1").version == 2  # an ordinary read always goes to the table
    with pytest.raises(ConcurrentUpdate):
        _commit(here, stale, "Touched")
    assert here.get_contract("c-1", recent=True).version == 2  # the refused copy was dropped, read again


def test_a_commit_leaves_the_contract_as_written_for_the_next_recent_read(deps: Deps) -> None:
    repo = DynamoRepository(deps.settings)
    contract = active_contract()
    _commit(repo, contract, "ContractDrafted", new=True)
    _commit(repo, contract, "Touched")
    boto3.client("dynamodb", region_name="us-east-1").delete_item(
        TableName=deps.settings.table_name, Key={"pk": {"S": "CONTRACT#c-1"}, "sk": {"S": "META"}}
    )

    assert repo.get_contract("c-1", recent=True).version == 2  # served from the copy: no read reached the table
    repo.forget_recent_contracts()
    with pytest.raises(Exception, match="c-1"):
        repo.get_contract("c-1", recent=True)


def test_one_commit_writes_one_audit_item_and_reads_back_every_entry(deps: Deps) -> None:
    repo = DynamoRepository(deps.settings)
    contract = active_contract()
    _commit(repo, contract, "ContractDrafted", new=True)
    _commit(repo, contract, "SignatureRecorded", "ContractActivated", "Touched")

    items = _audit_items("c-1")
    assert [i["sk"]["S"] for i in items] == ["AUDIT#000001", "AUDIT#000002"]
    entries = repo.get_audit("c-1")
    assert [(e.seq, e.type) for e in entries] == [
        (1, "ContractDrafted"),
        (2, "SignatureRecorded"),
        (3, "ContractActivated"),
        (4, "Touched"),
    ]
    stored = repo.get_contract("c-1")
    assert verify_chain(entries, stored.audit_seq, stored.audit_head) == []


def test_a_tampered_group_of_entries_is_reported_where_it_breaks(deps: Deps) -> None:
    repo = DynamoRepository(deps.settings)
    contract = active_contract()
    _commit(repo, contract, "ContractDrafted", new=True)
    _commit(repo, contract, "SignatureRecorded", "ContractActivated")
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=deps.settings.table_name,
        Key={"pk": {"S": "CONTRACT#c-1"}, "sk": {"S": "AUDIT#000002"}},
        UpdateExpression="SET #m = :v",
        ExpressionAttributeNames={"#m": "more"},
        ExpressionAttributeValues={":v": {"S": '[{"seq": 3, "broken'}},
    )

    entries = repo.get_audit("c-1")
    stored = repo.get_contract("c-1")
    problems = verify_chain(entries, stored.audit_seq, stored.audit_head)
    assert [e.type for e in entries] == ["ContractDrafted", "SignatureRecorded", "unreadable"]
    assert problems and problems[0].seq == 3
