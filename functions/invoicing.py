"""Invoicing worker (daily): issues the invoice of every contract year that has started and has none yet.

Scheduled: with a shard queue (deployed, local stack) one message per index shard for functions/shard_worker.py;
`python -m functions.invoicing --as-of D` runs the whole job here."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import cli, logger, metrics, run_daily, run_scheduled

COUNTS = {"InvoicesIssued": "invoices_issued"}


def run(as_of: date | None) -> dict[str, Any]:
    from chalicelib.services.billing import issue_due_invoices

    return run_daily("invoicing", issue_due_invoices, COUNTS, as_of)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from chalicelib.services.billing import issue_due_invoices

    return run_scheduled("invoicing", issue_due_invoices, COUNTS, event)


if __name__ == "__main__":
    cli("invoicing", run)
