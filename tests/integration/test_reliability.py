"""Reliability and security on moto: tamper evidence, the authorization matrix, injected faults."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.adapters.aws import client
from chalicelib.adapters.packing import pack, unpack
from chalicelib.settings import get_settings
from tests.stored_items import store_body, stored_body
from tests.support import emails_to, sent_emails, signing_link, token_of

pytestmark = pytest.mark.integration
TABLE = "hetong-test-main"


def ddb() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def flip_one_byte(pk: str, sk: str, attribute: str) -> None:
    """One character of a stored text changed (a compressed one decompressed, changed and compressed again)."""
    item = ddb().get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}})["Item"]
    packed = attribute.endswith("_z")
    value = unpack(item[attribute]["B"], None, attribute) if packed else item[attribute]["S"]
    i = len(value) // 2
    changed = value[:i] + ("0" if value[i] != "0" else "1") + value[i + 1 :]
    ddb().update_item(
        TableName=TABLE,
        Key={"pk": {"S": pk}, "sk": {"S": sk}},
        UpdateExpression="SET #a = :v",
        ExpressionAttributeNames={"#a": attribute},
        ExpressionAttributeValues={":v": {"B": pack(changed)} if packed else {"S": changed}},
    )


@pytest.mark.parametrize(
    ("target", "where"),
    [
        (("DOC#contract", "html_z"), "document contract"),
        (("AUDIT#000001", "data"), "audit entry 1"),
        (("AUDIT#000003", "hash"), "audit entry 3"),
        (("META", "body"), "signature contract/client"),
    ],
)
def test_one_changed_byte_is_reported_with_its_place(world: Any, target: tuple[str, str], where: str) -> None:
    cid = world.active_contract()
    assert world.ok("GET", f"/contracts/{cid}/audit")["verified"] is True
    sk, attribute = target
    if sk == "META":
        # change one character of the client's stored signature evidence inside the contract body
        item = ddb().get_item(TableName=TABLE, Key={"pk": {"S": f"CONTRACT#{cid}"}, "sk": {"S": "META"}})["Item"]
        body = stored_body(item)
        body["signing"]["signatures"]["client"]["ip_address"] = "10.6.6.6"
        ddb().put_item(TableName=TABLE, Item=store_body(item, body))
    else:
        flip_one_byte(f"CONTRACT#{cid}", sk, attribute)
    report = world.ok("GET", f"/contracts/{cid}/audit")
    assert report["verified"] is False
    assert any(p["where"] == where for p in report["problems"]), report["problems"]


def test_authorization_matrix(world: Any) -> None:
    cid = world.draft()
    other = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.ok("POST", f"/contracts/{other}/send")
    world.deliver()
    token = token_of(signing_link("client@example.com"))  # the newest link: the other contract's
    staff_routes = [
        ("GET", "/contracts", None, {"operator", "finance"}),
        ("GET", f"/contracts/{cid}", None, {"operator", "finance"}),
        ("GET", f"/contracts/{cid}/document", None, {"operator", "finance"}),
        ("GET", f"/contracts/{cid}/audit", None, {"operator", "finance"}),
        ("GET", f"/contracts/{cid}/invoices", None, {"operator", "finance"}),
        ("GET", f"/contracts/{cid}/payments", None, {"operator", "finance"}),
        ("GET", "/receivables", None, {"finance"}),
        ("POST", "/contracts", {}, {"operator"}),
        ("POST", f"/contracts/{cid}/resend", {"party": "vendor"}, {"operator"}),
        ("POST", f"/contracts/{cid}/payments", {}, {"finance"}),
        ("POST", f"/contracts/{cid}/amendments", {}, {"operator"}),
        ("POST", f"/contracts/{cid}/termination", {}, {"operator"}),
        ("POST", f"/contracts/{cid}/termination/withdraw", {}, {"operator"}),
        ("POST", f"/contracts/{cid}/invoices/1/void", {}, {"operator"}),
        ("POST", f"/contracts/{cid}/amendments/1/void", {}, {"operator"}),
        ("POST", f"/contracts/{cid}/void", {}, {"operator"}),
    ]
    for method, path, body, allowed in staff_routes:
        assert world.call(method, path, body, role=None).status_code == 401, path
        bad = world.call(method, path, body, role=None, headers={"Authorization": "Bearer nope-nope-nope"})
        assert bad.status_code == 401, path
        # a signer's token is not a staff key
        assert (
            world.call(method, path, body, role=None, headers={"Authorization": f"Bearer {token}"}).status_code == 401
        )
        for role in ("operator", "finance"):
            status = world.call(method, path, body, role=role).status_code
            if role in allowed:
                assert status not in (401, 403), (method, path, role, status)
            else:
                assert status == 403, (method, path, role, status)
    # A signer sees only its own contract: the token names one contract and one party
    page = world.ok("GET", f"/sign/{token}", role=None, headers={"Accept": "application/json"})
    assert page["contract_id"] == other and page["party"] == "client"
    assert cid not in json.dumps(page)
    # and a staff key is not a signing token
    assert world.call("GET", f"/sign/{world.keys['operator']}", role=None).status_code == 404


def test_ses_throttling_is_retried_and_delivered_once(world: Any) -> None:
    ses = client("sesv2", get_settings())
    failures = {"left": 3}

    def throttle(**_: Any) -> Any:
        if failures["left"] > 0:
            failures["left"] -= 1
            return (
                type("R", (), {"status_code": 429, "headers": {}})(),
                {
                    "Error": {"Code": "TooManyRequestsException", "Message": "Maximum sending rate exceeded."},
                    "ResponseMetadata": {"HTTPStatusCode": 429},
                },
            )
        return None

    ses.meta.events.register("before-call.sesv2.SendEmail", throttle)
    try:
        cid = world.draft()
        world.ok("POST", f"/contracts/{cid}/send")
        for _ in range(5):
            world.deliver()
    finally:
        ses.meta.events.unregister("before-call.sesv2.SendEmail", throttle)
    assert failures["left"] == 0
    assert len([m for m in emails_to("client@example.com") if "请签署" in m["subject"]]) == 1
    assert len([m for m in emails_to("vendor@example.com") if "请签署" in m["subject"]]) == 1


def test_permanent_failure_goes_to_the_dlq_and_the_rest_is_delivered(world: Any, aws: dict[str, Any]) -> None:
    ses = client("sesv2", get_settings())

    def reject_vendor(params: dict[str, Any], **_: Any) -> Any:
        request = json.loads(params["body"])  # before-call sees the serialized request
        if "vendor@example.com" in request["Destination"]["ToAddresses"]:
            return (
                type("R", (), {"status_code": 400, "headers": {}})(),
                {
                    "Error": {"Code": "MessageRejected", "Message": "Email address is not verified."},
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                },
            )
        return None

    ses.meta.events.register("before-call.sesv2.SendEmail", reject_vendor)
    try:
        cid = world.draft()
        world.ok("POST", f"/contracts/{cid}/send")
        cid2 = world.draft()
        world.ok("POST", f"/contracts/{cid2}/send")
        world.deliver()
    finally:
        ses.meta.events.unregister("before-call.sesv2.SendEmail", reject_vendor)
    # the clients' emails went out, once each
    assert len([m for m in emails_to("client@example.com") if "请签署" in m["subject"]]) == 2
    sqs = boto3.client("sqs", region_name="us-east-1")
    parked = sqs.receive_message(QueueUrl=aws["queues"]["NotifierDLQ"]["url"], MaxNumberOfMessages=10)["Messages"]
    reasons = [json.loads(m["Body"]) for m in parked]
    assert len(reasons) == 2 and all("MessageRejected" in r["reason"] for r in reasons)


def test_dynamodb_conflicts_and_throttles_converge(world: Any) -> None:
    """A concurrent writer wins the version race: the payment retries and lands once. A throttled transaction:
    503, nothing half-written, and a retry lands once."""
    from botocore.exceptions import ClientError
    from pynamodb.connection import Connection
    from pynamodb.exceptions import TransactWriteError

    cid = world.active_contract()
    world.run("invoicing", date(2026, 11, 22))
    original = Connection.transact_write_items
    mode = {"conflicts": 2, "throttle": False, "calls": 0}

    def faulty(self: Any, *args: Any, **kwargs: Any) -> Any:
        mode["calls"] += 1
        if mode["throttle"]:
            raise TransactWriteError(
                "throttled",
                cause=ClientError(
                    {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "TransactWriteItems"
                ),
            )
        if mode["conflicts"] > 0:
            mode["conflicts"] -= 1
            # Another writer bumps the contract's version between our read and our write.
            ddb().update_item(
                TableName=TABLE,
                Key={"pk": {"S": f"CONTRACT#{cid}"}, "sk": {"S": "META"}},
                UpdateExpression="SET version = version + :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        return original(self, *args, **kwargs)

    Connection.transact_write_items = faulty  # type: ignore[method-assign]
    try:
        world.ok(
            "POST",
            f"/contracts/{cid}/payments",
            {"amount": "1000.00", "paid_on": "2026-11-22", "voucher_no": "V-C1", "method": "cash"},
            role="finance",
            status=201,
        )
        assert mode["calls"] == 3  # two lost races, then the write
        mode["throttle"] = True
        resp = world.call(
            "POST",
            f"/contracts/{cid}/payments",
            {"amount": "1000.00", "paid_on": "2026-11-22", "voucher_no": "V-T1", "method": "cash"},
            role="finance",
        )
        assert resp.status_code == 503 and resp.json_body["error"]["code"] == "unavailable"
    finally:
        Connection.transact_write_items = original  # type: ignore[method-assign]
    payments = world.ok("GET", f"/contracts/{cid}/payments", role="finance")["items"]
    assert [p["voucher_no"] for p in payments] == ["V-C1"]
    assert world.invoices(cid)[0]["paid"] == "1000.00"
    world.ok(
        "POST",
        f"/contracts/{cid}/payments",
        {"amount": "1000.00", "paid_on": "2026-11-22", "voucher_no": "V-T1", "method": "cash"},
        role="finance",
        status=201,
    )
    assert world.invoices(cid)[0]["paid"] == "2000.00"
    audit = world.ok("GET", f"/contracts/{cid}/audit")
    assert audit["verified"] is True
    assert [e["type"] for e in audit["entries"]].count("PaymentReceived") == 2


def test_idempotency_key(world: Any) -> None:
    cid = world.active_contract()
    world.run("invoicing", date(2026, 11, 22))
    body = {"amount": "5000.00", "paid_on": "2026-11-22", "voucher_no": "V-I1", "method": "bank_transfer"}
    headers = {"Idempotency-Key": "pay-key-000001"}
    first = world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=201, headers=headers)
    again = world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=201, headers=headers)
    assert first == again
    other = world.call(
        "POST", f"/contracts/{cid}/payments", {**body, "amount": "6000.00"}, role="finance", headers=headers
    )
    assert other.status_code == 422 and other.json_body["error"]["field"] == "Idempotency-Key"
    assert len(world.ok("GET", f"/contracts/{cid}/payments", role="finance")["items"]) == 1
    world.deliver()
    receipts = [m for m in emails_to("client@example.com") if "收款确认" in m["subject"]]
    assert len(receipts) == 1


def test_late_and_repeated_runs_change_nothing_twice(world: Any) -> None:
    cid = world.active_contract()
    # a run three years late catches up every invoice, once
    assert world.run("invoicing", date(2029, 11, 21))["invoices_issued"] == 3
    for _ in range(3):
        assert world.run("invoicing", date(2029, 11, 21))["invoices_issued"] == 0
    due = date(2026, 12, 22)
    # a late overdue run that skipped levels sends only the highest level reached
    before = len(sent_emails())
    world.run("overdue", due + timedelta(days=31))
    letters = [m for m in sent_emails()[before:] if "催款函" in m["subject"]]
    assert len(letters) == 1  # one letter for the one overdue invoice, not one per skipped level
    assert "31" in letters[0]["body"]
    inv = world.invoices(cid, due + timedelta(days=31))[0]
    assert inv["alert_levels_sent"] == [1, 15, 30]


def test_replaying_the_whole_stream_sends_nothing_again(world: Any, aws: dict[str, Any]) -> None:
    from devstack.runner import StreamRunner
    from functions import notifier
    from tests.support import finance_messages

    cid = world.active_contract()
    world.run("invoicing", date(2026, 11, 22))
    emails, alerts = len(sent_emails()), len(finance_messages(aws))
    assert emails >= 5 and alerts >= 2
    # A second consumer reads the stream from its start, as a redelivery after a crash would
    replay = StreamRunner(
        None,
        "us-east-1",
        aws["tables"]["MainTable"]["stream_arn"],  # type: ignore[arg-type]
        aws["queues"]["NotifierDLQ"]["url"],
        notifier.handler,
    )
    assert replay.poll_once() > 0
    assert len(sent_emails()) == emails
    assert len(finance_messages(aws)) == alerts
    assert world.contract(cid)["status"] == "active"


def test_every_mutating_staff_call_honours_an_idempotency_key(world: Any) -> None:
    from tests.factories import contract_body

    headers = {"Idempotency-Key": "draft-2026-11-22-0001"}
    first = world.ok("POST", "/contracts", contract_body(), status=201, headers=headers)
    again = world.ok("POST", "/contracts", contract_body(), status=201, headers=headers)
    assert again["id"] == first["id"]
    assert len(world.ok("GET", "/contracts")["items"]) == 1
    other = world.call("POST", "/contracts", contract_body(annual_fee="1.00"), headers=headers)
    assert other.status_code == 422
    cid = first["id"]
    sent = world.ok("POST", f"/contracts/{cid}/send", headers={"Idempotency-Key": "send-0001-abcdef"})
    resent = world.ok("POST", f"/contracts/{cid}/send", headers={"Idempotency-Key": "send-0001-abcdef"})
    assert sent == resent  # without the key the second send would be a 409
    assert world.call("POST", f"/contracts/{cid}/send").status_code == 409
    bad = world.call("POST", f"/contracts/{cid}/void", {"reason": "x"}, headers={"Idempotency-Key": "短"})
    assert bad.status_code == 400 and bad.json_body["error"]["field"] == "Idempotency-Key"
