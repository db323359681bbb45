"""The audit anchor on moto: the anchor worker signs each grown chain's head with the KMS key, and the audit report
checks the chain against it. Someone who can write the table rewrites history (a payment of 1000.00 becomes 1.00,
every later entry and the contract's head recomputed): the chain verifies on its own, but not against its anchor."""

from __future__ import annotations

import json
import threading
from datetime import date
from typing import Any

import boto3
import pytest

from chalicelib.domain.audit import AuditEntry, canonical_json
from tests.integration.test_ledger_stories import pay
from tests.stored_items import store_body, stored_body

pytestmark = pytest.mark.integration
REGION = "us-east-1"
MAIN, ANCHORS = "hetong-test-main", "hetong-test-anchors"


def _audit(world: Any, cid: str) -> dict[str, Any]:
    return dict(world.ok("GET", f"/contracts/{cid}/audit"))


def _anchors(cid: str) -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb", region_name=REGION)
    items = ddb.query(
        TableName=ANCHORS, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": f"CONTRACT#{cid}"}}
    )["Items"]
    return list(items)


def _paid_contract(world: Any) -> str:
    """An active contract, invoiced (entry 6), with a payment of 1000.00 (entry 7) and three more (8–10)."""
    cid = world.active_contract()
    world.run("invoicing", date(2026, 11, 22))
    world.travel(date(2026, 11, 26))
    pay(world, cid, "1000.00", date(2026, 11, 25), "V-1000")
    pay(world, cid, "500.00", date(2026, 11, 26), "V-0500")
    pay(world, cid, "200.00", date(2026, 11, 26), "V-0200")
    pay(world, cid, "100.00", date(2026, 11, 26), "V-0100")
    world.deliver()
    return cid


def _entries(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The audit entries one stored item holds: its own, then those in `more`."""
    own = {
        "seq": int(item["seq"]["N"]),
        "at": item["at"]["S"],
        "actor": item["actor"]["S"],
        "type": item["type"]["S"],
        "data": json.loads(item["data"]["S"]),
        "prev_hash": item["prev_hash"]["S"],
        "hash": item["hash"]["S"],
    }
    more = json.loads(item["more"]["S"]) if "more" in item else []
    return [{**entry, "item": item} for entry in [own, *more]]


def _rewrite_payment_through_the_table(cid: str, old: str, new: str) -> int:
    """What a table writer can do: change the amount in the payment's audit entry, recompute that entry's hash and
    every later one (each links to the one before), and point the contract's head at the new last hash."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    items = ddb.query(
        TableName=MAIN,
        KeyConditionExpression="pk = :p AND begins_with(sk, :a)",
        ExpressionAttributeValues={":p": {"S": f"CONTRACT#{cid}"}, ":a": {"S": "AUDIT#"}},
    )["Items"]
    items.sort(key=lambda i: int(i["seq"]["N"]))
    entries = [entry for item in items for entry in _entries(item)]  # a commit's entries share one item
    [changed] = [e["seq"] for e in entries if e["data"].get("amount") == old]
    prev = entries[changed - 2]["hash"]
    for entry in entries[changed - 1 :]:
        if entry["seq"] == changed:
            entry["data"]["amount"] = new
        entry["prev_hash"] = prev
        entry["hash"] = AuditEntry.compute_hash(
            cid, entry["seq"], entry["at"], entry["actor"], entry["type"], entry["data"], prev
        )
        prev = entry["hash"]
    for item in items:
        grouped = [e for e in entries if e["item"] is item]
        if grouped[-1]["seq"] >= changed:
            first, *more = grouped
            item["data"] = {"S": canonical_json(first["data"])}
            item["prev_hash"], item["hash"] = {"S": first["prev_hash"]}, {"S": first["hash"]}
            if more:
                item["more"] = {"S": canonical_json([{k: v for k, v in e.items() if k != "item"} for e in more])}
            ddb.put_item(TableName=MAIN, Item=item)
    contract = ddb.get_item(TableName=MAIN, Key={"pk": {"S": f"CONTRACT#{cid}"}, "sk": {"S": "META"}})["Item"]
    body = stored_body(contract)
    body["audit_head"] = prev
    store_body(contract, body)
    ddb.put_item(TableName=MAIN, Item=contract)
    return changed


def test_a_rewritten_history_verifies_on_its_own_but_not_against_its_anchor(world: Any) -> None:
    # Given a contract with a payment of 1000.00, anchored by the daily run
    cid = _paid_contract(world)
    run = world.run("anchor", date(2026, 11, 26))
    assert run["anchored"] >= 1 and run["broken"] == 0
    before = _audit(world, cid)
    assert before["verified"] is True
    assert before["anchored"]["matches"] is True and before["anchored"]["signature_valid"] is True
    assert before["anchored"]["entries"] == len(before["entries"]) >= 10
    assert before["anchored"]["head"] == before["head"]

    # When someone with write access to the table turns 1000.00 into 1.00 and recomputes the chain and the head
    changed = _rewrite_payment_through_the_table(cid, "1000.00", "1.00")
    after = _audit(world, cid)

    # Then every hash and link checks out on its own, but the chain no longer hashes to the signed head
    assert (changed, len(after["entries"])) == (7, 10)  # entries 7–10 recomputed
    assert [e["data"].get("amount") for e in after["entries"] if e["seq"] == changed] == ["1.00"]
    assert after["verified"] is False
    assert after["anchored"]["matches"] is False
    assert [p["where"] for p in after["problems"]] == ["anchor"]
    assert "no longer hash to the head signed" in after["problems"][0]["problem"]

    # And the next run does not bless the rewritten chain: it reports it and keeps the good anchor
    again = world.run("anchor", date(2026, 11, 27))
    assert again["broken"] == 1 and cid in again["broken_contracts"]
    assert len(_anchors(cid)) == 1


