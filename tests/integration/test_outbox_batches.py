"""A commit's events travel as one outbox item (one stream record), less those nobody is told of (audit only): the
notifier delivers each of them once, in order; a permanent failure parks only its own event, a transient one fails
the record, and the retry sends only what had not gone out (the idempotency is per event). Older one-event items
are still read."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from chalicelib.adapters.aws import client
from chalicelib.adapters.outbox_codec import events_from_image, plain_image
from chalicelib.settings import get_settings
from devstack.lambda_shim import LocalContext
from tests.support import emails_to, finance_messages

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).resolve().parents[2] / "events"
YEAR_2 = "2028-11-21"  # the period end only the second event's notice shows


def _batch() -> dict[str, Any]:
    return json.loads((EVENTS / "notifier-stream-batch.json").read_text(encoding="utf-8"))


def _outbox_items(aws: dict[str, Any]) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(aws["tables"]["MainTable"]["name"])
    return [i for i in table.scan()["Items"] if i.get("kind") == "outbox"]


def _notices(year_2: bool) -> list[dict[str, Any]]:
    notices = [m for m in emails_to("client@example.com") if "付款通知书" in m["subject"]]
    return [m for m in notices if (YEAR_2 in m["body"]) == year_2]


@contextmanager
def ses_refusing(code: str, status: int, when: Callable[[str], bool]) -> Iterator[None]:
    """SES answers `code` for every SendEmail whose serialized request `when` picks."""
    ses = client("sesv2", get_settings())

    def refuse(params: dict[str, Any], **_: Any) -> Any:
        if when(params["body"].decode() if isinstance(params["body"], bytes) else params["body"]):
            return (
                type("R", (), {"status_code": status, "headers": {}})(),
                {"Error": {"Code": code, "Message": "refused"}, "ResponseMetadata": {"HTTPStatusCode": status}},
            )
        return None

    ses.meta.events.register("before-call.sesv2.SendEmail", refuse)
    try:
        yield
    finally:
        ses.meta.events.unregister("before-call.sesv2.SendEmail", refuse)


def test_only_the_events_someone_is_told_of_enter_the_outbox(world: Any, aws: dict[str, Any]) -> None:
    # Given a contract drafted, sent and signed by both parties (the second signature also makes it effective)
    cid = world.active_contract()
    audit = world.ok("GET", f"/contracts/{cid}/audit")["entries"]
    assert [e["type"] for e in audit] == [
        "ContractDrafted",
        "ContractSent",
        "SignatureRecorded",
        "SignatureRecorded",
        "ContractActivated",
    ]
    # Then the audit chain has every event, but the outbox only those the notifier tells someone of, one item per
    # commit: no item for the draft or the first signature; the effective signing's item holds ContractActivated
    items = {str(i["pk"]): events_from_image(i) for i in _outbox_items(aws)}
    ours = sorted(
        ([(e.type, _seq(e.event_id)) for e in evs] for evs in items.values() if evs[0].contract_id == cid),
        key=lambda evs: evs[0][1],
    )
    assert ours == [[("ContractSent", 2)], [("ContractActivated", 5)]]  # event ids keep the audit seq
    assert f"OUTBOX#{cid}-000005" in items  # keyed by its first event's id


def test_each_event_of_a_record_is_delivered_once_however_often_the_record_comes(aws: dict[str, Any]) -> None:
    from functions import notifier

    event = _batch()
    assert notifier.handler(event, LocalContext("hetong-notifier")) == {"batchItemFailures": []}
    assert notifier.handler(event, LocalContext("hetong-notifier")) == {"batchItemFailures": []}
    assert len(_notices(year_2=False)) == 1 and len(_notices(year_2=True)) == 1
    assert len(finance_messages(aws)) == 2


def test_a_transient_failure_fails_the_record_and_the_retry_sends_only_the_rest(aws: dict[str, Any]) -> None:
    from functions import notifier

    event = _batch()
    # Given SES throttles the second event's email past the client's own retries
    with (
        ses_refusing("TooManyRequestsException", 429, lambda body: YEAR_2 in body),
        pytest.raises(BatchProcessingError),
    ):
        # Then the record fails (its batch's only one: Powertools fails the whole batch, which the stream retries),
        notifier.handler(event, LocalContext("hetong-notifier"))
    # after the first event went out
    assert (len(_notices(year_2=False)), len(_notices(year_2=True))) == (1, 0)
    # When the record comes again, only the second event's messages go out
    assert notifier.handler(event, LocalContext("hetong-notifier")) == {"batchItemFailures": []}
    assert (len(_notices(year_2=False)), len(_notices(year_2=True))) == (1, 1)
    assert len(finance_messages(aws)) == 2


def test_a_permanent_failure_parks_only_its_event(aws: dict[str, Any]) -> None:
    from functions import notifier

    event = _batch()
    second = events_from_image(plain_image(event["Records"][0]["dynamodb"]["NewImage"]))[1]
    with ses_refusing("MessageRejected", 400, lambda body: YEAR_2 in body):
        assert notifier.handler(event, LocalContext("hetong-notifier")) == {"batchItemFailures": []}
    assert (len(_notices(year_2=False)), len(_notices(year_2=True))) == (1, 0)
    sqs = boto3.client("sqs", region_name="us-east-1")
    parked = sqs.receive_message(QueueUrl=aws["queues"]["NotifierDLQ"]["url"], MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["event_id"] for m in parked] == [second.event_id]


def test_an_event_that_keeps_failing_does_not_hold_back_the_events_after_it(aws: dict[str, Any]) -> None:
    from functions import notifier

    event = _batch()
    # Given SES throttles the FIRST event's email on every try
    for _ in range(3):
        with (
            ses_refusing("TooManyRequestsException", 429, lambda body: YEAR_2 not in body),
            pytest.raises(BatchProcessingError),
        ):
            notifier.handler(event, LocalContext("hetong-notifier"))
    # Then the second event went out on the first try, and only once however often the record came back
    assert (len(_notices(year_2=False)), len(_notices(year_2=True))) == (0, 1)
    # And once SES recovers, the first event goes out too
    assert notifier.handler(event, LocalContext("hetong-notifier")) == {"batchItemFailures": []}
    assert (len(_notices(year_2=False)), len(_notices(year_2=True))) == (1, 1)


def test_a_parked_event_is_parked_once_while_its_record_is_retried_for_another(aws: dict[str, Any]) -> None:
    from functions import notifier

    event = _batch()
    first = events_from_image(plain_image(event["Records"][0]["dynamodb"]["NewImage"]))[0]

    def refused(body: str) -> bool:
        return YEAR_2 not in body

    # Given the first event's email is rejected for good and the second's throttled, three tries in a row
    for _ in range(3):
        with (
            ses_refusing("MessageRejected", 400, refused),
            ses_refusing("TooManyRequestsException", 429, lambda body: YEAR_2 in body),
            pytest.raises(BatchProcessingError),
        ):
            notifier.handler(event, LocalContext("hetong-notifier"))
    # Then the first event sits on the notifier DLQ once
    sqs = boto3.client("sqs", region_name="us-east-1")
    parked = sqs.receive_message(QueueUrl=aws["queues"]["NotifierDLQ"]["url"], MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["event_id"] for m in parked] == [first.event_id]


def test_an_item_written_one_event_each_is_still_delivered(aws: dict[str, Any]) -> None:
    from functions import notifier

    old = json.loads((EVENTS / "notifier-stream.json").read_text(encoding="utf-8"))
    assert "events" not in old["Records"][0]["dynamodb"]["NewImage"]
    assert notifier.handler(old, LocalContext("hetong-notifier")) == {"batchItemFailures": []}
    assert len(_notices(year_2=False)) == 1


def _seq(event_id: str) -> int:
    return int(event_id.rsplit("-", 1)[1])
