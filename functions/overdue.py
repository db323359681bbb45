"""Overdue worker (daily): finds overdue invoices through the open-invoice index, sends one alert per
invoice and level, and assesses late penalties (逾期违约金)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import as_of_from_event, cli, logger, metrics


def run(as_of: date | None) -> dict[str, Any]:
    from chalicelib.bootstrap import get_deps
    from chalicelib.services.billing import detect_overdue

    deps = get_deps()
    result = detect_overdue(deps, as_of or deps.today())
    metrics.add_metric(name="OverdueInvoices", unit="Count", value=result["overdue_invoices"])
    metrics.add_metric(name="OverdueEscalations", unit="Count", value=result["escalated"])
    logger.info("overdue run", **result)
    return result


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(as_of_from_event(event))


if __name__ == "__main__":
    cli("overdue", run)
