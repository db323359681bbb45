"""Lifecycle worker (daily): termination notices take effect, contracts expire, renewal reminders go out."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import as_of_from_event, cli, logger, metrics, run_daily


def run(as_of: date | None) -> dict[str, Any]:
    from chalicelib.services.lifecycle import run_lifecycle

    return run_daily("lifecycle", run_lifecycle, {"LifecycleContracts": "contracts_due"}, as_of)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(as_of_from_event(event))


if __name__ == "__main__":
    cli("lifecycle", run)
