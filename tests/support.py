"""Helpers shared by integration tests: deliver the stream like Lambda, read what moto sent."""

from __future__ import annotations

import json
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID

from devstack.client import token_of as token_of

REGION = "us-east-1"


def deliver(aws: dict[str, Any]) -> int:
    """Runs the notifier over every new outbox record of the table's stream (like the event source mapping)."""
    from devstack.runner import StreamRunner
    from functions import notifier

    # The runner lives on the fixture's own dict: keyed by id(aws), a later test's dict could reuse a collected
    # one's id and poll the old table's stream, delivering nothing (seen about once in twenty CI runs).
    runner = aws.get("_stream_runner")
    if runner is None:
        runner = StreamRunner(
            None,
            REGION,
            aws["tables"]["MainTable"]["stream_arn"],  # type: ignore[arg-type]
            aws["queues"]["NotifierDLQ"]["url"],
            notifier.handler,
        )
        aws["_stream_runner"] = runner
    return int(runner.poll_once())


def sent_emails() -> list[dict[str, Any]]:
    """What moto's SES sent, oldest first, as {"to", "subject", "body", "attachments"}."""
    from devstack.client import moto_inbox_in_process, recipients

    return [
        {"to": recipients(m), "subject": m["subject"], "body": m["body"], "attachments": m.get("attachments", [])}
        for m in moto_inbox_in_process(REGION)
    ]


def emails_to(address: str) -> list[dict[str, Any]]:
    return [m for m in sent_emails() if address in m["to"]]


def signing_link(address: str) -> str:
    """The newest signing link emailed to `address`."""
    from devstack.client import moto_inbox_in_process, newest_link

    link = newest_link(moto_inbox_in_process(REGION), address)
    if link is None:
        raise AssertionError(f"no signing link was emailed to {address}")
    return link


def finance_messages(aws: dict[str, Any]) -> list[dict[str, Any]]:
    from moto.sns.models import sns_backends

    topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[aws["topics"]["FinanceTopic"]]
    # moto keeps (message_id, message, subject, attributes, group_id) per published message
    sent = getattr(topic, "sent_notifications", [])
    return [json.loads(m[1] if isinstance(m, tuple) else m) if not isinstance(m, dict) else m for m in sent]
