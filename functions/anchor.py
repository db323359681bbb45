"""Anchor worker (daily): signs the head of every audit chain that grew since its last anchor with the
asymmetric KMS key only this function may Sign with, and stores the anchor in the anchors table, which only this
function writes (chalicelib/services/anchoring.py). Safe to rerun, late or concurrently: an anchor is written once
per contract and entry count. A chain that no longer verifies is not anchored; it is counted in BrokenChains,
which raises an alarm.

    python -m functions.anchor [--as-of YYYY-MM-DD] [--all]     # --all: every contract (first run)
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import as_of_from_event, load_local_env, logger, metrics, run_daily


def run(as_of: date | None, everything: bool = False) -> dict[str, Any]:
    from chalicelib.bootstrap import get_anchoring
    from chalicelib.services.anchoring import anchor_chains
    from chalicelib.settings import SettingsError

    anchoring = get_anchoring()
    if anchoring is None:
        raise SettingsError("HETONG_ANCHOR_TABLE and HETONG_ANCHOR_KEY_ID are required to anchor the audit")

    def job(deps: Any, day: date) -> dict[str, Any]:
        return anchor_chains(deps, anchoring, day, everything)

    counts = {"ChainsAnchored": "anchored", "BrokenChains": "broken"}
    result = run_daily("anchor", job, counts, as_of)
    if result["broken"]:
        logger.error("audit chains that no longer verify were not anchored", contracts=result["broken_contracts"])
    return result


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run(as_of_from_event(event), everything=bool((event or {}).get("all")))


def main() -> None:
    from chalicelib.domain.calendar import InvalidDate, parse_date

    parser = argparse.ArgumentParser(prog="python -m functions.anchor", description="Anchor the audit chains once.")
    parser.add_argument("--as-of", help="the business date (YYYY-MM-DD); default today in Asia/Shanghai")
    parser.add_argument("--all", action="store_true", help="every contract, not only chains that grew lately")
    args = parser.parse_args()
    try:
        as_of = parse_date(args.as_of) if args.as_of else None
    except InvalidDate:
        parser.error(f"--as-of must be a real date as YYYY-MM-DD, got {args.as_of!r}")
    load_local_env()
    print(json.dumps(run(as_of, args.all), ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
