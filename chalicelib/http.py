"""The one place domain errors become HTTP responses, plus request-body parsing with clear 4xx errors."""

from __future__ import annotations

import json
import logging
import math
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
from chalicelib.domain.text import has_lone_surrogate
from chalicelib.domain.verification import CodeRejected
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


def code_error(exc: CodeRejected) -> Response:
    """A refused one-time code: the field is `code`, with the tries left and when to ask again, if known."""
    body: dict[str, Any] = {"code": exc.code, "message": exc.message, "field": "code"}
    headers = dict(JSON_HEADERS)
    if exc.tries_left is not None:
        body["tries_left"] = exc.tries_left
    if exc.retry_after is not None:
        body["retry_after_seconds"] = exc.retry_after
        headers["Retry-After"] = str(exc.retry_after)
    return Response(body=json.dumps({"error": body}, ensure_ascii=False), status_code=exc.status, headers=headers)


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
        text = raw.decode("utf-8")
        data = json.loads(
            text, parse_int=_int, parse_float=_float, parse_constant=_no_constant, object_pairs_hook=_unique_keys
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("body", f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadRequest("body", f"body is nested more than {MAX_DEPTH} levels deep") from None
    if _depth(data) > MAX_DEPTH:
        raise BadRequest("body", f"body is nested more than {MAX_DEPTH} levels deep")
    broken = _lone_surrogate_at(data)
    if broken is not None:
        raise BadRequest(broken, "is not valid Unicode text: it holds a lone surrogate escape such as \\ud800")
    return data


# Hostile bodies get a 400, never a 5xx: no request here needs more nesting or longer numbers than these.
MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise BadRequest("body", f"a number in the body is longer than {MAX_NUMBER_CHARS} characters")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise BadRequest("body", f"a number in the body is longer than {MAX_NUMBER_CHARS} characters")
    value = float(text)
    if not math.isfinite(value):
        raise BadRequest("body", f"{text} is out of range for a number")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose key appears twice is refused: which one counts would depend on the reader (a proxy or a
    WAF may judge the first, json.loads keeps the last)."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise BadRequest(key, f"{key!r} appears more than once in a JSON object of the body")
        seen.add(key)
    return dict(pairs)


def _no_constant(text: str) -> Any:
    raise BadRequest("body", f"{text} is not a JSON number")


def _depth(data: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:
            children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
            stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _lone_surrogate_at(data: Any) -> str | None:
    """The path (`terms.services[1]`) of the first string or key holding a lone UTF-16 surrogate, which a JSON
    `\\ud800` escape yields: no such text can be stored, mailed, printed or even sent back in an error."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str) and has_lone_surrogate(value):
            return path or "body"
        if isinstance(value, dict):
            for key, child in value.items():
                if has_lone_surrogate(key):
                    return path or "body"
                stack.append((child, f"{path}.{key}" if path else key))
        elif isinstance(value, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(value))
    return None


def int_param(raw: str, name: str, lo: int, hi: int, message: str) -> int:
    """A query or path parameter that must be a plain ASCII whole number in [lo, hi] (str.isdigit() also
    accepts '²' and other Unicode digits that int() then refuses)."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(hi)) or not lo <= int(raw) <= hi:
        raise BadRequest(name, message)
    return int(raw)


# Domain error class → HTTP status; any other DomainError is a 400.
_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (ValidationError, 400),
    (NotFound, 404),
    (IllegalTransition, 409),
    (AlreadyExists, 409),
    (ConcurrentUpdate, 409),
    (Unavailable, 503),
)


def map_exception(exc: Exception) -> Response:
    """Domain and request errors → 4xx with the field named; anything else → 500 logged with its stack."""
    if isinstance(exc, BadRequest):
        return error(exc.status, exc.code, exc.message, exc.field)
    if isinstance(exc, (Unauthorized, Forbidden)):
        return error(401 if isinstance(exc, Unauthorized) else 403, type(exc).__name__.lower(), str(exc))
    if isinstance(exc, TokenRejected):
        return error(exc.status, exc.code, exc.message)
    if isinstance(exc, CodeRejected):
        return code_error(exc)
    if isinstance(exc, Conflict):
        return error(422 if exc.code == "idempotency_key_reused" else 409, exc.code, exc.message, exc.field)
    if isinstance(exc, DomainError):
        status = next((code for cls, code in _STATUS if isinstance(exc, cls)), 400)
        return error(status, exc.code, exc.message, exc.field if isinstance(exc, (ValidationError, NotFound)) else None)
    logger.exception("unhandled error")
    return error(500, "internal_error", "internal error; it has been logged")
