"""Figure 9: the scale model. In moto, on a portfolio built like figures 1 and 2's (bench/data.py), each daily job
is run the way the shard workers run it — every index shard of the configured count, page by page and item by
item (services/fanout.run_shard) — on a day with work: invoicing on the first 1 % cohort's start day, overdue on the
business day D (1 % overdue), lifecycle on D + 400 days (the renewal reminders of every contract whose reminder
fell due by then). Per shard: items, requests, read and write units, index write units by partition key,
in-process time. From 10,000 contracts the per-item costs are projected (bench/projection.py, method in its
docstring and bench/README.md) to 100,000 and 1,000,000 contracts on a peak day with 5 % of contracts due for
each job; a run at 20,000 contracts checks the projection's per-shard counts (counts, not times)."""

from __future__ import annotations

import math
import statistics
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from bench.data import build_portfolio, clock
from bench.env import index_shards, stack
from bench.meter import METER
from bench.motofast import fast_moto
from bench.projection import SIZES, Config, JobCosts, predicted_shard_counts, project
from bench.scale import BUSINESS_DAY

LIFECYCLE_DAY = BUSINESS_DAY + timedelta(days=400)
MEASURE_AT = 10_000
# The settings' default. projection.recommended_shards asks only that a peak day's worst shard fit one invocation at
# the workers' pace (8 at 1,000,000 contracts); 16 halves that day's wall time at the measured item times.
SHARDS = 16
CHECK_AT = 20_000


def _shard(deps: Any, task: Any) -> dict[str, Any]:
    from chalicelib.services.fanout import Budget, run_shard

    before = METER.snapshot()
    t0 = time.perf_counter()
    items = 0
    invocations = 0
    pending = task
    while pending is not None:
        budget = Budget()
        out = run_shard(deps, pending, budget)
        items += budget.used
        invocations += 1
        pending = out.continuation
    seconds = time.perf_counter() - t0
    c = METER.snapshot() - before
    return {
        "shard": task.shard,
        "items": items,
        "invocations": invocations,
        "requests": c.ddb_requests,
        "ops": dict(c.ops),
        "read_units": c.read_units,
        "write_units": c.write_units,
        "write_units_index": c.write_units_index,
        "index_key_units": dict(c.index_key_units),
        "seconds": seconds,
    }


def _job(deps: Any, job: str, day: Any) -> dict[str, Any]:
    from chalicelib.services.fanout import shard_tasks

    clock(deps, day)
    shards = [_shard(deps, t) for t in shard_tasks(deps, job, day, run_id=f"bench-{job}")]
    items = sum(s["items"] for s in shards)
    empty = [s for s in shards if not s["items"]]
    ops: Counter[str] = Counter()
    keys: Counter[str] = Counter()
    for s in shards:
        ops.update(s["ops"])
        keys.update(s["index_key_units"])
    busy = [s for s in shards if s["items"]]
    # Per item: what the busy shards spent beyond an empty shard's run (one Query).
    empty_requests = statistics.mean(s["requests"] for s in empty) if empty else 1.0
    empty_read = statistics.mean(s["read_units"] for s in empty) if empty else 0.5
    n = max(1, items)
    # An empty shard's run is one checkpoint GetItem and one Query: what every shard pays, items or not.
    fixed_ops: Counter[str] = Counter()
    for s in empty:
        fixed_ops.update(s["ops"])
    per_shard_fixed = {k: v / len(empty) for k, v in fixed_ops.items()} if empty else {}
    per_item_ops: dict[str, float] = {}
    for op, v in ops.items():
        if op.startswith("dynamodb."):
            name = op.removeprefix("dynamodb.").split("@")[0]
            extra = v - len(shards) * per_shard_fixed.get(op, 0.0)
            per_item_ops[name] = per_item_ops.get(name, 0.0) + max(0.0, extra) / n
    return {
        "day": day.isoformat(),
        "shards": shards,
        "items": items,
        "items_per_shard": [s["items"] for s in shards],
        "invocations": sum(s["invocations"] for s in shards),
        "per_item": {
            "requests": (sum(s["requests"] for s in busy) - len(busy) * empty_requests) / n,
            "ops": per_item_ops,
            "read_units": (sum(s["read_units"] for s in busy) - len(busy) * empty_read) / n,
            "write_units": sum(s["write_units"] for s in shards) / n,
            "index_units": {k: v / n for k, v in sorted(keys.items())},
            "seconds": sum(s["seconds"] for s in busy) / n,
        },
        "empty_shard": {"requests": empty_requests, "read_units": empty_read},
    }


