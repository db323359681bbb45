"""What every worker shares: Powertools logger/metrics, and the local command line
(`python -m functions.<name> --as-of YYYY-MM-DD`) that runs a worker against the stack `make run` started."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="hetong")
metrics = Metrics(namespace="Hetong", service="hetong")

LOCAL_ENV = Path(__file__).resolve().parent.parent / ".local" / "env.json"


def as_of_from_event(event: dict[str, Any] | None) -> date | None:
    """Schedules pass no date (the worker uses today in Asia/Shanghai); a replay may pass {"as_of": ...}."""
    from chalicelib.domain.calendar import parse_date

    if event and isinstance(event.get("as_of"), str):
        return parse_date(event["as_of"])
    return None


def run_daily(
    name: str, job: Callable[[Any, date], dict[str, Any]], counts: dict[str, str], as_of: date | None
) -> dict[str, Any]:
    """Runs one scheduled job for `as_of` (default: today in Asia/Shanghai); `counts` maps metric → result key."""
    from chalicelib.bootstrap import get_deps

    deps = get_deps()
    result = job(deps, as_of or deps.today())
    for metric, key in counts.items():
        value = result[key]
        metrics.add_metric(name=metric, unit="Count", value=len(value) if isinstance(value, dict) else value)
    logger.info(f"{name} run", **result)
    return result


def run_scheduled(
    name: str, job: Callable[[Any, date], dict[str, Any]], counts: dict[str, str], event: dict[str, Any] | None
) -> dict[str, Any]:
    """A scheduled invocation: with a shard queue configured, one message per index shard for the shard workers
    (functions/shard_worker.py); without one, the whole job in this invocation (`run_daily`)."""
    from chalicelib.bootstrap import get_deps

    deps = get_deps()
    if not deps.settings.shard_queue_url:
        return run_daily(name, job, counts, as_of_from_event(event))
    from chalicelib.adapters.shard_queue import SqsShardQueue
    from chalicelib.services import shard_jobs  # noqa: F401 - registers the jobs
    from chalicelib.services.fanout import dispatch

    result = dispatch(deps, SqsShardQueue(deps.settings), name, as_of_from_event(event) or deps.today())
    metrics.add_metric(name="ShardsDispatched", unit="Count", value=result["shards"])
    logger.info(f"{name} dispatched", **result)
    return result


def load_local_env() -> None:
    """Use the local stack's settings unless the environment already names a table."""
    if os.environ.get("HETONG_TABLE"):
        return
    if not LOCAL_ENV.exists():
        sys.exit("no local stack found (.local/env.json is missing): start it with `make run` first")
    for key, value in json.loads(LOCAL_ENV.read_text(encoding="utf-8")).items():
        os.environ.setdefault(key, value)


def cli(name: str, run: Callable[[date | None], dict[str, Any]]) -> None:
    from chalicelib.domain.calendar import InvalidDate, parse_date

    parser = argparse.ArgumentParser(
        prog=f"python -m functions.{name}", description=f"Run the {name} worker once against the local stack."
    )
    parser.add_argument("--as-of", help="the business date (YYYY-MM-DD); default today in Asia/Shanghai")
    args = parser.parse_args()
    try:
        as_of = parse_date(args.as_of) if args.as_of else None
    except InvalidDate:
        parser.error(f"--as-of must be a real date as YYYY-MM-DD, got {args.as_of!r}")
    load_local_env()
    result = run(as_of)
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
