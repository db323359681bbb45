"""The fanned-out daily jobs (services/fanout.py) on the in-memory repository: every shard's items handled once,
a bounded invocation hands the rest of its shard on with its cursor, a redelivered message resumes from the saved
checkpoint instead of restarting, and the pace holds."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.adapters.shards import rekeyed, shard_key, shard_of
from chalicelib.services import fanout, shard_jobs  # noqa: F401 - shard_jobs registers the jobs
from chalicelib.services.fanout import Budget, InlineQueue, ShardTask, dispatch, run_all, run_shard
from tests.unit.conftest import Office, shanghai

EFFECTIVE = date(2026, 11, 22)


def portfolio(office: Office, n: int) -> list[str]:
    return [office.activate(EFFECTIVE + timedelta(days=i % 3)) for i in range(n)]


def test_shard_of_is_stable_and_spreads() -> None:
    # crc32, not hash(): the same in every process
    assert shard_of("c-1", 16) == shard_of("c-1", 16) == 14  # zlib.crc32(b"c-1") % 16
    assert shard_key("NEXT_INVOICE", "c-1", 16) == "NEXT_INVOICE#14"
    counts = [0] * 16
    for i in range(1600):
        counts[shard_of(f"contract-{i}", 16)] += 1
    assert min(counts) > 60 and max(counts) < 140
    # an unsharded key or one under another count maps to its key under the count given; others are left alone
    assert rekeyed("NEXT_INVOICE", "c-1", 16) == "NEXT_INVOICE#14"
    assert rekeyed("OPEN_INVOICE#3", "c-1", 16) == "OPEN_INVOICE#14"
    assert rekeyed("STATUS#active", "c-1", 16) is None and rekeyed(None, "c-1", 16) is None


def test_every_shard_fans_out_and_each_invoice_is_issued_once(office: Office) -> None:
    # Given seven active contracts spread over the fake's four shards
    ids = portfolio(office, 7)
    assert len({shard_of(cid, office.repo.shards) for cid in ids}) > 1
    # When the invoicing run goes through every shard in this process
    office.at(shanghai(EFFECTIVE + timedelta(days=5), 1))
    result = run_all(office.deps, "invoicing", EFFECTIVE + timedelta(days=5))
    # Then every contract got its year-1 invoice, once, and a rerun issues nothing
    assert (result["shards"], result["contracts_due"], result["invoices_issued"]) == (4, 7, 7)
    assert all([i.year for i in office.invoices(cid)] == [1] for cid in ids)
    again = run_all(office.deps, "invoicing", EFFECTIVE + timedelta(days=5))
    assert again.get("invoices_issued", 0) == 0


def test_the_scheduled_run_sends_one_message_per_shard(office: Office) -> None:
    queue = InlineQueue()
    out = dispatch(office.deps, queue, "overdue", date(2027, 1, 1), run_id="r1")
    assert out == {"as_of": "2027-01-01", "job": "overdue", "run_id": "r1", "shards": 4}
    assert [t.shard for t in queue.pending] == [0, 1, 2, 3]
    assert ShardTask.from_message(queue.pending[0].to_message()) == queue.pending[0]


@pytest.mark.parametrize(
    "body",
    [
        {"run_id": "r", "job": "nope", "as_of": "2027-01-01", "shard": 0},
        {"run_id": "r", "job": "overdue", "as_of": "2027-02-30", "shard": 0},
        {"run_id": "r", "job": "overdue", "as_of": "2027-01-01", "shard": -1},
    ],
)
def test_a_malformed_message_is_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ShardTask.from_message(body)


def test_a_bounded_invocation_continues_and_a_redelivery_resumes_from_the_checkpoint(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a shard of five contracts due (one shard here), pages of two, and invocations allowed two items each
    monkeypatch.setattr(fanout, "PAGE_SIZE", 2)
    office.repo.shards = 1
    shard, members = 0, portfolio(office, 5)
    as_of = EFFECTIVE + timedelta(days=5)
    office.at(shanghai(as_of, 1))
    handled: list[str] = []
    original = fanout.JOBS["invoicing"]

    def spy(deps: Any, contract: Any, on: date) -> dict[str, int]:
        handled.append(contract.id)
        return original.handle(deps, contract, on)

    monkeypatch.setitem(fanout.JOBS, "invoicing", fanout.ShardJob("invoicing", original.page, spy))
    task = ShardTask("run-1", "invoicing", as_of, shard)

    # When the first invocation runs out of its budget after one page
    first = run_shard(office.deps, task, Budget(max_items=2))
    # Then it handed the rest on with its cursor, and saved the same cursor
    assert first.continuation is not None and first.continuation.processed == 2
    saved = office.repo.load_checkpoint("run-1", "invoicing", as_of, shard)
    assert saved is not None and saved.cursor == first.continuation.cursor

    # When the original message is delivered again (as after a timeout), it resumes from the checkpoint
    again = run_shard(office.deps, task, Budget(max_items=2))
    assert again.continuation is not None and again.continuation.processed == 4
    assert len(handled) == 4 and len(set(handled)) == 4  # nothing handled twice

    # And following the continuations finishes the shard: every member invoiced once
    pending = again.continuation
    while pending is not None:
        pending = run_shard(office.deps, pending, Budget(max_items=2)).continuation
    assert sorted(handled) == sorted(members)
    assert all(len(office.invoices(cid)) == 1 for cid in members)


def test_a_checkpoint_only_moves_forward(office: Office) -> None:
    from chalicelib.services.ports import ShardCheckpoint

    on = date(2027, 1, 1)
    office.repo.save_checkpoint(ShardCheckpoint("r", "overdue", on, 0, "later", 200))
    office.repo.save_checkpoint(ShardCheckpoint("r", "overdue", on, 0, "earlier", 100))
    saved = office.repo.load_checkpoint("r", "overdue", on, 0)
    assert saved is not None and (saved.cursor, saved.processed) == ("later", 200)


def test_the_pace_holds_and_the_deadline_stops_new_items() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    budget = Budget(per_second=25, sleep=sleep, clock=lambda: now[0])
    for _ in range(50):
        budget.spend()
    # 50 items at 25/s take two seconds, however fast the work itself was
    assert now[0] == pytest.approx(50 / 25, abs=1e-9)
    assert not budget.exhausted()
    # with nothing slow seen yet, an invocation goes on while 30 s are left (tests/unit/test_shard_deadline.py)
    assert Budget(remaining_ms=lambda: 29_999).exhausted()
    assert not Budget(remaining_ms=lambda: 30_000).exhausted()


def test_whole_runs_match_the_fanned_out_ones(office: Office) -> None:
    # Overdue and lifecycle too: the fanned-out run reports what the whole-table run would
    ids = portfolio(office, 6)
    office.run_invoicing(EFFECTIVE + timedelta(days=3))
    late = EFFECTIVE + timedelta(days=3 + 31 + 30)
    office.at(shanghai(late, 2))
    fanned = run_all(office.deps, "overdue", late)
    assert (fanned["overdue_invoices"], fanned["escalated"]) == (6, 6)
    assert office.run_overdue(late) == {"as_of": late.isoformat(), "overdue_invoices": 6, "escalated": 0}
    end = EFFECTIVE + timedelta(days=365 * 3 + 5)
    office.at(shanghai(end, 3))
    swept = run_all(office.deps, "lifecycle", end)
    assert swept["contracts_due"] == len(ids) and swept.get("event:ContractExpired") == len(ids)


def test_a_changed_shard_count_is_read_until_migrated(office: Office) -> None:
    # Given contracts written under 2 shards
    office.repo.shards = 2
    ids = portfolio(office, 5)
    # When the count becomes 8, with the previous count still read
    office.repo.shards, office.repo.previous_shards = 8, 2
    as_of = EFFECTIVE + timedelta(days=5)
    assert len(list(office.repo.contracts_to_invoice(as_of))) == 5
    # Then the migration's reindex moves every key, a second pass moves none, and 8 shards alone find them all
    moved = sum(office.repo.reindex_contract(cid) for cid in ids)
    assert moved >= 5
    assert sum(office.repo.reindex_contract(cid) for cid in ids) == 0
    office.repo.previous_shards = None
    office.at(shanghai(as_of, 1))
    assert run_all(office.deps, "invoicing", as_of)["invoices_issued"] == 5


def test_audit_entries_carry_sharded_keys_and_are_found_across_shards(office: Office) -> None:
    # A chain's first audit entry of each day is listed in the lifecycle index: its key is sharded like the others
    ids = portfolio(office, 3)
    audit = [i for (pk, sk), i in office.repo.snapshot().items() if sk.startswith("AUDIT#")]
    keys = {str(i["s2pk"]) for i in audit if i.get("s2pk")}
    assert keys and all(k.startswith("AUDITED#") for k in keys) and len(keys) < len(audit)
    assert set(office.repo.contracts_with_audit_since("2000-01-01")) == set(ids)
