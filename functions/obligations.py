"""Obligations worker (daily): reminders 5 days before each due date, overdue deliveries detected and notified
(逾期履行通知书) once per period.

Scheduled: with a shard queue (deployed, local stack) one message per index shard (OBLIGATION_DUE#<n>) for
functions/shard_worker.py; `python -m functions.obligations --as-of D` runs the whole job here."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import cli, logger, metrics, run_daily, run_scheduled

COUNTS = {
    "ObligationContracts": "contracts_due",
    "ObligationReminders": "reminders",
    "ObligationsOverdue": "overdue",
}


def run(as_of: date | None) -> dict[str, Any]:
    from chalicelib.services.obligation_job import run_obligations

    return run_daily("obligations", run_obligations, COUNTS, as_of)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from chalicelib.services.obligation_job import run_obligations

    return run_scheduled("obligations", run_obligations, COUNTS, event)


if __name__ == "__main__":
    cli("obligations", run)
