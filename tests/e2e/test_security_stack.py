"""Named keys and the audit anchor on the running local stack: a key made with `python -m devstack keys`, the
audit naming its holder, the anchor worker signing the chain with the stack's KMS key (moto), and a revoked key
refused."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from typing import Any

import pytest

from devstack.client import clean_env
from tests.e2e.conftest import ROOT
from tests.factories import contract_body

pytestmark = pytest.mark.e2e


def keys(stack: Any, *args: str) -> Any:
    proc = subprocess.run(
        [sys.executable, "-m", "devstack", "keys", *args, "--state-dir", str(stack.state_dir), "--json"],
        cwd=ROOT,
        env={**clean_env(), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(proc.stdout)


def as_key(stack: Any, key: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    status, payload, _ = stack.request(method, path, body, role=None, headers={"Authorization": f"Bearer {key}"})
    return status, payload


def test_a_named_key_acts_in_the_audit_the_anchor_signs_it_and_revocation_bites(stack: Any) -> None:
    created = keys(stack, "create", "--role", "operator", "--name", "E2E 操作员")
    status, drafted = as_key(stack, created["key"], "POST", "/contracts", contract_body())
    assert status == 201, drafted
    cid = drafted["id"]
    assert created["id"] in [k["id"] for k in keys(stack, "list")]

    today = stack.worker("anchor", date.today().isoformat())
    assert today["anchored"] >= 1 and today["broken"] == 0

    status, audit = as_key(stack, created["key"], "GET", f"/contracts/{cid}/audit")
    assert status == 200
    assert audit["entries"][0]["by"] == {
        "kind": "staff",
        "role": "operator",
        "key_id": created["id"],
        "name": "E2E 操作员",
    }
    assert audit["verified"] is True
    assert audit["anchored"]["matches"] is True and audit["anchored"]["entries"] == 1
    assert audit["anchored"]["key_id"] == stack.env["HETONG_ANCHOR_KEY_ID"]

    keys(stack, "revoke", created["id"])
    status, refused = as_key(stack, created["key"], "GET", "/contracts")
    assert status == 401 and "revoked" in refused["error"]["message"]
    # The stack's own keys still work, and credentials.json still names them by role
    assert stack.request("GET", "/contracts")[0] == 200
    assert set(json.loads((stack.state_dir / "credentials.json").read_text())) == {"operator", "finance"}
