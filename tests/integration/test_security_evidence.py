"""What the signer evidence records as the signer's address: the connection's (API Gateway's identity.sourceIp),
never a header the client writes; X-Forwarded-For only beside it, labelled unverified and cleaned."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import signing_link, token_of

pytestmark = pytest.mark.integration


def _sign(world: Any, who: str, headers: dict[str, str]) -> dict[str, Any]:
    token = token_of(signing_link(f"{who}@example.com"))
    body = {"signer_name": "李雷", "consent": True}
    return dict(world.ok("POST", f"/sign/{token}", body, role=None, status=201, headers=headers)["receipt"])


def test_a_forged_forwarded_for_does_not_become_the_evidence_ip(world: Any) -> None:
    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    # When the client claims to be someone else
    receipt = _sign(world, "client", {"X-Forwarded-For": "6.6.6.6, 10.0.0.1", "User-Agent": "pytest"})
    # Then the evidence IP is the connection's, and the claim is kept apart as unverified
    assert receipt["ip_address"] == "127.0.0.1"  # the test client's sourceIp, as API Gateway would give it
    assert receipt["forwarded_for"] == "6.6.6.6, 10.0.0.1"
    # A header full of junk is dropped, not recorded
    receipt = _sign(world, "vendor", {"X-Forwarded-For": "1.2.3.4<script>\u202e" + "9" * 5000})
    assert receipt["ip_address"] == "127.0.0.1" and receipt["forwarded_for"] is None
    # and the audit's SignatureRecorded entries say the same
    audit = world.ok("GET", f"/contracts/{cid}/audit")
    recorded = [e["data"] for e in audit["entries"] if e["type"] == "SignatureRecorded"]
    assert [(d["ip_address"], d["forwarded_for"]) for d in recorded] == [
        ("127.0.0.1", "6.6.6.6, 10.0.0.1"),
        ("127.0.0.1", None),
    ]
    assert audit["verified"] is True
