"""Shard worker (SQS): each message is one index shard of one daily run (invoicing, overdue, lifecycle or
obligations; see chalicelib/services/fanout.py). It works through the shard page by page, paced, looking at the
Lambda context's remaining time before every item, and before its time runs out sends the rest of the shard on as a
new message with the cursor right after its last item. A message whose work raised is
reported as a batch item failure: SQS delivers it again (resuming from the saved cursor) and, after the queue's
maxReceiveCount, parks it on the shard DLQ."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import logger, metrics

if TYPE_CHECKING:
    from chalicelib.services.fanout import Budget

processor = BatchProcessor(event_type=EventType.SQS)


class _Invocation:
    context: LambdaContext | None = None


def _budget() -> Budget:
    from chalicelib.bootstrap import get_deps
    from chalicelib.services.fanout import Budget

    context = _Invocation.context
    remaining = context.get_remaining_time_in_millis if context is not None else (lambda: 1 << 40)
    return Budget(remaining_ms=remaining, per_second=get_deps().settings.shard_items_per_second)


def record_handler(record: SQSRecord) -> None:
    from chalicelib.adapters.shard_queue import SqsShardQueue
    from chalicelib.bootstrap import get_deps
    from chalicelib.services import shard_jobs  # noqa: F401 - registers the jobs
    from chalicelib.services.fanout import ShardTask, run_shard

    deps = get_deps()
    task = ShardTask.from_message(json.loads(record.body))
    out = run_shard(deps, task, _budget())
    if out.continuation is not None:
        SqsShardQueue(deps.settings).send([out.continuation])
        metrics.add_metric(name="ShardContinuations", unit="Count", value=1)
    for key, value in out.counts.items():
        metrics.add_metric(name=f"Shard.{task.job}.{key}", unit="Count", value=value)
    logger.info(
        "shard done" if out.continuation is None else "shard continued",
        job=task.job,
        as_of=task.as_of.isoformat(),
        shard=task.shard,
        run_id=task.run_id,
        counts=dict(out.counts),
    )


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _Invocation.context = context
    response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return response
