"""The shard workers' queue on SQS (services/fanout.py's ShardQueue): SendMessageBatch, ten messages a request.
The deployed event source mapping (infra/template.yaml) and the local stack's runner (devstack/runner.py) deliver
them to functions/shard_worker.py."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.services.fanout import ShardTask
from chalicelib.settings import Settings

BATCH = 10  # SQS's SendMessageBatch limit


class QueueSendFailed(RuntimeError):
    pass


class SqsShardQueue:
    def __init__(self, settings: Settings) -> None:
        if not settings.shard_queue_url:
            raise ValueError("HETONG_SHARD_QUEUE_URL is not set")
        self._url = settings.shard_queue_url
        self._settings = settings

    def _sqs(self) -> Any:
        return client("sqs", self._settings)  # one per process, standard retries

    def send(self, tasks: list[ShardTask]) -> None:
        for start in range(0, len(tasks), BATCH):
            chunk = tasks[start : start + BATCH]
            entries = [
                {"Id": str(i), "MessageBody": json.dumps(t.to_message(), sort_keys=True)} for i, t in enumerate(chunk)
            ]
            resp = self._sqs().send_message_batch(QueueUrl=self._url, Entries=entries)
            if resp.get("Failed"):
                # A scheduled run that lost a shard would silently skip its contracts: fail loudly (the schedule's
                # retry resends every shard; a shard already done finds nothing due).
                raise QueueSendFailed(f"{len(resp['Failed'])} shard message(s) not sent: {resp['Failed'][:3]}")
