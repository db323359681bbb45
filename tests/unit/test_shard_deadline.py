"""A shard worker looks at its deadline before every item, not every page (services/fanout.py): wherever its time
runs out — mid-page, on a page's last item, on a page boundary, on the shard's last item — it hands on the position
right after the last item it handled, and the next invocation (the continuation, or the original message delivered
again) starts there: every item handled exactly once, none skipped. The margin it keeps grows with its slowest item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.services import fanout, shard_jobs  # noqa: F401 - shard_jobs registers the jobs
from chalicelib.services.fanout import HAND_ON_MS, SLOWEST_ITEM_FACTOR, Budget, ShardOutcome, ShardTask, run_shard
from tests.unit.conftest import Office, shanghai

EFFECTIVE = date(2026, 11, 22)
ITEM_S = 1.0  # what every item "takes" on the test's clock


@dataclass
class Clock:
    now: float = 0.0


def _name(item: Any) -> str:
    """A contract id (invoicing's Contract, the lifecycle's id) or `<contract id>/<year>` for an invoice."""
    if isinstance(item, str):
        return item
    return f"{item.contract_id}/{item.year}" if hasattr(item, "year") else str(item.id)


class Shard:
    """One shard of `job` with a spy on its work (which item, in what order) and on its page reads, on a clock where
    every item takes ITEM_S."""

    def __init__(self, office: Office, monkeypatch: pytest.MonkeyPatch, job: str, as_of: date) -> None:
        self.office, self.clock, self.as_of = office, Clock(), as_of
        self.handled: list[str] = []
        self.pages = 0
        original = fanout.JOBS[job]

        def page(deps: Any, on: date, shard: int, cursor: str | None, limit: int) -> Any:
            self.pages += 1
            return original.page(deps, on, shard, cursor, limit)

        def handle(deps: Any, item: Any, on: date) -> dict[str, int]:
            self.handled.append(_name(item))
            self.clock.now += ITEM_S
            return original.handle(deps, item, on)

        monkeypatch.setitem(fanout.JOBS, job, fanout.ShardJob(job, page, handle))
        self.task = ShardTask("run-1", job, as_of, 0)

    def invocation_stopping_after(self, k: int) -> Budget:
        """A Lambda deadline that leaves room for exactly k items: after k, less than the margin is left."""
        margin_s = (HAND_ON_MS / 1000) + SLOWEST_ITEM_FACTOR * ITEM_S
        deadline = self.clock.now + margin_s + k - 0.5
        return Budget(remaining_ms=lambda: int((deadline - self.clock.now) * 1000), clock=lambda: self.clock.now)

    def roomy(self) -> Budget:
        return Budget(clock=lambda: self.clock.now)

    def run(self, task: ShardTask, budget: Budget) -> ShardOutcome:
        return run_shard(self.office.deps, task, budget)

    def finish(self, pending: ShardTask | None) -> int:
        invocations = 0
        while pending is not None:
            pending = self.run(pending, self.roomy()).continuation
            invocations += 1
        return invocations


def invoicing_shard(office: Office, monkeypatch: pytest.MonkeyPatch, n: int) -> tuple[Shard, list[str]]:
    office.repo.shards = 1
    ids = [office.activate(EFFECTIVE + timedelta(days=i % 3)) for i in range(n)]
    as_of = EFFECTIVE + timedelta(days=5)
    office.at(shanghai(as_of, 1))
    return Shard(office, monkeypatch, "invoicing", as_of), ids


# Seven items in pages of 3 (3 + 3 + a last page of 1) and six (3 + 3, the last page full: its cursor leads to an
# empty page), stopped after every possible item: mid-page (1, 4), a page's last item = a page boundary (3, 6), the
# shard's last item (7 of 7, 6 of 6).
CASES = [(7, k) for k in range(1, 8)] + [(6, k) for k in range(1, 7)]


@pytest.mark.parametrize(("n", "k"), CASES)
def test_a_stop_after_any_item_resumes_right_after_it(
    office: Office, monkeypatch: pytest.MonkeyPatch, n: int, k: int
) -> None:
    # Given one shard of n contracts due for their first invoice, read in pages of 3
    monkeypatch.setattr(fanout, "PAGE_SIZE", 3)
    shard, ids = invoicing_shard(office, monkeypatch, n)

    # When the first invocation's deadline leaves room for k items
    first = shard.run(shard.task, shard.invocation_stopping_after(k))

    # Then it handled exactly k, and handed on the position after the k-th (unless the shard visibly ended)
    assert len(shard.handled) == k
    last_page_partial = n % 3 != 0
    if k == n and last_page_partial:
        assert first.continuation is None
    else:
        assert first.continuation is not None and first.continuation.processed == k
        saved = office.repo.load_checkpoint("run-1", "invoicing", shard.as_of, 0)
        assert saved is not None and (saved.cursor, saved.processed) == (first.continuation.cursor, k)
    # Only the pages it started were read (a stop on a page boundary does not read the next)
    assert shard.pages == -(-k // 3)

    # When the original message is delivered again (its continuation lost, or a redelivery after a timeout)
    if first.continuation is not None:
        shard.finish(shard.task)

    # Then the resumed run started right after the k-th item: every contract handled once, invoiced once
    assert sorted(shard.handled) == sorted(ids) and len(shard.handled) == n
    assert all([i.year for i in office.invoices(cid)] == [1] for cid in ids)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_items_that_stay_in_the_index_are_not_redone_after_a_stop(
    office: Office, monkeypatch: pytest.MonkeyPatch, k: int
) -> None:
    # Given five overdue invoices in one shard, read in pages of 2; checking one leaves it open (still in the index)
    monkeypatch.setattr(fanout, "PAGE_SIZE", 2)
    office.repo.shards = 1
    ids = [office.activate(EFFECTIVE + timedelta(days=i % 3)) for i in range(5)]
    office.run_invoicing(EFFECTIVE + timedelta(days=3))
    late = EFFECTIVE + timedelta(days=3 + 31 + 30)
    office.at(shanghai(late, 2))
    shard = Shard(office, monkeypatch, "overdue", late)

    # When the first invocation stops after k items and its continuation carries on
    first = shard.run(shard.task, shard.invocation_stopping_after(k))
    counts = first.counts
    pending = first.continuation
    while pending is not None:
        out = shard.run(pending, shard.roomy())
        counts.update(out.counts)
        pending = out.continuation

    # Then each invoice was checked once and escalated once
    assert sorted(shard.handled) == sorted(f"{cid}/1" for cid in ids)
    assert (counts["overdue_invoices"], counts["escalated"]) == (5, 5)


def test_a_stop_on_a_page_boundary_reads_no_page_it_will_not_start(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fanout, "PAGE_SIZE", 3)
    shard, _ = invoicing_shard(office, monkeypatch, 7)
    saves: list[int] = []
    save = office.repo.save_checkpoint
    monkeypatch.setattr(office.repo, "save_checkpoint", lambda cp: (saves.append(cp.processed), save(cp)))
    first = shard.run(shard.task, shard.invocation_stopping_after(3))
    assert first.continuation is not None and shard.pages == 1
    # and the page's end saved the checkpoint the hand-on needs: one save, not two
    assert saves == [3]
    # while a stop mid-page saves its own position (the page's end saved at 6, the stop after 7 would be the end)
    second = shard.run(first.continuation, shard.invocation_stopping_after(2))
    assert second.continuation is not None and saves == [3, 5]


def test_an_invocation_started_past_its_margin_still_handles_one_item(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a Lambda context with no time to speak of: each invocation gets one item done, so the shard advances
    shard, ids = invoicing_shard(office, monkeypatch, 3)
    pending: ShardTask | None = shard.task
    invocations = 0
    while pending is not None:
        pending = shard.run(pending, Budget(remaining_ms=lambda: 0, clock=lambda: shard.clock.now)).continuation
        invocations += 1
    assert invocations == 3 and sorted(shard.handled) == sorted(ids)


def test_the_margin_follows_the_slowest_item() -> None:
    # Nothing handled yet: the hand-on alone (30 s)
    budget = Budget(remaining_ms=lambda: 0)
    assert budget.margin_ms() == HAND_ON_MS == 30_000
    # Then the slowest item seen, five times over: a 2 s item makes it 40 s, and a faster one after it does not
    # shrink it again
    budget.spend(0.2)
    assert budget.margin_ms() == 31_000
    budget.spend(2.0)
    budget.spend(0.5)
    assert budget.margin_ms() == 40_000
    assert budget.slowest_s == 2.0 and budget.used == 3
    left = [39_999]
    timed = Budget(remaining_ms=lambda: left[0])
    timed.spend(2.0)
    assert timed.exhausted()
    left[0] = 40_000
    assert not timed.exhausted()


def test_the_pace_sleep_is_not_counted_as_item_time() -> None:
    now = [0.0]

    def sleep(s: float) -> None:
        now[0] += s

    budget = Budget(per_second=1, sleep=sleep, clock=lambda: now[0])
    for _ in range(3):
        budget.spend(0.01)
    assert now[0] == pytest.approx(3.0) and budget.slowest_s == 0.01
