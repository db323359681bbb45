"""The local stack over HTTP: drafting, bad input, signing through emailed links, concurrency, alerts."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from tests.e2e.helpers import LINK, newest_link, to
from tests.factories import contract_body

pytestmark = pytest.mark.e2e


def contract_count(stack: Any) -> int:
    status, body, _ = stack.request("GET", "/contracts?limit=100")
    assert status == 200
    return len(body["items"])


def test_draft_over_http_document_and_bad_input(stack: Any) -> None:
    before = contract_count(stack)
    status, created, headers = stack.request("POST", "/contracts", contract_body())
    assert status == 201, created
    assert created["status"] == "draft" and len(created["document_sha256"]) == 64
    status, html, headers = stack.request("GET", f"/contracts/{created['id']}/document")
    assert status == 200 and "text/html" in headers["Content-Type"]
    assert "壹拾贰万元整" in html
    after_one = contract_count(stack)
    assert after_one == before + 1
    bad: list[tuple[Any, str, bytes | None]] = [
        ({**contract_body(), "client": None}, "client", None),
        (contract_body(annual_fee="-1.00"), "terms.annual_fee", None),
        (contract_body(annual_fee="lots"), "terms.annual_fee", None),
        (contract_body(term_years=0), "terms.term_years", None),
        (contract_body(term_years=100), "terms.term_years", None),
        (None, "body", b"this is not json"),
        (None, "body", b"[" + b"1," * 600_000 + b"1]"),
    ]
    body = contract_body()
    body["vendor"]["credit_code"] = "91310115MA1K4XY220"
    bad.append((body, "vendor.credit_code", None))
    for payload, field, raw in bad:
        status, err, _ = stack.request("POST", "/contracts", payload, raw=raw)
        assert 400 <= status < 500, (field, status, err)
        assert err["error"]["field"] == field, err
    assert stack.request("POST", "/contracts", contract_body(), role=None)[0] == 401
    assert stack.request("POST", "/contracts", contract_body(), role="finance")[0] == 403
    assert contract_count(stack) == after_one
    status, audit, _ = stack.request("GET", f"/contracts/{created['id']}/audit")
    assert audit["verified"] is True


def test_both_parties_sign_through_emailed_links_and_finance_is_alerted(stack: Any) -> None:
    status, created, _ = stack.request("POST", "/contracts", contract_body())
    cid, no = created["id"], created["contract_no"]
    assert stack.request("POST", f"/contracts/{cid}/send")[0] == 200
    client_link = newest_link(stack, "client@example.com", no)
    vendor_link = newest_link(stack, "vendor@example.com", no)
    client_token, vendor_token = client_link.rsplit("/", 1)[1], vendor_link.rsplit("/", 1)[1]
    # A made-up token and a tampered one are refused
    assert stack.request("POST", "/sign/" + "A" * 43, {"signer_name": "x", "consent": True}, role=None)[0] == 404
    assert (
        stack.request("POST", f"/sign/{client_token[:-2]}xx", {"signer_name": "x", "consent": True}, role=None)[0]
        == 404
    )
    # Consent is required
    status, err, _ = stack.request(
        "POST", f"/sign/{client_token}", {"signer_name": "李雷", "consent": False}, role=None
    )
    assert status == 400 and err["error"]["field"] == "consent"
    status, receipt, _ = stack.request(
        "POST",
        f"/sign/{client_token}",
        {"signer_name": "李雷", "consent": True},
        role=None,
        headers={"User-Agent": "e2e-client"},
    )
    assert status == 201 and receipt["status"] == "awaiting_signatures"
    assert receipt["receipt"]["user_agent"] == "e2e-client"
    # The same request again (a retry whose reply was lost) gets the same receipt; anything else on the used link is
    # refused
    again = stack.request(
        "POST",
        f"/sign/{client_token}",
        {"signer_name": "李雷", "consent": True},
        role=None,
        headers={"User-Agent": "e2e-client"},
    )
    assert again[0] == 201 and again[1]["receipt"]["signed_at"] == receipt["receipt"]["signed_at"]
    assert (
        stack.request("POST", f"/sign/{client_token}", {"signer_name": "韩梅梅", "consent": True}, role=None)[0] == 410
    )
    status, receipt, _ = stack.request(
        "POST", f"/sign/{vendor_token}", {"signer_name": "韩梅梅", "consent": True}, role=None
    )
    assert status == 201 and receipt["status"] == "active"
    in_force = stack.wait_for_emails(lambda m: no in m.get("subject", "") and "合同已生效" in m["subject"], count=2)
    assert len(in_force) == 2
    status, contract, _ = stack.request("GET", f"/contracts/{cid}")
    assert contract["status"] == "active" and len(contract["signatures"]) == 2
    status, audit, _ = stack.request("GET", f"/contracts/{cid}/audit")
    assert audit["verified"] is True
    signed = [e for e in audit["entries"] if e["type"] == "SignatureRecorded"]
    assert {e["data"]["party"] for e in signed} == {"client", "vendor"}
    for entry in signed:
        for key in (
            "signer_name",
            "signer_email",
            "signed_at",
            "ip_address",
            "user_agent",
            "document_sha256",
            "consent_version",
            "consent_sha256",
            "prev_audit_hash",
        ):
            assert entry["data"][key], key
    # Finance gets exactly one ContractActivated on its filtered queue
    sqs = boto3.client(
        "sqs",
        endpoint_url=stack.info["aws_endpoint_url"],
        region_name=stack.info["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    deadline = time.monotonic() + 15
    activated: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not activated:
        for msg in sqs.receive_message(
            QueueUrl=stack.info["finance_alerts_queue_url"],
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        ).get("Messages", []):
            body = json.loads(msg["Body"])
            if body.get("contract_no") == no and body.get("event_type") == "ContractActivated":
                activated.append(body)
    assert len(activated) == 1


def test_a_hundred_concurrent_sign_requests_activate_once(stack: Any) -> None:
    status, created, _ = stack.request("POST", "/contracts", contract_body())
    cid, no = created["id"], created["contract_no"]
    stack.request("POST", f"/contracts/{cid}/send")
    tokens = [newest_link(stack, addr, no).rsplit("/", 1)[1] for addr in ("client@example.com", "vendor@example.com")]

    def attempt(i: int) -> int:
        return int(
            stack.request("POST", f"/sign/{tokens[i % 2]}", {"signer_name": f"签署人{i}", "consent": True}, role=None)[
                0
            ]
        )

    with ThreadPoolExecutor(max_workers=25) as pool:
        statuses = list(pool.map(attempt, range(100)))
    assert statuses.count(201) == 2, statuses
    assert all(s in (201, 409, 410) for s in statuses), statuses
    status, contract, _ = stack.request("GET", f"/contracts/{cid}")
    assert contract["status"] == "active" and len(contract["signatures"]) == 2
    status, audit, _ = stack.request("GET", f"/contracts/{cid}/audit")
    assert [e["type"] for e in audit["entries"]].count("ContractActivated") == 1
    assert audit["verified"] is True
    in_force = stack.wait_for_emails(lambda m: no in m.get("subject", "") and "合同已生效" in m["subject"], count=2)
    time.sleep(2)  # anything duplicated would have arrived by now
    in_force = [m for m in stack.emails() if no in m.get("subject", "") and "合同已生效" in m["subject"]]
    assert len([m for m in in_force if to("client@example.com")(m)]) == 1
    assert len([m for m in in_force if to("vendor@example.com")(m)]) == 1


def test_concurrent_signing_of_an_amendment_takes_effect_once(stack: Any) -> None:
    status, created, _ = stack.request("POST", "/contracts", contract_body())
    cid, no = created["id"], created["contract_no"]
    stack.request("POST", f"/contracts/{cid}/send")
    for who in ("client", "vendor"):
        token = newest_link(stack, f"{who}@example.com", no).rsplit("/", 1)[1]
        assert stack.request("POST", f"/sign/{token}", {"signer_name": who, "consent": True}, role=None)[0] == 201
    status, amendment, _ = stack.request(
        "POST", f"/contracts/{cid}/amendments", {"changes": {"annual_fee": "150000.00"}, "reason": "调整服务费用"}
    )
    assert status == 201
    tokens = []
    for who in ("client", "vendor"):
        msgs = stack.wait_for_emails(
            lambda m, w=who: (
                to(f"{w}@example.com")(m)
                and no in m.get("subject", "")
                and "补充协议" in m["subject"]
                and "请签署" in m["subject"]
            )
        )
        tokens.append(LINK.findall(msgs[-1]["body"])[-1].rsplit("/", 1)[1])

    def attempt(i: int) -> int:
        return int(
            stack.request("POST", f"/sign/{tokens[i % 2]}", {"signer_name": f"签署人{i}", "consent": True}, role=None)[
                0
            ]
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(attempt, range(40)))
    assert statuses.count(201) == 2 and all(s in (201, 409, 410) for s in statuses), statuses
    _, contract, _ = stack.request("GET", f"/contracts/{cid}")
    assert contract["amendments"][0]["status"] == "effective"
    assert [v["amendment_no"] for v in contract["terms_versions"]] == [None, 1]
    _, audit, _ = stack.request("GET", f"/contracts/{cid}/audit")
    assert [e["type"] for e in audit["entries"]].count("AmendmentEffective") == 1
    assert audit["verified"] is True