def measure(size: int, template: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.bootstrap import get_deps

    with index_shards(SHARDS), stack():
        deps = get_deps()
        METER.forget_tables()
        portfolio = build_portfolio(template, size, BUSINESS_DAY, deps.settings.overdue_levels)
        first_cohort = min(portfolio.invoicing)
        with fast_moto():
            jobs = {
                "invoicing": _job(deps, "invoicing", first_cohort),
                "overdue": _job(deps, "overdue", BUSINESS_DAY),
                "lifecycle": _job(deps, "lifecycle", LIFECYCLE_DAY),
            }
        for job in jobs.values():
            job["items_per_contract"] = job["items"] / size
        return {"contracts": size, "shards": deps.repo.index_shards(), "jobs": jobs}


def costs(measured: dict[str, Any]) -> list[JobCosts]:
    out = []
    for name, job in measured["jobs"].items():
        per = job["per_item"]
        out.append(
            JobCosts(
                name=name,
                requests=per["ops"],
                read_units=per["read_units"],
                write_units=per["write_units"],
                index_units=per["index_units"],
                seconds=per["seconds"],
                empty_shard_read_units=job["empty_shard"]["read_units"],
            )
        )
    return out


def check(model: dict[str, Any], checked: dict[str, Any]) -> dict[str, Any]:
    """The projection's per-shard counts at CHECK_AT contracts against the measured ones."""
    shards = checked["shards"]
    out: dict[str, Any] = {}
    for name, job in model["jobs"].items():
        mean, worst = predicted_shard_counts(job["items_per_contract"], checked["contracts"], shards)
        got = checked["jobs"][name]["items_per_shard"]
        measured_mean = statistics.mean(got)
        predicted_requests = mean * job["per_item"]["requests"] + job["empty_shard"]["requests"]
        got_requests = statistics.mean(s["requests"] for s in checked["jobs"][name]["shards"])
        out[name] = {
            "predicted_mean_items": mean,
            "predicted_max_items": worst,
            "measured_mean_items": measured_mean,
            "measured_max_items": max(got),
            "predicted_mean_requests": predicted_requests,
            "measured_mean_requests": got_requests,
            "ok": abs(measured_mean - mean) <= max(1.0, 0.05 * mean)
            and max(got) <= worst
            and abs(got_requests - predicted_requests) <= max(1.0, 0.10 * predicted_requests),
        }
    return out


def run(template: dict[str, Any], own_usd_per_contract_year: float | None, check_at: int = CHECK_AT) -> dict[str, Any]:
    model = measure(MEASURE_AT, template)
    cfg = Config(shards=model["shards"])
    projections = {
        str(n): project(costs(model), n, cfg, own_usd_per_contract_year).__dict__ for n in (MEASURE_AT, *SIZES)
    }
    unsharded = Config(shards=1, concurrency=1)
    single = {str(n): project(costs(model), n, unsharded, own_usd_per_contract_year).__dict__ for n in SIZES}
    result: dict[str, Any] = {
        "measured": model,
        "config": cfg.__dict__,
        "projections": projections,
        "one_shard": single,
        "own_usd_per_contract_year": own_usd_per_contract_year,
    }
    if check_at:
        t0 = time.perf_counter()
        checked = measure(check_at, template)
        result["check"] = {
            "contracts": check_at,
            "wall_s": time.perf_counter() - t0,
            "jobs": check(model, checked),
            "measured": checked,
        }
    return result


def ok(result: dict[str, Any]) -> dict[str, bool]:
    """The targets: ≤ 1,000 write units/s per index partition key at the peak, each invocation ≤ 5 minutes, the
    20,000-contract check within the projection."""
    largest = result["projections"][str(max(SIZES))]
    return {
        "key_rate": max(largest["key_write_units_per_s"].values(), default=0.0) <= 1000.0,
        "invocation": all(p["longest_invocation_s"] <= 300.0 for p in result["projections"].values()),
        "check": all(j["ok"] for j in result.get("check", {}).get("jobs", {}).values()) if "check" in result else False,
        "cost": all(
            p["usd_per_contract_year"] is not None and p["usd_per_contract_year"] < 0.001
            for n, p in result["projections"].items()
            if int(n) in SIZES
        ),
    }


def ceil_div(a: float, b: float) -> int:
    return math.ceil(a / b)
