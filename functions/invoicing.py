"""Invoicing worker (daily): issues the invoice of every contract year that has started and has none yet."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import as_of_from_event, cli, logger, metrics, run_daily


def run(as_of: date | None) -> dict[str, Any]:
    from chalicelib.services.billing import issue_due_invoices

    return run_daily("invoicing", issue_due_invoices, {"InvoicesIssued": "invoices_issued"}, as_of)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(as_of_from_event(event))


if __name__ == "__main__":
    cli("invoicing", run)
