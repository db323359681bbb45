"""Notifier Lambda: consumes the table's stream (outbox inserts: the events of one commit each), sends each
event's emails and finance alerts once per event id, and reports partial batch failures so only failed records
are retried (a retried record's events already sent are skipped by that idempotency). Its dependencies come from
chalicelib.bootstrap, like the API's and the other workers'."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import logger, metrics

if TYPE_CHECKING:
    from chalicelib.bootstrap import NotifierDeps
    from chalicelib.services.ports import OutboxEvent

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def _message_sent() -> None:
    metrics.add_metric(name="MessagesSent", unit="Count", value=1)


def _deps() -> NotifierDeps:
    from chalicelib.bootstrap import get_notifier_deps

    return get_notifier_deps(_message_sent)


def _outbox_events(record: DynamoDBRecord) -> list[OutboxEvent]:
    """The outbox events a stream record inserted, in order; none for any other record."""
    from chalicelib.adapters.outbox_codec import events_from_image

    image = record.dynamodb.new_image if record.dynamodb else None
    if record.event_name is None or record.event_name.name != "INSERT" or not image or image.get("kind") != "outbox":
        return []
    return events_from_image(image)


class RetryRecord(Exception):
    """Some events of the record failed transiently: the record is retried (its events already sent are skipped)."""


def record_handler(record: DynamoDBRecord) -> None:
    """Every event of the record is tried, whatever happened to the one before it: one event that keeps failing
    must not keep the commit's other events from their recipients."""
    events = _outbox_events(record)
    if not events:
        return  # the deployed mapping filters these out; the guard keeps replays of other records harmless
    deps = _deps()
    failed = [event.event_id for event in events if not _deliver(deps, event, record)]
    if failed:
        raise RetryRecord(f"transient delivery failure of {', '.join(failed)}; the record will be retried")


def _deliver(deps: NotifierDeps, event: OutboxEvent, record: DynamoDBRecord) -> bool:
    """True when the event is done with (delivered, or parked for good); False when it should be tried again."""
    from chalicelib.adapters.mail import DeliveryFailed

    try:
        sent = deps.delivery.deliver(event)
    except DeliveryFailed as exc:
        if not exc.permanent:
            logger.warning(
                "transient delivery failure; the record will be retried", event_id=event.event_id, error=str(exc)
            )
            return False
        # Retrying cannot help (e.g. a rejected address): park it with its reason (once per event, however often
        # the record comes back for another event), keep the batch moving.
        logger.error("permanent delivery failure; sent to the DLQ", event_id=event.event_id, error=str(exc))
        deps.park(event.event_id, str(exc), record.dynamodb.sequence_number if record.dynamodb else None)
        metrics.add_metric(name="EventsDeadLettered", unit="Count", value=1)
        return True
    logger.info("event delivered", event_id=event.event_id, event_type=event.type, messages=sent)
    return True


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _deps().idempotency.register_lambda_context(context)  # an in-progress record expires with this invocation
    response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return response
