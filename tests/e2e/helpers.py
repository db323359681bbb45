"""What e2e tests share: who an email went to, and a party's newest signing link from the emails in moto."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from devstack.client import LINK as LINK
from devstack.client import LocalStack, recipients


def to(address: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: address in recipients(m)


def newest_link(stack: LocalStack, address: str, contract_no: str, after: int = 0) -> str:
    """The signing link in the newest email to `address` about `contract_no`."""
    msgs = stack.wait_for_emails(
        lambda m: to(address)(m) and contract_no in m.get("subject", "") and LINK.search(m.get("body", "")),
        count=after + 1,
    )
    assert len(msgs) > after, f"no signing email for {address} ({contract_no})"
    return LINK.findall(msgs[-1]["body"])[-1]


def signed_contract(stack: LocalStack, body: dict[str, Any]) -> tuple[str, str, date]:
    """A contract drafted from `body`, sent, and signed by both parties through their emailed links on the stack's
    clock: (id, contract number, effective date)."""
    _, created, _ = stack.request("POST", "/contracts", body)
    cid, no = created["id"], created["contract_no"]
    stack.request("POST", f"/contracts/{cid}/send")
    for who in ("client", "vendor"):
        token = newest_link(stack, f"{who}@example.com", no).rsplit("/", 1)[1]
        assert stack.request("POST", f"/sign/{token}", {"signer_name": who, "consent": True}, role=None)[0] == 201
    _, contract, _ = stack.request("GET", f"/contracts/{cid}")
    return cid, no, date.fromisoformat(contract["effective_date"])
