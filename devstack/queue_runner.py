"""Delivers the shard queue's messages to the shard worker like Lambda's SQS event source mapping (batch size 1,
partial batch failures): a message the handler reports as failed (or that raised) is not deleted and comes back
after `retry_seconds` (Lambda leaves it for the queue's visibility timeout); moto's SQS moves it to the shard DLQ
after the queue's maxReceiveCount, as SQS does. Each invocation gets a context whose remaining time runs down from
the function's timeout, so a worker's time budget behaves as deployed."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from devstack.lambda_shim import LocalContext

logger = logging.getLogger("devstack.queue_runner")
BATCH_SIZE = 1  # infra/template.yaml, ShardWorkerFunction's SQS event
FUNCTION_TIMEOUT_MS = 300_000


@dataclass
class TimedContext(LocalContext):
    timeout_ms: int = FUNCTION_TIMEOUT_MS
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.timeout_ms - int((time.monotonic() - self.started) * 1000))


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """SQS messages as Lambda's event source mapping delivers them to a function."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


class QueueRunner:
    def __init__(
        self,
        endpoint: str | None,
        region: str,
        queue_url: str,
        handler: Callable[[dict[str, Any], Any], dict[str, Any]],
        retry_seconds: int = 5,
    ) -> None:
        # A session of its own: boto3's default session is not safe to share with the stream runner's thread.
        self.sqs = boto3.session.Session().client("sqs", endpoint_url=endpoint, region_name=region)
        self.region = region
        self.queue_url = queue_url
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.handler = handler
        self.retry_seconds = retry_seconds
        self.delivered = 0
        self.failed = 0
        self._stop = threading.Event()

    def poll_once(self) -> int:
        """Receives one batch and invokes the handler with it; returns how many messages it received."""
        resp = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=BATCH_SIZE, AttributeNames=["All"], WaitTimeSeconds=0
        )
        messages = resp.get("Messages", [])
        if not messages:
            return 0
        try:
            result = self.handler(sqs_event(messages, self.queue_arn, self.region), TimedContext("hetong-shard-worker"))
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Exception as exc:  # noqa: BLE001 - like Lambda: a raised error fails the whole batch
            logger.warning("shard worker failed (%s); the batch will be retried", exc)
            failed = {m["MessageId"] for m in messages}
        for m in messages:
            if m["MessageId"] in failed:
                self.failed += 1
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=self.retry_seconds
                )
            else:
                self.delivered += 1
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        return len(messages)

    def drain(self, max_batches: int = 100_000) -> int:
        """Delivers until the queue has nothing visible (messages waiting to be retried are not waited for)."""
        total = 0
        for _ in range(max_batches):
            got = self.poll_once()
            if not got:
                return total
            total += got
        return total

    def run_forever(self, interval: float = 2.0) -> None:
        # Short polls, every `interval`: the local moto server handles one request at a time, so a long poll would
        # hold it, and frequent polls slow every other caller (the notifier's SES calls among them).
        while not self._stop.is_set():
            try:
                while self.poll_once():
                    pass
            except Exception:
                logger.exception("shard queue poll failed")
            self._stop.wait(interval)

    def stop(self) -> None:
        self._stop.set()
