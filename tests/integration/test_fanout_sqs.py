"""The daily runs fanned out over SQS on moto, as deployed and as the local stack runs them: the scheduled handler
sends one message per index shard, the shard worker (delivered like Lambda's event source mapping by
devstack/queue_runner.py) works through each, bounded invocations hand the rest on with their cursor, and a message
that keeps failing ends on the shard DLQ. Reruns change nothing twice."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.bootstrap import get_deps, reset
from chalicelib.services import fanout
from chalicelib.settings import reset_settings
from devstack.lambda_shim import LocalContext
from devstack.queue_runner import QueueRunner

pytestmark = pytest.mark.integration


def queued_world(world: Any, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, shards: int) -> Any:
    """The world with the shard queue and `shards` index shards (set before any contract is written), unpaced."""
    monkeypatch.setenv("HETONG_SHARD_QUEUE_URL", aws["queues"]["ShardQueue"]["url"])
    monkeypatch.setenv("HETONG_INDEX_SHARDS", str(shards))
    monkeypatch.setenv("HETONG_SHARD_ITEMS_PER_SECOND", "10000")
    reset_settings()
    reset()
    get_deps().clock = world.clock
    return world


@pytest.fixture
def fanned(world: Any, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The world with a shard queue and three index shards."""
    return queued_world(world, aws, monkeypatch, 3)


def runner(aws: dict[str, Any], retry_seconds: int = 5) -> QueueRunner:
    from functions import shard_worker

    return QueueRunner(None, "us-east-1", aws["queues"]["ShardQueue"]["url"], shard_worker.handler, retry_seconds)


def scheduled(world: Any, job: str, as_of: date) -> dict[str, Any]:
    import importlib

    world.travel(as_of)
    result: dict[str, Any] = importlib.import_module(f"functions.{job}").handler(
        {"as_of": as_of.isoformat()}, LocalContext(f"hetong-{job}")
    )
    return result


def invoice_years(world: Any, cid: str) -> list[int]:
    return [i["year"] for i in world.invoices(cid)]


def test_a_scheduled_run_fans_out_and_a_rerun_changes_nothing(
    fanned: Any, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given five active contracts over three shards, and pages of two items
    monkeypatch.setattr(fanout, "PAGE_SIZE", 2)
    ids = [fanned.active_contract() for _ in range(5)]
    queue = runner(aws)

    # When invoicing is scheduled two years late and the shard messages are delivered
    as_of = fanned.today.replace(year=fanned.today.year + 1) + timedelta(days=1)
    out = scheduled(fanned, "invoicing", as_of)
    assert (out["job"], out["shards"]) == ("invoicing", 3)
    assert queue.drain() == 3 and queue.failed == 0

    # Then every contract has years 1 and 2, once, and the notices go out once each
    assert all(invoice_years(fanned, cid) == [1, 2] for cid in ids)
    fanned.deliver()

    # When the run is scheduled again (a retry of the schedule, or a late duplicate), nothing changes
    scheduled(fanned, "invoicing", as_of)
    queue.drain()
    assert all(invoice_years(fanned, cid) == [1, 2] for cid in ids)


def test_a_worker_out_of_time_hands_its_shard_on_with_the_cursor(
    fanned: Any, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one shard of five due contracts, pages of two, and a worker that is always near its deadline
    monkeypatch.setenv("HETONG_INDEX_SHARDS", "1")
    reset_settings()
    reset()
    get_deps().clock = fanned.clock
    monkeypatch.setattr(fanout, "PAGE_SIZE", 2)
    monkeypatch.setattr(fanout, "HAND_ON_MS", 10**12)
    ids = [fanned.active_contract() for _ in range(5)]
    queue = runner(aws)

    scheduled(fanned, "invoicing", fanned.today + timedelta(days=3))
    # Then the shard took five invocations, one item each (the deadline is looked at before every item), each
    # handing on the cursor after its item, mid-page or at a page's end
    assert queue.drain() == 5
    assert all(invoice_years(fanned, cid) == [1] for cid in ids)
    sqs = boto3.client("sqs", region_name="us-east-1")
    checkpoints = [
        i
        for i in boto3.resource("dynamodb", region_name="us-east-1")
        .Table(get_deps().settings.table_name)
        .scan()["Items"]
        if i["kind"] == "checkpoint"
    ]
    assert sorted(int(c["processed"]) for c in checkpoints) == [4]  # one item per run and shard, moved forward
    attrs = sqs.get_queue_attributes(QueueUrl=aws["queues"]["ShardQueue"]["url"], AttributeNames=["All"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_a_message_that_keeps_failing_is_parked_on_the_shard_dlq(fanned: Any, aws: dict[str, Any]) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    bad = {"run_id": "r", "job": "nope", "as_of": "2027-01-01", "shard": 0}
    sqs.send_message(QueueUrl=aws["queues"]["ShardQueue"]["url"], MessageBody=json.dumps(bad))
    queue = runner(aws, retry_seconds=0)
    for _ in range(8):
        queue.poll_once()
    assert queue.failed == 5 and queue.delivered == 0
    parked = sqs.receive_message(QueueUrl=aws["queues"]["ShardDLQ"]["url"])["Messages"]
    assert [json.loads(m["Body"]) for m in parked] == [bad]


def test_overdue_and_lifecycle_fan_out_too(fanned: Any, aws: dict[str, Any]) -> None:
    cid = fanned.active_contract(notice_period_days=30)
    queue = runner(aws)
    start = fanned.today
    scheduled(fanned, "invoicing", start)
    queue.drain()
    due = date.fromisoformat(fanned.invoices(cid)[0]["due_date"])
    out = scheduled(fanned, "overdue", due + timedelta(days=31))
    assert out["shards"] == 3
    queue.drain()
    fanned.deliver()
    audit = [e["type"] for e in fanned.ok("GET", f"/contracts/{cid}/audit")["entries"]]
    assert audit.count("InvoiceOverdue") == 1
    end = date.fromisoformat(fanned.contract(cid)["end_date"]) + timedelta(days=1)
    scheduled(fanned, "lifecycle", end)
    queue.drain()
    assert fanned.contract(cid)["status"] == "expired"


def test_the_shard_worker_sample_is_accepted(aws: dict[str, Any]) -> None:
    from functions import shard_worker

    event = json.loads((Path(__file__).resolve().parents[2] / "events" / "shard-worker-sqs.json").read_text())
    assert shard_worker.handler(event, LocalContext("hetong-shard-worker")) == {"batchItemFailures": []}