@pytest.fixture
def serialized_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """One AWS request at a time, as the local stack's moto server answers them (devstack/moto_server.py): moto's
    own conditional put checks and writes without a lock, so two threads can both pass its condition, which
    DynamoDB never lets happen."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    answer = BotocoreStubber.__call__

    def one_at_a_time(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return answer(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", one_at_a_time)


def test_a_rerun_a_late_run_and_concurrent_runs_anchor_each_head_once(world: Any, serialized_moto: None) -> None:
    cid = _paid_contract(world)
    first = world.run("anchor", date(2026, 11, 26))
    rerun = world.run("anchor", date(2026, 11, 26))
    assert first["anchored"] == 1 and rerun["anchored"] == 0 and rerun["unchanged"] == 1
    assert len(_anchors(cid)) == 1

    # The chain grows; two runs race (one of them late, for an earlier day): one anchor for the new head
    world.ok("POST", f"/contracts/{cid}/payments", _payment("V-0007"), role="finance", status=201)
    from functions import anchor

    results: list[dict[str, Any]] = []
    runs = [
        threading.Thread(target=lambda d=d: results.append(anchor.run(d)))
        for d in (date(2026, 11, 27), date(2026, 11, 20))
    ]
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    assert sum(r["anchored"] for r in results) == 1
    stored = _anchors(cid)
    assert len(stored) == 2
    assert _audit(world, cid)["anchored"]["entries"] == len(_audit(world, cid)["entries"])


def _payment(voucher: str) -> dict[str, str]:
    return {"amount": "7.00", "paid_on": "2026-11-26", "voucher_no": voucher, "method": "bank_transfer"}


def test_an_anchor_not_signed_by_the_anchor_key_is_not_believed(world: Any) -> None:
    cid = _paid_contract(world)
    world.run("anchor", date(2026, 11, 26))
    ddb = boto3.client("dynamodb", region_name=REGION)
    kms = boto3.client("kms", region_name=REGION)
    [item] = _anchors(cid)
    # A table writer signs a statement of their own with a key they control, and stores it as the anchor
    own = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    signed = kms.sign(
        KeyId=own, Message=item["message"]["S"].encode(), MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
    )
    import base64

    item["signature"] = {"S": base64.b64encode(signed["Signature"]).decode()}
    item["key_id"] = {"S": own}
    ddb.put_item(TableName=ANCHORS, Item=item)

    report = _audit(world, cid)

    assert report["anchored"]["signature_valid"] is False
    assert report["verified"] is False
    assert "signature does not verify" in report["problems"][0]["problem"]


def test_the_audit_says_when_a_chain_is_not_anchored_yet(world: Any) -> None:
    cid = world.draft()
    report = _audit(world, cid)
    assert report["verified"] is True
    assert report["anchored"] is None
    assert "not anchored yet" in report["anchoring"]
    world.run("anchor", date(2026, 11, 22))
    world.ok("POST", f"/contracts/{cid}/send")
    report = _audit(world, cid)
    assert report["anchored"]["entries"] == 1
    assert report["anchoring"] == f"{len(report['entries']) - 1} newer entries are not anchored yet"


def test_every_contract_is_anchored_on_a_first_run_with_all(world: Any) -> None:
    old = world.draft()
    # An entry written before anchoring existed has no AUDITED index keys: only --all finds its chain
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.update_item(
        TableName=MAIN,
        Key={"pk": {"S": f"CONTRACT#{old}"}, "sk": {"S": "AUDIT#000001"}},
        UpdateExpression="REMOVE s2pk, s2sk",
    )
    assert world.run("anchor", date(2026, 11, 22))["checked"] == 0
    from functions import anchor

    assert anchor.run(date(2026, 11, 22), everything=True)["anchored"] == 1
    assert _audit(world, old)["anchored"]["matches"] is True


def test_the_anchor_worker_accepts_its_schedule_and_all_events(world: Any) -> None:
    from pathlib import Path

    from devstack.lambda_shim import LocalContext
    from functions import anchor

    events = Path(__file__).resolve().parents[2] / "events"
    cid = world.draft()
    daily = anchor.handler(json.loads((events / "anchor-schedule.json").read_text()), LocalContext("hetong-anchor"))
    every = anchor.handler(json.loads((events / "anchor-all.json").read_text()), LocalContext("hetong-anchor"))
    assert (daily["anchored"], every["unchanged"]) == (1, 1)
    assert _anchors(cid)
