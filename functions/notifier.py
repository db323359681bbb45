"""Notifier Lambda: consumes the table's stream (outbox inserts), sends each event's emails and finance
alerts once per event id, and reports partial batch failures so only failed records are retried."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions._runtime import logger, metrics

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
_senders: dict[str, Callable[[], str]] = {}
_configs: list[Any] = []


@lru_cache(maxsize=1)
def _delivery() -> Any:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from chalicelib.adapters.aws import client
    from chalicelib.adapters.mail import SesMailer, SnsPublisher
    from chalicelib.services.notifications import Delivery, MessageBuilder
    from chalicelib.settings import get_settings

    settings = get_settings()
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table_name, boto3_client=client("dynamodb", settings)
    )
    config = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=14 * 24 * 3600)
    _configs.append(config)

    @idempotent_function(data_keyword_argument="message", persistence_store=persistence, config=config)  # type: ignore[untyped-decorator]
    def send_once(message: dict[str, str]) -> dict[str, str]:
        provider_id = _senders[message["key"]]()
        metrics.add_metric(name="MessagesSent", unit="Count", value=1)
        return {"key": message["key"], "provider_id": provider_id}

    def once(key: str, send: Callable[[], str]) -> str:
        _senders[key] = send
        try:
            return str(send_once(message={"key": key})["provider_id"])
        finally:
            _senders.pop(key, None)

    return Delivery(
        MessageBuilder(settings, settings.public_base_url), SesMailer(settings), SnsPublisher(settings), once
    )


def _dead_letter(event_id: str, reason: str, record: DynamoDBRecord) -> None:
    from chalicelib.adapters.aws import client
    from chalicelib.settings import get_settings

    settings = get_settings()
    if not settings.notifier_dlq_url:
        raise RuntimeError("HETONG_NOTIFIER_DLQ_URL is not set; cannot park a permanently failing event")
    client("sqs", settings).send_message(
        QueueUrl=settings.notifier_dlq_url,
        MessageBody=json.dumps(
            {
                "event_id": event_id,
                "reason": reason,
                "sequence_number": record.dynamodb.sequence_number if record.dynamodb else None,
                "source": "notifier",
            }
        ),
    )
    metrics.add_metric(name="EventsDeadLettered", unit="Count", value=1)


def record_handler(record: DynamoDBRecord) -> None:
    from chalicelib.adapters.mail import DeliveryFailed
    from chalicelib.services.ports import OutboxEvent

    image = record.dynamodb.new_image if record.dynamodb else None
    if record.event_name is None or record.event_name.name != "INSERT" or not image or image.get("kind") != "outbox":
        return  # the deployed mapping filters these out; the guard keeps replays of other records harmless
    event = OutboxEvent(
        event_id=str(image["event_id"]),
        type=str(image["type"]),
        contract_id=str(image["contract_id"]),
        at=str(image["at"]),
        actor=str(image["actor"]),
        payload=json.loads(str(image["payload"])),
    )
    try:
        sent = _delivery().deliver(event)
    except DeliveryFailed as exc:
        if not exc.permanent:
            logger.warning(
                "transient delivery failure; the record will be retried", event_id=event.event_id, error=str(exc)
            )
            raise
        # Retrying cannot help (e.g. a rejected address): park it with its reason, keep the batch moving.
        logger.error("permanent delivery failure; sent to the DLQ", event_id=event.event_id, error=str(exc))
        _dead_letter(event.event_id, str(exc), record)
        return
    logger.info("event delivered", event_id=event.event_id, event_type=event.type, messages=sent)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _delivery()
    for config in _configs:
        config.register_lambda_context(context)  # an in-progress record expires with this invocation
    response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return response
