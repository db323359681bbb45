"""Data migration (one-off, idempotent): carries invoices and payments stored before the receivables ledger over
to it (chalicelib/services/migrations.py). `make run` runs it when the local stack starts, scripts/deploy.sh after
every deploy; a run over migrated data changes nothing.

    python -m functions.migrate [--as-of YYYY-MM-DD]     # prints a JSON summary; exit 1 if a contract failed
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import as_of_from_event, cli, logger, metrics, run_daily


def run(as_of: date | None) -> dict[str, Any]:
    from chalicelib.services.migrations import migrate_ledger

    return run_daily("migrate", migrate_ledger, {"ContractsMigrated": "migrated", "MigrationFailures": "failed"}, as_of)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(as_of_from_event(event))


def main() -> int:
    summary: dict[str, Any] = {}

    def keep(as_of: date | None) -> dict[str, Any]:
        summary.update(run(as_of))
        return summary

    cli("migrate", keep)
    return 1 if summary.get("failed") else 0


if __name__ == "__main__":
    sys.exit(main())
