"""Obligations worker (daily): reminders 5 days before each due date, overdue deliveries detected and notified
(逾期履行通知书) once per period."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import as_of_from_event, cli, logger, metrics, run_daily


def run(as_of: date | None) -> dict[str, Any]:
    from chalicelib.services.obligation_job import run_obligations

    counts = {
        "ObligationContracts": "contracts_due",
        "ObligationReminders": "reminders",
        "ObligationsOverdue": "overdue",
    }
    return run_daily("obligations", run_obligations, counts, as_of)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(as_of_from_event(event))


if __name__ == "__main__":
    cli("obligations", run)
