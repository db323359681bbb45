"""Overdue worker (daily): finds overdue invoices through the open-invoice index, sends one alert per
invoice and level, and assesses late penalties (逾期违约金).

Scheduled: with a shard queue (deployed, local stack) one message per index shard for functions/shard_worker.py;
`python -m functions.overdue --as-of D` runs the whole job here."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import cli, logger, metrics, run_daily, run_scheduled

COUNTS = {"OverdueInvoices": "overdue_invoices", "OverdueEscalations": "escalated"}


def run(as_of: date | None) -> dict[str, Any]:
    from chalicelib.services.billing import detect_overdue

    return run_daily("overdue", detect_overdue, COUNTS, as_of)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from chalicelib.services.billing import detect_overdue

    return run_scheduled("overdue", detect_overdue, COUNTS, event)


if __name__ == "__main__":
    cli("overdue", run)
