"""Ten concurrent runs of the obligations worker for the same (late) day, as separate processes against the
serialized stack: each period's reminder and overdue notice goes out once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.helpers import signed_contract, to
from tests.e2e.test_worker_concurrency import run_concurrently, settle
from tests.factories import contract_body

pytestmark = pytest.mark.e2e


def test_ten_concurrent_runs_notify_each_period_once(own_stack: Any) -> None:
    stack = own_stack  # a stack of its own: see the fixture
    # Given an outbound-call contract signed today, with the template's obligations
    cid, no, effective = signed_contract(stack, contract_body())
    # When ten runs start at once, late: the first month's four monthly duties are all past due
    next_month = (effective.replace(day=1) + timedelta(days=32)).replace(day=1)
    as_of = next_month + timedelta(days=11)  # after the 10-day KPI sheet's due date
    run_concurrently(stack, "obligations", as_of)
    # Then the operator gets one 逾期履行通知书 per overdue period, never two
    _, view, _ = stack.request("GET", f"/contracts/{cid}/obligations?as_of={as_of.isoformat()}")
    missed = [(o["key"], p["period"]) for o in view["obligations"] for p in o["periods"] if p["status"] == "missed"]
    letters = settle(
        stack,
        lambda m: no in m.get("subject", "") and "逾期履行通知书" in m["subject"] and to("operator@hetong.local")(m),
        len(missed),
    )
    assert len(letters) == len(missed)
    _, audit, _ = stack.request("GET", f"/contracts/{cid}/audit")
    types = [e["type"] for e in audit["entries"]]
    assert types.count("ObligationOverdue") == len(missed) and len(missed) >= 3
    assert audit["verified"] is True
