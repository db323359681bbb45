"""The shard worker's per-item deadline on the real adapters (moto): each page reader's per-item cursor is an
ExclusiveStartKey that resumes right after that item on its index; a worker stopped after any item of a shard and
resumed handles every item exactly once; and through SQS, a Lambda context with no time left makes every invocation
do one item and hand the rest on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.services import fanout, shard_jobs  # noqa: F401 - shard_jobs registers the jobs
from chalicelib.services.fanout import Budget, ShardTask, run_shard
from chalicelib.services.ports import Page
from devstack import queue_runner
from devstack.lambda_shim import LocalContext
from tests.integration.test_fanout_sqs import queued_world, runner, scheduled

pytestmark = pytest.mark.integration
FAR = date(2030, 1, 1)


@pytest.fixture
def one_shard(world: Any, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    return queued_world(world, aws, monkeypatch, 1)


def _name(item: Any) -> str:
    if isinstance(item, str):
        return item
    return f"{item.contract_id}/{item.year}" if hasattr(item, "year") else str(item.id)


def _resumes_after_every_item(read: Callable[[str | None, int], Page[Any]], n: int) -> None:
    whole = read(None, 100)
    names = [_name(i) for i in whole.items]
    assert len(names) == n and whole.cursor is None and whole.after[-1] is None
    # a full page's last item resumes where the Query's own LastEvaluatedKey does
    two = read(None, 2)
    assert two.after[-1] == two.cursor and two.after[0] == whole.after[0]
    for i, after in enumerate(whole.after[:-1]):
        assert [_name(x) for x in read(after, 100).items] == names[i + 1 :]


def test_every_page_reader_resumes_right_after_any_item(one_shard: Any) -> None:
    # Given five active contracts in one shard
    for _ in range(5):
        one_shard.active_contract()
    repo = get_deps().repo
    due = one_shard.today + timedelta(days=3)
    # Then each index's page reader resumes right after whichever item its cursor names
    _resumes_after_every_item(lambda cur, lim: repo.contracts_to_invoice_page(due, 0, cur, lim), 5)
    _resumes_after_every_item(lambda cur, lim: repo.lifecycle_page(FAR, 0, cur, lim), 5)
    _resumes_after_every_item(lambda cur, lim: repo.obligations_page(FAR, 0, cur, lim), 5)
    one_shard.run("invoicing", due)
    _resumes_after_every_item(lambda cur, lim: repo.open_invoices_page(FAR, 0, cur, lim), 5)


@dataclass
class Spy:
    handled: list[str]

    @classmethod
    def on(cls, monkeypatch: pytest.MonkeyPatch, job: str) -> Spy:
        spy = cls([])
        original = fanout.JOBS[job]

        def handle(deps: Any, item: Any, on: date) -> dict[str, int]:
            spy.handled.append(_name(item))
            return original.handle(deps, item, on)

        monkeypatch.setitem(fanout.JOBS, job, fanout.ShardJob(job, original.page, handle))
        return spy


def _stop_after(k: int, task: ShardTask) -> tuple[ShardTask | None, Counter[str]]:
    """One invocation that has room for k items; if it handed on, the original message delivered again (as if its
    continuation were lost) and followed to the end: the counts of the whole shard."""
    deps = get_deps()
    first = run_shard(deps, task, Budget(max_items=k))
    counts = first.counts
    pending: ShardTask | None = task if first.continuation is not None else None
    while pending is not None:
        out = run_shard(deps, pending, Budget())
        counts.update(out.counts)
        pending = out.continuation
    return first.continuation, counts


def test_a_worker_stopped_after_any_item_resumes_right_after_it(
    one_shard: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given seven active contracts in one shard, read in pages of 3 (3 + 3 + 1)
    monkeypatch.setattr(fanout, "PAGE_SIZE", 3)
    ids = [one_shard.active_contract() for _ in range(7)]
    due = one_shard.today + timedelta(days=3)
    one_shard.travel(due)

    # When invoicing stops mid-page (after 4) and resumes: invoiced contracts leave the index as it goes
    spy = Spy.on(monkeypatch, "invoicing")
    cont, counts = _stop_after(4, ShardTask("inv", "invoicing", due, 0))
    assert cont is not None and cont.processed == 4
    assert sorted(spy.handled) == sorted(ids) and counts["invoices_issued"] == 7
    assert all([i["year"] for i in one_shard.invoices(cid)] == [1] for cid in ids)

    # And overdue detection (its invoices stay in the index, open) stops after every possible item in turn:
    # mid-page, a page's last item, the shard's last
    late = due + timedelta(days=31 + 30)
    one_shard.travel(late)
    spy = Spy.on(monkeypatch, "overdue")
    for k in range(1, 8):
        spy.handled.clear()
        cont, counts = _stop_after(k, ShardTask(f"od-{k}", "overdue", late, 0))
        assert (cont is None) == (k == 7), k
        # Then every invoice was checked exactly once in that run, none skipped
        assert sorted(spy.handled) == sorted(f"{cid}/1" for cid in ids), k
        assert counts["overdue_invoices"] == 7
    # and escalated once over all the runs
    one_shard.deliver()
    audit = [e["type"] for cid in ids for e in one_shard.ok("GET", f"/contracts/{cid}/audit")["entries"]]
    assert audit.count("InvoiceOverdue") == 7


@dataclass
class NoTimeLeft(LocalContext):
    def get_remaining_time_in_millis(self) -> int:
        return 0


def test_a_worker_whose_lambda_time_is_up_does_one_item_and_hands_on(
    one_shard: Any, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one shard of five due contracts (one page) and a Lambda context with no time left in any invocation
    monkeypatch.setattr(queue_runner, "TimedContext", NoTimeLeft)
    ids = [one_shard.active_contract() for _ in range(5)]
    queue = runner(aws)

    # When invoicing is scheduled and the queue's messages are delivered
    scheduled(one_shard, "invoicing", one_shard.today + timedelta(days=3))

    # Then every invocation did one item and handed on the cursor after it, mid-page: five invocations
    assert queue.drain() == 5 and queue.failed == 0
    assert all([i["year"] for i in one_shard.invoices(cid)] == [1] for cid in ids)
    items = boto3.resource("dynamodb", region_name="us-east-1").Table(get_deps().settings.table_name).scan()["Items"]
    assert [int(i["processed"]) for i in items if i["kind"] == "checkpoint"] == [4]
