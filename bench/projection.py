"""The scale model's arithmetic (figure 9), apart from any measuring so a unit test can hold it: from per-item
costs measured in moto to a daily run at 100,000 and 1,000,000 contracts on a peak day when 5 % of them are due
for each job. Method (also in bench/README.md, "Scale model"):

- Items. On the peak day each job handles `peak_share` × contracts items (invoices to issue, open invoices to
  check, contracts to sweep), spread over the index shards by CRC-32 of the contract id: a shard gets the mean
  items / shards and, at worst, mean + 4 standard deviations (binomial; exceeded on fewer than 1 day in 30,000).
- Time per item, upper bound (wall time): the measured DynamoDB requests per item at a pessimistic in-region
  latency each (`LATENCY_UPPER`), plus the item's measured in-process time in moto (moto's own emulation
  included: an upper bound on the Python work), and never less than the worker's pace (1 / items per second).
- Time per item, lower bound (write rate): the requests at an optimistic latency (`LATENCY_LOWER`), never less
  than the pace. A shard's items are handled by one worker at a time, so the write units per second into a
  sharded index partition key are (units per item into that key) / (lower-bound time per item), summed over
  the jobs writing that key, as if all three ran at once. An unsharded key (by_status) takes every concurrent
  worker's writes: × the shard worker's reserved concurrency.
- Invocations. Before every item a worker looks at the time left of its 300 s and hands the rest of its shard on
  once less than the hand-on margin (30 s) + 5 × its slowest item is left (services/fanout.py). With every item
  at the upper bound u, it starts items for `invocation_budget_s(u)` = 300 - 30 - 5u and works at most that + ONE
  item (u), then hands on; a shard takes at most ceil(shard time / budget) invocations, a run one scheduled
  invocation per job plus every shard's.
- Wall time of a run: ceil(shards / concurrency) waves of the slowest shard.
- Cost per contract-year: the contract's own cost from the life figure (figure 3) + the fan-out's fixed yearly
  cost / contracts: every day 3 scheduled invocations and 3 × shards shard invocations (each at least an empty
  index query), their SQS requests, and the queue's event source mapping polling all day (`SQS_IDLE_POLLS`, an
  estimate: Lambda keeps long-polling an idle queue)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from chalicelib.services.fanout import HAND_ON_MS, SLOWEST_ITEM_FACTOR

PEAK_SHARE = 0.05
SIZES = (100_000, 1_000_000)
TIMEOUT_S = 300.0  # the shard worker's Lambda timeout (infra/template.yaml)
HAND_ON_S = HAND_ON_MS / 1000
MAX_KEY_WRITE_UNITS = 1000.0
# Seconds per DynamoDB request: upper (a slow in-region day) and lower (a fast one).
LATENCY_UPPER = {"TransactWriteItems": 0.030, "default": 0.012}
LATENCY_LOWER = {"TransactWriteItems": 0.004, "default": 0.002}
# An idle SQS event source mapping: about 15 ReceiveMessage a minute (5 pollers × 20 s long polls) — an estimate.
SQS_IDLE_POLLS_PER_YEAR = 15 * 60 * 24 * 365
SQS_REQUEST = 0.40 / 1_000_000
LAMBDA_REQUEST = 0.20 / 1_000_000
LAMBDA_GB_SECOND_ARM = 0.0000133334
LAMBDA_MEMORY_GB = 0.5
DDB_READ_UNIT = 0.25 / 1_000_000
EMPTY_SHARD_RUN_S = 0.030  # an empty shard worker invocation, billed (a Query and the Powertools wrapper)


@dataclass(frozen=True)
class JobCosts:
    """Per-item costs of one job, measured in moto: DynamoDB requests by operation, read units, and index write
    units by `<index>|<partition base>` (e.g. `schedule|NEXT_INVOICE`, `by_status|STATUS#active`)."""

    name: str
    requests: dict[str, float]
    read_units: float
    write_units: float
    index_units: dict[str, float]
    seconds: float  # in-process seconds per item in moto
    empty_shard_read_units: float = 0.5


@dataclass(frozen=True)
class Config:
    shards: int = 16
    concurrency: int = 16
    pace: float = 25.0  # items per second per worker
    sharded_bases: tuple[str, ...] = (
        "NEXT_INVOICE",
        "OPEN_INVOICE",
        "LIFECYCLE_DUE",
        "RECEIVABLE",
        "AUDITED",
        "OBLIGATION_DUE",
    )


@dataclass
class Projection:
    contracts: int
    peak_items: int
    shard_mean: float
    shard_max: int
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    key_write_units_per_s: dict[str, float] = field(default_factory=dict)
    invocations: int = 0
    run_wall_s: float = 0.0
    longest_invocation_s: float = 0.0
    fixed_usd_per_year: dict[str, float] = field(default_factory=dict)
    usd_per_contract_year: float | None = None

    @property
    def hottest_key(self) -> tuple[str, float]:
        return max(self.key_write_units_per_s.items(), key=lambda kv: kv[1], default=("", 0.0))


def _latency(requests: dict[str, float], table: dict[str, float]) -> float:
    return sum(n * table.get(op, table["default"]) for op, n in requests.items())


def item_seconds_upper(job: JobCosts, cfg: Config) -> float:
    return max(1.0 / cfg.pace, _latency(job.requests, LATENCY_UPPER) + job.seconds)


def invocation_budget_s(item_s: float) -> float:
    """How long a worker whose slowest item takes `item_s` goes on starting items (fanout.Budget.exhausted)."""
    return TIMEOUT_S - HAND_ON_S - SLOWEST_ITEM_FACTOR * item_s


def item_seconds_lower(job: JobCosts, cfg: Config) -> float:
    return max(1.0 / cfg.pace, _latency(job.requests, LATENCY_LOWER))


def shard_spread(items: float, shards: int) -> tuple[float, int]:
    """Mean items per shard and the worst shard (mean + 4 binomial standard deviations, rounded up)."""
    mean = items / shards
    sd = math.sqrt(items * (1 / shards) * (1 - 1 / shards))
    return mean, min(int(items), math.ceil(mean + 4 * sd))


def base_of(index_key: str) -> str:
    """`schedule|NEXT_INVOICE#7` → `schedule|NEXT_INVOICE`; an unsharded key is its own base."""
    index, _, key = index_key.partition("|")
    head, _, tail = key.rpartition("#")
    return f"{index}|{head}" if head and tail.isdigit() else index_key


def fixed_usd_per_year(cfg: Config, jobs: int = 3) -> dict[str, float]:
    shard_runs = 365 * jobs * cfg.shards
    sends = 365 * jobs * math.ceil(cfg.shards / 10)
    return {
        "lambda_requests": (365 * jobs + shard_runs) * LAMBDA_REQUEST,
        "lambda_duration": shard_runs * EMPTY_SHARD_RUN_S * LAMBDA_MEMORY_GB * LAMBDA_GB_SECOND_ARM,
        "dynamodb_empty_queries": shard_runs * 0.5 * DDB_READ_UNIT,
        "sqs_messages": (sends + 2 * shard_runs) * SQS_REQUEST,
        "sqs_idle_polling_estimate": SQS_IDLE_POLLS_PER_YEAR * SQS_REQUEST,
    }


def project(
    jobs: list[JobCosts], contracts: int, cfg: Config, own_usd_per_contract_year: float | None = None
) -> Projection:
    peak = round(PEAK_SHARE * contracts)
    mean, worst = shard_spread(peak, cfg.shards)
    out = Projection(contracts, peak, mean, worst)
    waves = math.ceil(cfg.shards / cfg.concurrency)
    out.invocations = len(jobs)
    for job in jobs:
        upper, lower = item_seconds_upper(job, cfg), item_seconds_lower(job, cfg)
        shard_s = worst * upper
        budget = invocation_budget_s(upper)
        per_shard = max(1, math.ceil(shard_s / budget))
        longest = min(shard_s, budget + upper)  # the last item it started, past the budget by at most one item
        out.jobs[job.name] = {
            "item_s_upper": upper,
            "item_s_lower": lower,
            "shard_s": shard_s,
            "invocation_budget_s": budget,
            "invocations_per_shard": per_shard,
            "run_s": waves * shard_s,
            "longest_invocation_s": longest,
        }
        out.invocations += cfg.shards * per_shard
        out.run_wall_s = max(out.run_wall_s, waves * shard_s)
        out.longest_invocation_s = max(out.longest_invocation_s, longest)
        for key, units in job.index_units.items():
            base = base_of(key)
            writers = 1 if base.partition("|")[2] in cfg.sharded_bases else min(cfg.concurrency, cfg.shards)
            out.key_write_units_per_s[base] = out.key_write_units_per_s.get(base, 0.0) + writers * units / lower
    out.fixed_usd_per_year = fixed_usd_per_year(cfg, len(jobs))
    if own_usd_per_contract_year is not None:
        out.usd_per_contract_year = own_usd_per_contract_year + sum(out.fixed_usd_per_year.values()) / contracts
    return out


def predicted_shard_counts(items_per_contract: float, contracts: int, shards: int) -> tuple[float, int]:
    """What a portfolio of `contracts` should put in each shard for a job measured at `items_per_contract`."""
    return shard_spread(items_per_contract * contracts, shards)


def recommended_shards(contracts: int, pace: float = 25.0) -> int:
    """The smallest power of two whose worst shard on a peak day (5 % due) fits one invocation's budget at the
    workers' pace: 1 up to about 100,000 contracts, 8 at 1,000,000. What the bench runs figures 1-3 with."""
    shards = 1
    while shard_spread(PEAK_SHARE * contracts, shards)[1] / pace > invocation_budget_s(1 / pace):
        shards *= 2
    return shards
