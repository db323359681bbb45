"""Helpers shared by integration tests: deliver the stream like Lambda, read what moto sent."""

from __future__ import annotations

import json
import re
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID

REGION = "us-east-1"


def deliver(aws: dict[str, Any]) -> int:
    """Runs the notifier over every new outbox record of the table's stream (like the event source mapping)."""
    from devstack.runner import StreamRunner
    from functions import notifier

    runner = _runners.get(id(aws))
    if runner is None:
        runner = StreamRunner(
            None,
            REGION,
            aws["tables"]["MainTable"]["stream_arn"],  # type: ignore[arg-type]
            aws["queues"]["NotifierDLQ"]["url"],
            notifier.handler,
        )
        _runners[id(aws)] = runner
    return runner.poll_once()


_runners: dict[int, Any] = {}


def sent_emails() -> list[dict[str, Any]]:
    from moto.ses.models import ses_backends

    out = []
    for msg in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
        body = getattr(msg, "body", None) or getattr(msg, "raw_data", "")
        out.append(
            {
                "to": list(getattr(msg, "destinations", {}).get("ToAddresses", [])),
                "subject": getattr(msg, "subject", ""),
                "body": body,
            }
        )
    return out


def emails_to(address: str) -> list[dict[str, Any]]:
    return [m for m in sent_emails() if address in m["to"]]


def signing_link(address: str) -> str:
    """The newest signing link emailed to `address`."""
    for msg in reversed(emails_to(address)):
        found = re.findall(r"https?://[^\s\"<>]+/sign/[A-Za-z0-9_\-]+", msg["body"])
        if found:
            return found[-1]
    raise AssertionError(f"no signing link was emailed to {address}")


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def finance_messages(aws: dict[str, Any]) -> list[dict[str, Any]]:
    from moto.sns.models import sns_backends

    topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[aws["topics"]["FinanceTopic"]]
    return [json.loads(m) if isinstance(m, str) else m for m in getattr(topic, "sent_notifications", [])]
