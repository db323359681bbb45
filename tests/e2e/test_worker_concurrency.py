"""Ten concurrent runs of each worker for the same day, as separate processes against the serialized stack:
nothing is issued, alerted, assessed, terminated or emailed twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest

from devstack.clock import clock_path, set_today
from tests.e2e.conftest import ROOT
from tests.e2e.helpers import signed_contract, to
from tests.factories import contract_body

pytestmark = pytest.mark.e2e
RUNS = 10


def run_concurrently(stack: Any, worker: str, as_of: date) -> list[dict[str, Any]]:
    env = {**os.environ, **stack.env, "PYTHONPATH": str(ROOT)}

    def one(_: int) -> dict[str, Any]:
        out = subprocess.run(
            [sys.executable, "-m", f"functions.{worker}", "--as-of", as_of.isoformat()],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return dict(json.loads(out.stdout))

    with ThreadPoolExecutor(max_workers=RUNS) as pool:
        return list(pool.map(one, range(RUNS)))


def settle(stack: Any, predicate: Any, expected: int) -> list[dict[str, Any]]:
    stack.wait_for_emails(predicate, count=expected)
    time.sleep(2)  # a duplicate would have arrived by now
    return [m for m in stack.emails() if predicate(m)]


def test_ten_concurrent_runs_of_each_worker(own_stack: Any) -> None:
    stack = own_stack  # a stack of its own: see the fixture
    # Given an active contract (signed today on the stack's clock)
    cid, no, effective = signed_contract(stack, contract_body(notice_period_days=30))

    # Invoicing: ten runs at once, two years late → years 1 and 2 issued once each
    as_of = effective.replace(year=effective.year + 1)
    run_concurrently(stack, "invoicing", as_of)
    _, invoices, _ = stack.request("GET", f"/contracts/{cid}/invoices", role="finance")
    assert [i["year"] for i in invoices["items"]] == [1, 2]
    notices = settle(stack, lambda m: no in m.get("subject", "") and "付款通知书" in m["subject"], 2)
    assert len(notices) == 2

    # Overdue: ten runs at once, 31 days after year 1's due date → one letter, one alert at level 30
    due = date.fromisoformat(invoices["items"][0]["due_date"])
    run_concurrently(stack, "overdue", due + timedelta(days=31))
    letters = settle(stack, lambda m: no in m.get("subject", "") and "催款函" in m["subject"], 1)
    _, audit, _ = stack.request("GET", f"/contracts/{cid}/audit")
    types = [e["type"] for e in audit["entries"]]
    assert types.count("InvoiceIssued") == 2
    assert types.count("InvoiceOverdue") == 1 and types.count("PenaltyAssessed") == 1, audit["entries"]
    assert len(letters) == 1, [(m["id"], m.get("timestamp")) for m in letters]

    # Lifecycle: a notice served on its day (a notice is never dated after today: the stack's clock moves there),
    # then ten runs at once on its effective date → terminated once
    notice_date = due + timedelta(days=40)
    clock = clock_path(stack.state_dir)
    set_today(clock, notice_date)
    try:
        status, notice, _ = stack.request(
            "POST",
            f"/contracts/{cid}/termination",
            {
                "by": "vendor",
                "reason_code": "non_payment",
                "details": "逾期未付",
                "notice_date": notice_date.isoformat(),
            },
        )
    finally:
        set_today(clock, None)  # the tests after this one see the real today
    assert status == 201, notice
    run_concurrently(stack, "lifecycle", date.fromisoformat(notice["effective_date"]))
    ended = settle(stack, lambda m: no in m.get("subject", "") and "合同已解除" in m["subject"], 2)
    assert len([m for m in ended if to("client@example.com")(m)]) == 1
    assert len([m for m in ended if to("vendor@example.com")(m)]) == 1
    _, audit, _ = stack.request("GET", f"/contracts/{cid}/audit")
    assert audit["verified"] is True
    assert [e["type"] for e in audit["entries"]].count("ContractTerminated") == 1
