"""The one place domain errors become HTTP responses, plus request-body parsing with clear 4xx errors."""

from __future__ import annotations

import json
import logging
from typing import Any

from chalice.app import Response

from chalicelib.domain.errors import (
    AlreadyExists,
    ConcurrentUpdate,
    Conflict,
    DomainError,
    IllegalTransition,
    NotFound,
    TokenRejected,
    Unavailable,
    ValidationError,
)
from chalicelib.services.auth import Forbidden, Unauthorized

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
JSON_HEADERS: dict[str, Any] = {"Content-Type": "application/json; charset=utf-8"}


class BadRequest(Exception):
    def __init__(self, field: str, message: str, status: int = 400, code: str = "bad_request") -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status
        self.code = code


def error(status: int, code: str, message: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    return Response(body=json.dumps({"error": body}, ensure_ascii=False), status_code=status, headers=JSON_HEADERS)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False), status_code=status, headers={**JSON_HEADERS, **(headers or {})}
    )


def parse_json_body(raw: bytes | None, content_type: str | None) -> Any:
    if raw is None or raw == b"":
        raise BadRequest("body", "a JSON body is required")
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest("body", f"body is larger than {MAX_BODY_BYTES} bytes", status=413, code="payload_too_large")
    if content_type and "json" not in content_type.lower():
        raise BadRequest("body", "Content-Type must be application/json", status=415, code="unsupported_media_type")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("body", f"body is not valid JSON: {exc}") from None


def map_exception(exc: Exception) -> Response:
    """Domain and request errors → 4xx with the field named; anything else → 500 logged with its stack."""
    if isinstance(exc, BadRequest):
        return error(exc.status, exc.code, exc.message, exc.field)
    if isinstance(exc, Unauthorized):
        return error(401, "unauthorized", str(exc))
    if isinstance(exc, Forbidden):
        return error(403, "forbidden", str(exc))
    if isinstance(exc, ValidationError):
        return error(400, exc.code, exc.message, exc.field)
    if isinstance(exc, NotFound):
        return error(404, exc.code, exc.message)
    if isinstance(exc, TokenRejected):
        return error(exc.status, exc.code, exc.message)
    if isinstance(exc, Conflict):
        status = 422 if exc.code == "idempotency_key_reused" else 409
        return error(status, exc.code, exc.message, exc.field)
    if isinstance(exc, (IllegalTransition, AlreadyExists)):
        return error(409, exc.code, exc.message)
    if isinstance(exc, ConcurrentUpdate):
        return error(409, exc.code, exc.message)
    if isinstance(exc, Unavailable):
        return error(503, exc.code, exc.message)
    if isinstance(exc, DomainError):
        return error(400, exc.code, exc.message)
    logger.exception("unhandled error")
    return error(500, "internal_error", "internal error; it has been logged")
