"""The one place that wires real adapters to the services, for the API and every worker (the notifier too):
lazily and once per process, so a cold import builds nothing and touches no AWS."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.services.base import Clock, Deps, SystemClock
from chalicelib.settings import Settings, get_settings

if TYPE_CHECKING:
    from chalicelib.services.anchoring import Anchoring
    from chalicelib.services.notifications import Delivery
    from chalicelib.services.ports import Attachment
    from chalicelib.services.signing_codes import CodeSenders

IDEMPOTENCY_DAYS = 14  # a message key is remembered as long as the stream and the DLQ can hand its event back


class _Wiring:
    """What a process may choose before its first use case: the clock. Deployed code never sets it (the system
    clock); the local stack installs its movable clock, tests and the bench set a fixed one on the deps."""

    clock: Clock | None = None


def use_clock(clock: Clock | None) -> None:
    """Runs this process's use cases on `clock` from now on (None: the system clock)."""
    _Wiring.clock = clock
    reset()


@lru_cache(maxsize=1)
def get_deps() -> Deps:
    from chalicelib.adapters.dynamo import DynamoRepository
    from chalicelib.adapters.seal_keys import KmsSealSource
    from chalicelib.adapters.secrets import SecretsManagerSecret

    settings = get_settings()
    return Deps(
        repo=DynamoRepository(settings),
        settings=settings,
        clock=_Wiring.clock or SystemClock(),
        seal=KmsSealSource(settings),
        link_secret=SecretsManagerSecret(settings, settings.link_secret_id),
    )


@lru_cache(maxsize=1)
def get_code_senders() -> CodeSenders:
    """SES (and SNS SMS when HETONG_SMS_CODES is on) for the one-time codes the API sends itself."""
    from chalicelib.adapters.mail import SesMailer
    from chalicelib.adapters.sms import SnsSms
    from chalicelib.services.signing_codes import CodeSenders

    settings = get_settings()
    return CodeSenders(SesMailer(settings), SnsSms(settings) if settings.sms_codes else None)


@dataclass(frozen=True)
class NotifierDeps:
    """The notifier's dependencies: the delivery (builder, SES mailer, SNS publisher, each message sent once
    through Powertools idempotency), that idempotency's config (each invocation registers its Lambda context on
    it, so an in-progress record expires with the invocation) and where a permanently failing event is parked."""

    delivery: Delivery
    idempotency: Any  # aws_lambda_powertools' IdempotencyConfig, imported only when the notifier runs
    park: Callable[[str, str, str | None], None]  # (event id, reason, stream sequence number) → the notifier DLQ


def _nothing() -> None:
    return None


@lru_cache(maxsize=1)
def get_notifier_deps(on_sent: Callable[[], None] = _nothing) -> NotifierDeps:
    """`on_sent` is called after each message actually sent (not after one the idempotency guard skipped)."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from chalicelib.adapters.aws import client
    from chalicelib.adapters.mail import SesMailer, SnsPublisher
    from chalicelib.adapters.secrets import SecretsManagerSecret
    from chalicelib.services.notifications import Delivery, MessageBuilder

    settings = get_settings()
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table_name, boto3_client=client("dynamodb", settings)
    )
    config = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=IDEMPOTENCY_DAYS * 24 * 3600)
    # The guarded function takes only the JSON-able key; the send it stands for waits here under that key.
    senders: dict[str, Callable[[], str]] = {}

    @idempotent_function(data_keyword_argument="message", persistence_store=persistence, config=config)  # type: ignore[untyped-decorator]
    def send_once(message: dict[str, str]) -> dict[str, str]:
        provider_id = senders[message["key"]]()
        on_sent()
        return {"key": message["key"], "provider_id": provider_id}

    def once(key: str, send: Callable[[], str]) -> str:
        senders[key] = send
        try:
            return str(send_once(message={"key": key})["provider_id"])
        finally:
            senders.pop(key, None)

    delivery = Delivery(
        MessageBuilder(
            settings,
            settings.public_base_url,
            SecretsManagerSecret(settings, settings.link_secret_id),
            originals=_signed_original,
        ),
        SesMailer(settings),
        SnsPublisher(settings),
        once,
    )
    return NotifierDeps(delivery=delivery, idempotency=config, park=_park_once(settings, persistence, config))


def _signed_original(contract_id: str, part: str) -> Attachment:
    """The in-force emails' attachment: the sealed signed original of `part`, rendered by chalicelib/pdf."""
    from chalicelib.services import originals, sealing

    deps = get_deps()
    return sealing.original_attachment(deps, contract_id, part, originals.signed_original_renderer(deps))


def _park_once(settings: Settings, persistence: Any, config: Any) -> Callable[[str, str, str | None], None]:
    """Parks an event once: a record retried for another of its events does not park this one again."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    dead_letter = _dead_letters(settings)

    @idempotent_function(data_keyword_argument="parked", persistence_store=persistence, config=config)  # type: ignore[untyped-decorator]
    def park_once(parked: dict[str, Any]) -> dict[str, str]:
        dead_letter(parked["event_id"], parked["reason"], parked["sequence_number"])
        return {"key": parked["key"]}

    def park(event_id: str, reason: str, sequence_number: str | None) -> None:
        key = f"{event_id}#dead-letter"
        park_once(parked={"key": key, "event_id": event_id, "reason": reason, "sequence_number": sequence_number})

    return park


def _dead_letters(settings: Settings) -> Callable[[str, str, str | None], None]:
    def park(event_id: str, reason: str, sequence_number: str | None) -> None:
        from chalicelib.adapters.aws import client

        if not settings.notifier_dlq_url:
            raise RuntimeError("HETONG_NOTIFIER_DLQ_URL is not set; cannot park a permanently failing event")
        body = {"event_id": event_id, "reason": reason, "sequence_number": sequence_number, "source": "notifier"}
        client("sqs", settings).send_message(QueueUrl=settings.notifier_dlq_url, MessageBody=json.dumps(body))

    return park


@lru_cache(maxsize=1)
def get_anchoring() -> Anchoring | None:
    """The audit anchors' store and the KMS key that signs them (None where the settings name none)."""
    from chalicelib.adapters.anchors import DynamoAnchorStore, KmsSigner
    from chalicelib.adapters.aws import client
    from chalicelib.services.anchoring import Anchoring

    settings = get_settings()
    if not settings.anchor_table_name or not settings.anchor_key_id:
        return None
    store = DynamoAnchorStore(client("dynamodb", settings), settings.anchor_table_name)
    return Anchoring(store, KmsSigner(client("kms", settings), settings.anchor_key_id))


def reset() -> None:
    """Forget the wired dependencies (tests and the local stack change the environment); the clock stays."""
    get_deps.cache_clear()
    get_notifier_deps.cache_clear()
    get_code_senders.cache_clear()
    get_anchoring.cache_clear()
