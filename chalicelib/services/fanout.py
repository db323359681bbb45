"""Scaling a daily job out over the index shards (adapters/shards.py): the scheduled run hands each shard to a
worker invocation as one message; a shard worker reads its shard page by page, saves its cursor after each page
that has a next one, and looks at its invocation's time (and item) budget before every item: when it runs out, the
worker saves the position right after the last item it handled and sends the rest of the shard on from there as a
new message. A timed-out or crashed invocation's message comes back and resumes from the saved cursor instead of
restarting; every item's work is idempotent, so a duplicate delivery or a concurrent run changes nothing twice.
A job registers how to read one page of its shard and what to do with one item (`register`); services/shard_jobs.py
registers invoicing, overdue, lifecycle and obligations.

The queue is a port: SQS when deployed and on the local stack (adapters/shard_queue.py), `InlineQueue` in one
process (`run_all`: the whole job, every shard and every continuation, in order)."""

from __future__ import annotations

import math
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from chalicelib.domain.calendar import parse_date
from chalicelib.services.base import Deps
from chalicelib.services.ports import Page, ShardCheckpoint

PAGE_SIZE = 100
# Before each item a worker invocation goes on only if the time left covers handing on (the checkpoint PutItem, the
# SQS SendMessage, a page's Query, each with room for a retried request) plus SLOWEST_ITEM_FACTOR times the slowest
# item it has handled: the margin follows the measured item time instead of being a guess (docs/architecture.md,
# "Scaling out"; bench/projection.py models the same rule).
HAND_ON_MS = 30_000
SLOWEST_ITEM_FACTOR = 5


@dataclass(frozen=True)
class ShardTask:
    """One message: shard `shard` of `job`'s run `run_id` for `as_of`, from `cursor` (None: its start)."""

    run_id: str
    job: str
    as_of: date
    shard: int
    cursor: str | None = None
    processed: int = 0

    def to_message(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "job": self.job,
            "as_of": self.as_of.isoformat(),
            "shard": self.shard,
            "cursor": self.cursor,
            "processed": self.processed,
        }

    @classmethod
    def from_message(cls, body: dict[str, Any]) -> ShardTask:
        job_named(str(body.get("job")))
        shard = body.get("shard")
        if not isinstance(shard, int) or shard < 0:
            raise ValueError(f"shard must be a non-negative integer, got {shard!r}")
        cursor = body.get("cursor")
        return cls(
            run_id=str(body["run_id"]),
            job=str(body["job"]),
            as_of=parse_date(str(body["as_of"])),
            shard=shard,
            cursor=str(cursor) if cursor else None,
            processed=int(body.get("processed") or 0),
        )


class ShardQueue(Protocol):
    def send(self, tasks: list[ShardTask]) -> None: ...


@dataclass(frozen=True)
class ShardJob:
    """`page(deps, as_of, shard, cursor, limit)` reads one page of the shard's due items; `handle(deps, item,
    as_of)` does one item's work (idempotently) and returns what it counted."""

    name: str
    page: Callable[[Deps, date, int, str | None, int], Page[Any]]
    handle: Callable[[Deps, Any, date], dict[str, int]]


JOBS: dict[str, ShardJob] = {}


def register(job: ShardJob) -> ShardJob:
    JOBS[job.name] = job
    return job


def job_named(name: str) -> ShardJob:
    """The registered job (the daily jobs register when services/shard_jobs.py is imported, here on first use)."""
    from chalicelib.services import shard_jobs  # noqa: F401 - registers invoicing, overdue, lifecycle, obligations

    try:
        return JOBS[name]
    except KeyError:
        raise ValueError(f"unknown job {name!r}") from None


@dataclass
class Budget:
    """What one invocation may spend: a deadline (Lambda's remaining time) less a margin that grows with the slowest
    item seen, at most `max_items`, and a pace of at most `per_second` items (which bounds the write rate into one
    index partition key: docs/architecture.md)."""

    remaining_ms: Callable[[], int] = lambda: 1 << 40
    max_items: int | None = None
    per_second: float | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    used: int = 0
    slowest_s: float = 0.0
    _started: float | None = None

    def spend(self, seconds: float = 0.0) -> None:
        """One item done, in `seconds`; waits as long as the pace asks."""
        now = self.clock()
        if self._started is None:
            self._started = now
        self.used += 1
        self.slowest_s = max(self.slowest_s, seconds)
        if self.per_second:
            ahead = self.used / self.per_second - (now - self._started)
            if ahead > 0:
                self.sleep(ahead)

    def margin_ms(self) -> int:
        """How much time must be left to start one more item."""
        return HAND_ON_MS + math.ceil(SLOWEST_ITEM_FACTOR * self.slowest_s * 1000)

    def exhausted(self) -> bool:
        out_of_items = self.max_items is not None and self.used >= self.max_items
        return out_of_items or self.remaining_ms() < self.margin_ms()


