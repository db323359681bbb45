"""The scheduled obligations run fanned out over SQS on moto like the other daily jobs (test_fanout_sqs.py): one
message per OBLIGATION_DUE#<n> shard, the shard worker checks each due contract (minting submit links with the
link secret), and a rerun changes nothing twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.bootstrap import get_deps
from tests.integration.test_fanout_sqs import fanned, runner, scheduled  # noqa: F401 - fixture

pytestmark = pytest.mark.integration


def _obligation_events(world: Any, cid: str) -> list[str]:
    audit = world.ok("GET", f"/contracts/{cid}/audit")["entries"]
    return [e["type"] for e in audit if e["type"] in ("ObligationReminder", "ObligationOverdue")]


def test_the_obligations_run_fans_out_once(fanned: Any, aws: dict[str, Any]) -> None:  # noqa: F811
    # Given an active contract with the template's obligations
    cid = fanned.active_contract()
    queue = runner(aws)
    as_of = fanned.today + timedelta(days=45)
    # When the obligations job is scheduled 45 days on and the shard messages are delivered
    out = scheduled(fanned, "obligations", as_of)
    assert (out["job"], out["shards"]) == ("obligations", 3) and "reminders" not in out
    queue.drain()
    # Then the shard worker notified what was due (an overdue delivery at least), with its submit link
    done = _obligation_events(fanned, cid)
    assert "ObligationOverdue" in done
    links = [i for i in get_deps().repo.query_items(f"CONTRACT#{cid}", "DUTY#M#") if i.body["what"] == "link"]
    assert links
    # And a rerun of the same day changes nothing
    scheduled(fanned, "obligations", as_of)
    queue.drain()
    assert _obligation_events(fanned, cid) == done
