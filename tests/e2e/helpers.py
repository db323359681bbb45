"""What e2e tests share: a party's newest signing link from the emails in moto."""

from __future__ import annotations

import re
from typing import Any

LINK = re.compile(r"https?://[^\s\"<>]+/sign/[A-Za-z0-9_\-]+")


def to(address: str) -> Any:
    return lambda m: address in (m.get("destinations", {}) or {}).get("ToAddresses", [])


def newest_link(stack: Any, address: str, contract_no: str, after: int = 0) -> str:
    """The signing link in the newest email to `address` about `contract_no`."""
    msgs = stack.wait_for_emails(
        lambda m: to(address)(m) and contract_no in m.get("subject", "") and LINK.search(m.get("body", "")),
        count=after + 1,
    )
    assert len(msgs) > after, f"no signing email for {address} ({contract_no})"
    return LINK.findall(msgs[-1]["body"])[-1]
