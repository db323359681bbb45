"""Idempotency-Key for mutating staff calls (Powertools idempotency, 24 h): a retry returns the first result,
the same key with another body is refused, a concurrent duplicate waits its turn."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chalicelib.domain.errors import Conflict, ValidationError
from chalicelib.services.base import Deps

_KEY = re.compile(r"^[A-Za-z0-9_\-:.]{8,128}$")


class IdempotencyMismatch(Conflict):
    code = "idempotency_key_reused"


def once(deps: Deps, key: str, scope: str, body: Any, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    from chalicelib.adapters.aws import client

    if not _KEY.fullmatch(key):  # match() would let a trailing newline through ($)
        raise ValidationError("Idempotency-Key", "must be 8–128 characters of letters, digits, '-', '_', ':' or '.'")
    persistence = DynamoDBPersistenceLayer(
        table_name=deps.settings.idempotency_table_name, boto3_client=client("dynamodb", deps.settings)
    )
    config = IdempotencyConfig(
        event_key_jmespath="[scope, key]", payload_validation_jmespath="body", expires_after_seconds=24 * 3600
    )

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)  # type: ignore[untyped-decorator]
    def run(request: dict[str, Any]) -> dict[str, Any]:
        return fn()

    try:
        result: dict[str, Any] = run(request={"scope": scope, "key": key, "body": body})
    except IdempotencyValidationError:
        raise IdempotencyMismatch(
            "this Idempotency-Key was already used with a different body", field="Idempotency-Key"
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            "a request with this Idempotency-Key is still in progress; retry shortly", field="Idempotency-Key"
        ) from None
    return result
