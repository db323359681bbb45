"""The API's one Chalice app and what every route shares: `route(path, body=Model)` with the one error mapping,
who the caller is, Idempotency-Key handling and the common query parameters. Routes live in
chalicelib/api/routes/<area>.py; app.py imports them so Chalice sees every route on this app."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib import http
from chalicelib.api import client_headers, headers
from chalicelib.api import money_requests as mq
from chalicelib.api.body import Body, RequestBody
from chalicelib.bootstrap import get_deps
from chalicelib.domain.calendar import InvalidDate, parse_date
from chalicelib.services import idempotency
from chalicelib.services.auth import Caller, authorize

app = Chalice(app_name="hetong")
# PDFs in (POST /verify) and out (documents): Chalice base64-encodes, and declares to API Gateway as binary, only
# the types listed here; API Gateway passes such a body to Lambda base64-encoded and Chalice decodes it.
app.api.binary_types.append("application/pdf")
app.register_middleware(headers.middleware, "http")  # security headers on every response
STAFF = ("operator", "finance")
OPERATOR = ("operator",)
FINANCE = ("finance",)
# Accept any body type at the router so our parser answers with our error shape (415 naming the body).
BODY_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", "application/octet-stream"]


# The staff caller of the request being served (set by staff(); once() scopes Idempotency-Keys to it).
_CALLER: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("caller", default=None)

# (method, path) → the model its body parses into; tests/unit/test_openapi.py holds /openapi.json to these.
BODY_MODELS: dict[tuple[str, str], type[RequestBody]] = {}


def route(
    path: str, *, body: type[RequestBody] | None = None, **kwargs: Any
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """app.route with the one error mapping: Chalice turns view exceptions into 500s before middleware sees
    them, so each view is wrapped here instead. With `body=Model` the view gets `body: Body[Model]`."""
    if body is not None:
        kwargs.setdefault("content_types", BODY_TYPES)
        BODY_MODELS.update({(method, path): body for method in kwargs.get("methods", ["GET"])})

    def register(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kw: Any) -> Response:
            _CALLER.set(None)
            try:
                if body is not None:
                    kw["body"] = request_body(body)
                return view(*args, **kw)
            except Exception as exc:  # noqa: BLE001 - the one place exceptions become HTTP errors
                return http.map_exception(exc)

        app.route(path, **kwargs)(wrapped)
        return wrapped

    return register


def request() -> Request:
    current = app.current_request
    assert current is not None
    return current


def staff(allowed: tuple[str, ...]) -> Caller:
    caller = authorize(get_deps(), request().headers.get("authorization"), allowed)
    _CALLER.set(caller)
    return caller


def raw_body() -> bytes | None:
    raw = request().raw_body
    return raw.encode() if isinstance(raw, str) else raw


def request_body(model: type[RequestBody]) -> Body[Any]:
    return Body(model, raw_body(), request().headers.get("content-type"))


def once(scope: str, body: Any, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Mutating staff calls honour an optional Idempotency-Key (24 h): a retry gets the first reply, the same
    key with another body is refused (422). Keys are the caller's own: the scope holds the caller's key id, so
    another person sending the same key and body runs the call as theirs, not reading the first one's reply."""
    key = request().headers.get("idempotency-key")
    if key is None:
        return compute()
    caller = _CALLER.get()
    if caller is not None:
        scope = f"{scope}@{caller.key_id}"
    return idempotency.once(get_deps(), key, scope, body, compute)


def actor(caller: Caller) -> str:
    """Who the audit says acted: `staff:<role>:<key id>:<name>`."""
    return caller.actor


def query(name: str) -> str | None:
    params: Mapping[str, str] = request().query_params or {}
    return params.get(name)


def int_query(name: str, default: int) -> int:
    raw = query(name)
    if raw is None:
        return default
    return http.int_param(raw, name, 0, 10**6, f"{name} must be a positive integer")


def client_info() -> tuple[str, str]:
    """The caller's address as API Gateway saw the connection (`identity.sourceIp`; never a header the client
    can write) and its user agent. docs/architecture.md, "Security", says what this is behind a CDN."""
    current = request()
    ip = str((current.context.get("identity") or {}).get("sourceIp") or "unknown")
    return ip, current.headers.get("user-agent", "unknown")


def forwarded_for() -> str | None:
    """X-Forwarded-For as the client (or a proxy) sent it: unverified, recorded only beside the evidence IP."""
    return client_headers.unverified_forwarded_for(request().headers.get("x-forwarded-for"))


def wants_json() -> bool:
    return "application/json" in (request().headers.get("accept") or "")


def as_of() -> date:
    raw = query("as_of")
    if raw is None:
        return get_deps().today()
    try:
        return parse_date(raw)
    except InvalidDate:
        raise http.BadRequest("as_of", "as_of must be a real date YYYY-MM-DD") from None


def as_of_given() -> date | None:
    return None if query("as_of") is None else as_of()


def path_year(raw: str) -> int:
    return http.int_param(raw, "year", 1, mq.MAX_YEAR, "year must be a contract year number (1, 2, ...)")
