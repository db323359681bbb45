"""The scale model's arithmetic (bench/projection.py), on made-up per-item costs whose answers can be worked out by
hand: shard spread, time per item, invocations, write units per index partition key, fixed cost."""

from __future__ import annotations

import math

import pytest

from bench.projection import (
    Config,
    JobCosts,
    base_of,
    fixed_usd_per_year,
    invocation_budget_s,
    item_seconds_lower,
    item_seconds_upper,
    predicted_shard_counts,
    project,
    shard_spread,
)

INVOICING = JobCosts(
    name="invoicing",
    requests={"TransactWriteItems": 1.0, "GetItem": 0.5},
    read_units=0.5,
    write_units=24.0,
    index_units={"schedule|NEXT_INVOICE#3": 8.0, "schedule|OPEN_INVOICE#3": 2.0, "by_status|STATUS#active": 0.5},
    seconds=0.010,
)


def test_shard_spread_is_the_mean_and_four_standard_deviations() -> None:
    mean, worst = shard_spread(50_000, 16)
    assert mean == 3125.0
    assert worst == math.ceil(3125 + 4 * math.sqrt(50_000 * (1 / 16) * (15 / 16)))  # 3125 + 4 × 54.1 → 3342
    assert shard_spread(10, 1) == (10.0, 10)
    assert predicted_shard_counts(0.01, 20_000, 16) == shard_spread(200, 16)


def test_time_per_item_has_the_pace_as_its_floor() -> None:
    cfg = Config(pace=25.0)
    # upper: 1 transaction × 30 ms + 0.5 GetItem × 12 ms + 10 ms in process = 46 ms (above the 40 ms pace)
    assert item_seconds_upper(INVOICING, cfg) == pytest.approx(0.046)
    # lower: 4 ms + 0.5 × 2 ms = 5 ms, below the pace: the pace decides
    assert item_seconds_lower(INVOICING, cfg) == pytest.approx(0.040)
    assert item_seconds_lower(INVOICING, Config(pace=1000.0)) == pytest.approx(0.005)


def test_index_keys_group_by_their_unsharded_base() -> None:
    assert base_of("schedule|NEXT_INVOICE#12") == "schedule|NEXT_INVOICE"
    assert base_of("by_status|STATUS#active") == "by_status|STATUS#active"


def test_a_million_contracts_on_sixteen_shards() -> None:
    p = project([INVOICING], 1_000_000, Config(shards=16, concurrency=16, pace=25.0), own_usd_per_contract_year=0.0009)
    assert p.peak_items == 50_000
    worst = shard_spread(50_000, 16)[1]
    assert p.shard_max == worst
    shard_s = worst * 0.046
    assert p.jobs["invoicing"]["shard_s"] == pytest.approx(shard_s)
    # a worker starts items until less than 30 s + 5 × 46 ms is left: for 300 - 30.23 = 269.77 s
    budget = 300 - 30 - 5 * 0.046
    assert p.jobs["invoicing"]["invocation_budget_s"] == pytest.approx(budget)
    assert p.jobs["invoicing"]["invocations_per_shard"] == math.ceil(shard_s / budget) == 1
    assert p.invocations == 1 + 16 * 1
    # the shard (3342 × 46 ms = 153.7 s) fits one invocation: its longest is the shard itself
    assert p.longest_invocation_s == pytest.approx(shard_s)
    # one worker per sharded key at 25 items/s; the unsharded by_status key takes all 16 workers' writes
    assert p.key_write_units_per_s["schedule|NEXT_INVOICE"] == pytest.approx(8.0 * 25)
    assert p.key_write_units_per_s["by_status|STATUS#active"] == pytest.approx(16 * 0.5 * 25)
    fixed = sum(fixed_usd_per_year(Config(shards=16), jobs=1).values())
    assert p.usd_per_contract_year == pytest.approx(0.0009 + fixed / 1_000_000)


def test_fixed_cost_counts_every_shard_run_and_the_idle_queue() -> None:
    f = fixed_usd_per_year(Config(shards=16), jobs=3)
    assert f["lambda_requests"] == pytest.approx((3 + 48) * 365 * 0.2e-6)
    assert f["dynamodb_empty_queries"] == pytest.approx(48 * 365 * 0.5 * 0.25e-6)
    assert f["sqs_messages"] == pytest.approx((3 * 2 + 2 * 48) * 365 * 0.4e-6)
    assert f["sqs_idle_polling_estimate"] == pytest.approx(15 * 60 * 24 * 365 * 0.4e-6)


def test_a_long_shard_hands_on_and_no_invocation_runs_past_its_budget_and_one_item() -> None:
    # Given items that take 0.6 s at the upper bound (moto's in-process time on a loaded machine) and 6,000 in a shard
    slow = JobCosts("overdue", {"default": 0.0}, 0.5, 1.0, {}, seconds=0.6)
    p = project([slow], 1_000_000, Config(shards=8, concurrency=8, pace=25.0))
    job = p.jobs["overdue"]
    budget = 300 - 30 - 5 * 0.6  # 267 s of starting items
    assert job["invocation_budget_s"] == pytest.approx(budget) == invocation_budget_s(0.6)
    assert job["shard_s"] == pytest.approx(p.shard_max * 0.6)
    assert job["invocations_per_shard"] == math.ceil(p.shard_max * 0.6 / budget)
    # Then the longest invocation is the budget plus ONE item (not one page of 100): 267.6 s, under the 300 s timeout
    assert p.longest_invocation_s == pytest.approx(budget + 0.6)
    assert p.longest_invocation_s <= 300 - 30
    # and the run is one wave of the worst shard
    assert p.run_wall_s == pytest.approx(job["shard_s"])


def test_the_margin_grows_with_the_item_time() -> None:
    # 30 s to hand on plus 5 × the slowest item: a 10 s item leaves 220 s of starting items, still + one item < 300
    assert invocation_budget_s(0.04) == pytest.approx(269.8)
    assert invocation_budget_s(10.0) == pytest.approx(220.0)
    assert invocation_budget_s(10.0) + 10.0 < 300


def test_the_recommended_shard_count_grows_with_the_portfolio() -> None:
    from bench.projection import recommended_shards

    # a peak day's worst shard at 25 items/s must fit one invocation's 300 - 30 - 5 × 40 ms = 269.8 s
    # (1,000,000: 8 shards' worst is 6,546 items = 261.8 s)
    assert [recommended_shards(n) for n in (1_000, 10_000, 100_000, 1_000_000)] == [1, 1, 1, 8]
