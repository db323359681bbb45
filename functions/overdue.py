"""Overdue worker (daily): finds overdue invoices through the open-invoice index, sends one alert per
invoice and level, and assesses late penalties (逾期违约金)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import as_of_from_event, cli, logger, metrics, run_daily


def run(as_of: date | None) -> dict[str, Any]:
    from chalicelib.services.billing import detect_overdue

    return run_daily(
        "overdue", detect_overdue, {"OverdueInvoices": "overdue_invoices", "OverdueEscalations": "escalated"}, as_of
    )


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(as_of_from_event(event))


if __name__ == "__main__":
    cli("overdue", run)
