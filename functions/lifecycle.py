"""Lifecycle worker (daily): termination notices take effect, contracts expire, renewal reminders go out.

Scheduled: with a shard queue (deployed, local stack) one message per index shard for functions/shard_worker.py;
`python -m functions.lifecycle --as-of D` runs the whole job here."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import cli, logger, metrics, run_daily, run_scheduled

COUNTS = {"LifecycleContracts": "contracts_due"}


def run(as_of: date | None) -> dict[str, Any]:
    from chalicelib.services.lifecycle import run_lifecycle

    return run_daily("lifecycle", run_lifecycle, COUNTS, as_of)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from chalicelib.services.lifecycle import run_lifecycle

    return run_scheduled("lifecycle", run_lifecycle, COUNTS, event)


if __name__ == "__main__":
    cli("lifecycle", run)