@dataclass
class ShardOutcome:
    counts: Counter[str] = field(default_factory=Counter)
    continuation: ShardTask | None = None


def _resume(deps: Deps, task: ShardTask) -> ShardTask:
    """The message's position, or the saved checkpoint's where that got further (an invocation that timed out
    after saving it: its message came back with the older cursor)."""
    saved = deps.repo.load_checkpoint(task.run_id, task.job, task.as_of, task.shard)
    if saved is not None and saved.processed > task.processed:
        return replace(task, cursor=saved.cursor, processed=saved.processed)
    return task


def run_shard(deps: Deps, task: ShardTask, budget: Budget) -> ShardOutcome:
    """Works through `task`'s shard from its position until the shard ends or the budget does. The budget is looked
    at before every item but the invocation's first (so each invocation gets somewhere), and a stop hands on the
    position right after the last item handled: nothing skipped, nothing repeated. (An invocation killed instead
    redoes, on redelivery, the items since its last checkpoint: at most a page, each idempotent.)"""
    job = job_named(task.job)
    task = _resume(deps, task)
    out = ShardOutcome()
    saved = task.processed
    while True:
        if budget.used and budget.exhausted():  # on a page boundary: no Query for a page it would not start
            return _hand_on(deps, out, task, saved)
        page = job.page(deps, task.as_of, task.shard, task.cursor, PAGE_SIZE)
        for item, after in zip(page.items, page.after, strict=True):
            if budget.used and budget.exhausted():
                return _hand_on(deps, out, task, saved)
            started = budget.clock()
            out.counts.update(job.handle(deps, item, task.as_of))
            budget.spend(budget.clock() - started)
            task = replace(task, cursor=after, processed=task.processed + 1)
        if page.cursor is None:
            return out
        task = replace(task, cursor=page.cursor)
        _save(deps, task)
        saved = task.processed


def _save(deps: Deps, task: ShardTask) -> None:
    if task.cursor is None:  # a page reader whose `after` left a gap: stopping here would restart the shard
        raise RuntimeError(f"no cursor after item {task.processed} of {task.job} shard {task.shard}")
    deps.repo.save_checkpoint(
        ShardCheckpoint(task.run_id, task.job, task.as_of, task.shard, task.cursor, task.processed)
    )


def _hand_on(deps: Deps, out: ShardOutcome, task: ShardTask, saved: int) -> ShardOutcome:
    """Saves the position (unless a page's end just did) before the rest of the shard is sent on from it, so a
    redelivered message resumes there too."""
    if task.processed > saved:
        _save(deps, task)
    out.continuation = task
    return out


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def shard_tasks(deps: Deps, job: str, as_of: date, run_id: str | None = None) -> list[ShardTask]:
    job_named(job)
    rid = run_id or new_run_id()
    return [ShardTask(rid, job, as_of, shard) for shard in range(deps.repo.index_shards())]


def dispatch(deps: Deps, queue: ShardQueue, job: str, as_of: date, run_id: str | None = None) -> dict[str, Any]:
    """The scheduled run: one message per shard (the shard workers do the rest)."""
    tasks = shard_tasks(deps, job, as_of, run_id)
    queue.send(tasks)
    return {"as_of": as_of.isoformat(), "job": job, "run_id": tasks[0].run_id, "shards": len(tasks)}


@dataclass
class InlineQueue:
    """The queue of a run done in one process: continuations wait here until the caller takes them."""

    pending: deque[ShardTask] = field(default_factory=deque)

    def send(self, tasks: list[ShardTask]) -> None:
        self.pending.extend(tasks)


def run_all(deps: Deps, job: str, as_of: date, budget: Callable[[], Budget] = Budget) -> dict[str, Any]:
    """The whole job in this process, shard after shard (with the same continuations a worker would send)."""
    queue = InlineQueue()
    tasks = shard_tasks(deps, job, as_of)
    queue.send(tasks)
    totals: Counter[str] = Counter()
    invocations = 0
    while queue.pending:
        out = run_shard(deps, queue.pending.popleft(), budget())
        invocations += 1
        totals.update(out.counts)
        if out.continuation is not None:
            queue.send([out.continuation])
    return {"as_of": as_of.isoformat(), "job": job, "shards": len(tasks), "invocations": invocations, **totals}
