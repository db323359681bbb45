"""The local stack runs the deployed fan-out: a scheduled invocation of the invoicing worker (as EventBridge makes
it) only sends one message per index shard to moto's SQS; the stack's queue runner delivers them to the shard
worker like Lambda's event source mapping, which issues the invoice, and the notifier sends its notice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.e2e.conftest import ROOT
from tests.e2e.helpers import signed_contract
from tests.factories import contract_body

pytestmark = pytest.mark.e2e

SCHEDULED = """
import json, sys
from devstack.lambda_shim import LocalContext
from functions import invoicing
print(json.dumps(invoicing.handler({"as_of": sys.argv[1]}, LocalContext("hetong-invoicing"))))
"""


def test_a_scheduled_run_is_fanned_out_through_the_stacks_queue(stack: Any) -> None:
    # Given a contract signed today on the stack's clock: its first contract year starts today
    cid, no, effective = signed_contract(stack, contract_body())

    # When the invoicing worker is invoked as the schedule invokes it
    env = {**os.environ, **stack.env, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", SCHEDULED, effective.isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    dispatched = json.loads(out.stdout.strip().splitlines()[-1])

    # Then it only dispatched the shards (no invoice in its own result)...
    assert dispatched["job"] == "invoicing" and dispatched["shards"] == 16 and "invoices_issued" not in dispatched

    # ...and the stack's queue runner had the shard worker issue the invoice, whose notice goes out once
    def notice(m: Any) -> bool:
        return no in m.get("subject", "") and "付款通知书" in m["subject"]

    assert len(stack.wait_for_emails(notice, 1, 60)) == 1
    time.sleep(2)  # a duplicate would have arrived by now
    assert len([m for m in stack.emails() if notice(m)]) == 1
    _, invoices, _ = stack.request("GET", f"/contracts/{cid}/invoices", role="finance")
    assert [i["year"] for i in invoices["items"]] == [1]
