"""Feeds the table's stream to the notifier like Lambda's event source mapping: outbox INSERTs only, batches
of 10, partial-batch retries up to the configured limit, then an on-failure record on the notifier DLQ."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3

from chalicelib.adapters.outbox_codec import events_from_image, plain_image
from devstack.lambda_shim import LocalContext, stream_event

logger = logging.getLogger("devstack.runner")
BATCH_SIZE = 10
MAX_RETRIES = 5


def is_outbox_insert(record: dict[str, Any]) -> bool:
    image = record.get("dynamodb", {}).get("NewImage", {})
    return record.get("eventName") == "INSERT" and image.get("kind", {}).get("S") == "outbox"


class StreamRunner:
    def __init__(
        self,
        endpoint: str,
        region: str,
        stream_arn: str,
        dlq_url: str,
        handler: Callable[[dict[str, Any], Any], dict[str, Any]],
    ) -> None:
        kw: dict[str, Any] = {"endpoint_url": endpoint, "region_name": region}
        self.streams = boto3.client("dynamodbstreams", **kw)
        self.sqs = boto3.client("sqs", **kw)
        self.stream_arn = stream_arn
        self.dlq_url = dlq_url
        self.handler = handler
        self.last_seq: dict[str, str] = {}
        self.delivered = 0
        self._stop = threading.Event()

    def _iterator(self, shard_id: str) -> str:
        # A fresh iterator after the last record seen, on every poll, as the deployed mapping checkpoints. (moto
        # used to swap a table's shard when a transaction was cancelled, leaving older iterators on a stale shard
        # that held the cancelled writes; devstack.moto_server.keep_stream_shards_on_cancel keeps it in place.)
        last = self.last_seq.get(shard_id)
        if last is None:
            kwargs: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
        else:
            kwargs = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
        return str(
            self.streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard_id, **kwargs)["ShardIterator"]
        )

    def poll_once(self) -> int:
        """Reads every shard once and delivers what it found; returns the number of outbox records."""
        desc = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        count = 0
        for shard in desc.get("Shards", []):
            sid = shard["ShardId"]
            resp = self.streams.get_records(ShardIterator=self._iterator(sid), Limit=1000)
            records = resp.get("Records", [])
            if not records:
                continue
            outbox = [r for r in records if is_outbox_insert(r)]
            for i in range(0, len(outbox), BATCH_SIZE):
                self._deliver_batch(outbox[i : i + BATCH_SIZE])
            self.last_seq[sid] = records[-1]["dynamodb"]["SequenceNumber"]
            count += len(outbox)
        return count

    def _deliver_batch(self, batch: list[dict[str, Any]]) -> None:
        pending = batch
        for attempt in range(MAX_RETRIES + 1):
            try:
                result = self.handler(stream_event(pending, self.stream_arn), LocalContext("hetong-notifier"))
                failures = [f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])]
            except Exception as exc:  # noqa: BLE001 - like Lambda: a raised error fails the whole batch
                logger.warning("notifier batch failed (%s); retrying", exc)
                failures = [r["dynamodb"]["SequenceNumber"] for r in pending]
            if not failures:
                self.delivered += len(pending)
                return
            # Like Lambda: resume from the first failed record (its checkpoint), keep the order.
            first = next(i for i, r in enumerate(pending) if r["dynamodb"]["SequenceNumber"] in failures)
            self.delivered += first
            pending = pending[first:]
            time.sleep(min(2.0, 0.1 * 2**attempt))
        logger.error("retries exhausted for %d records; sending them to the notifier DLQ", len(pending))
        self.sqs.send_message(
            QueueUrl=self.dlq_url,
            MessageBody=json.dumps(
                {
                    "requestContext": {
                        "condition": "RetryAttemptsExhausted",
                        "approximateInvokeCount": MAX_RETRIES + 1,
                    },
                    "DDBStreamBatchInfo": {
                        "streamArn": self.stream_arn,
                        "startSequenceNumber": pending[0]["dynamodb"]["SequenceNumber"],
                        "endSequenceNumber": pending[-1]["dynamodb"]["SequenceNumber"],
                        "batchSize": len(pending),
                    },
                    "event_ids": [
                        ev.event_id for r in pending for ev in events_from_image(plain_image(r["dynamodb"]["NewImage"]))
                    ],
                }
            ),
        )

    def run_forever(self, interval: float = 0.5) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                logger.exception("stream poll failed")
            self._stop.wait(interval)

    def stop(self) -> None:
        self._stop.set()
