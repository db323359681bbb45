"""The obligations area's items (deliveries, marks, incidents, submit links, the schedule entry) behave the same in
FakeRepository and in DynamoRepository on moto (the fixtures of test_repository_contract.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import AlreadyExists, ConcurrentUpdate
from chalicelib.services.ports import PlainItem, Repository
from tests.fakes import active_contract
from tests.unit.test_repository_contract import create, dynamo, repo, update  # noqa: F401 - fixtures

PK = "CONTRACT#c-1"


def _item(sk: str, kind: str = "delivery", create_: bool = True, **body: object) -> PlainItem:
    return PlainItem(PK, sk, kind, {"n": 1, **body}, create=create_)


def test_items_are_written_with_the_contract_and_read_by_prefix(repo: Repository) -> None:  # noqa: F811
    contract = active_contract()
    create(repo, contract)
    update(repo, contract, items=[_item("DUTY#D#a#2026-11"), _item("DUTY#M#a#2026-11#overdue", "duty_mark")])
    update(repo, contract, items=[_item("INCIDENT#0001", "incident", note="停机")])
    got = repo.query_items(PK, "DUTY#")
    assert [(i.sk, i.kind, i.body) for i in got] == [
        ("DUTY#D#a#2026-11", "delivery", {"n": 1}),
        ("DUTY#M#a#2026-11#overdue", "duty_mark", {"n": 1}),
    ]
    incident = repo.get_item(PK, "INCIDENT#0001")
    assert incident is not None and incident.body == {"n": 1, "note": "停机"}
    assert repo.get_item(PK, "INCIDENT#0002") is None


def test_a_new_item_is_written_once_and_a_stale_contract_writes_nothing(repo: Repository) -> None:  # noqa: F811
    contract = active_contract()
    create(repo, contract)
    update(repo, contract, items=[_item("DUTY#M#a#2026-11#overdue", "duty_mark")])
    with pytest.raises(AlreadyExists):
        update(repo, contract, items=[_item("DUTY#M#a#2026-11#overdue", "duty_mark", n=2)])
    with pytest.raises(ConcurrentUpdate):
        update(repo, contract, expected=contract.version - 1, items=[_item("DUTY#D#b#2026-11")])
    assert [i.body["n"] for i in repo.query_items(PK, "DUTY#")] == [1]
    # an update (create=False) replaces the item, guarded by the contract's version
    contract = repo.get_contract("c-1")
    update(repo, contract, items=[_item("DUTY#M#a#2026-11#overdue", "duty_mark", create_=False, n=3)])
    assert [i.body["n"] for i in repo.query_items(PK, "DUTY#")] == [3]


def test_the_schedule_entry_is_found_by_day_and_leaves_when_cleared(repo: Repository) -> None:  # noqa: F811
    contract = active_contract()
    create(repo, contract)
    entry = PlainItem(
        PK, "DUTIES", "obligation_schedule", {"contract_id": "c-1"}, schedule=("OBLIGATION_DUE", "2026-12-05#c-1")
    )
    update(repo, contract, items=[entry])
    assert [i.body["contract_id"] for i in repo.scheduled_items("OBLIGATION_DUE", "2026-12-05#\uffff")] == ["c-1"]
    assert list(repo.scheduled_items("OBLIGATION_DUE", "2026-12-04#\uffff")) == []
    update(repo, contract, items=[PlainItem(PK, "DUTIES", "obligation_schedule", {"contract_id": "c-1"})])
    assert list(repo.scheduled_items("OBLIGATION_DUE", "2099-01-01#\uffff")) == []
