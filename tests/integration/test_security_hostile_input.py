"""Hostile shapes on EVERY route of the app (the list comes from the app itself, so a new route is covered the day
it is added), as operator, as finance and unauthenticated: odd path parameters, query parameters, bodies and
headers get a 4xx, never a 5xx, and every reply keeps the security headers."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.integration

# Path parameter values: Unicode digits (str.isdigit() says yes, int() may not), huge numbers, huge strings,
# percent-encoded controls and separators, tokens of odd shapes and lengths.
PATH_VALUES = [
    "²",
    "٣",
    "１",
    "9" * 5000,
    "-1",
    "0",
    "A" * 2000,
    quote("\x00\x1b[2J"),
    quote("../../etc/passwd", safe=""),
    quote("\u202egnp.exe"),
    "a" * 43,
    "A" * 65,
    "_" * 40,
    quote("x" * 40 + "=="),
    "%FF%FE%C0%AF",  # percent-encoded invalid UTF-8
]
# Query strings: every parameter any route reads, each with the same shapes.
QUERY_NAMES = ["limit", "as_of", "format", "part", "cursor", "status"]
QUERY_VALUES = ["²", "٣٣", "9" * 5000, "２０２７-01-01", quote("\x00\u202e"), "A" * 4000, "%FF%FE"]
DEEP = b"[" * 30000 + b"]" * 30000
BODIES: list[tuple[bytes, str | None]] = [
    (DEEP, "application/json"),
    (b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json"),
    (b'{"amount": ' + b"9" * 5000 + b"}", "application/json"),
    (b'{"reason": 1e99999}', "application/json"),
    (b'{"reason": "\xff\xfe invalid utf-8"}', "application/json"),
    (b"\xef\xbb\xbf{}", "application/json"),  # a BOM
    (b'{"reason": "x", "reason": "y"}', "application/json"),  # duplicate keys
    (json.dumps({"reason": "x" * 60000}).encode(), "application/json"),
    (json.dumps({"reason": "作废\x00\x1b\u202e", "signer_name": "\x07", "consent": True}).encode(), "application/json"),
    (json.dumps({"year": "²", "amount": "١٠٠", "paid_on": "２０２７-01-01"}).encode(), "application/json"),
    (b"[]", "application/json"),
    (b"null", "application/json"),
    (b"not json", "text/plain"),
    (b"a=1&b=2", "application/x-www-form-urlencoded"),
    (b"{}", None),
]
HEADERS: list[dict[str, str]] = [
    {"Idempotency-Key": "abc\x01defgh"},
    {"Idempotency-Key": "k" * 10000},
    {"Idempotency-Key": "abcdefgh\n"},
    {"Idempotency-Key": "密钥密钥密钥密钥"},
    {"Accept": "application/json" * 500},
    {"X-Forwarded-For": "1.2.3.4\x00" + "9" * 9000},
    {"User-Agent": "\x00" * 5000},
]
ROLES = ("operator", "finance", None)


def app_routes() -> list[tuple[str, str]]:
    from app import app

    return sorted((path, method) for path, methods in app.routes.items() for method in methods)


def _params(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path)


class Prober:
    def __init__(self, world: Any) -> None:
        self.world = world
        self.cid = world.active_contract()
        self.token = "A" * 43
        self.seen: set[tuple[str, str]] = set()

    def valid(self, path: str) -> dict[str, str]:
        defaults = {"contract_id": self.cid, "year": "1", "no": "1", "token": self.token}
        return {p: defaults.get(p, "x") for p in _params(path)}

    def call(self, method: str, path: str, role: str | None, body: bytes | None = None, **headers: str) -> Any:
        h = dict(headers)
        if role:
            h["Authorization"] = f"Bearer {self.world.keys[role]}"
        kwargs: dict[str, Any] = {"headers": h}
        if body is not None:
            kwargs["body"] = body
        resp = getattr(self.world.api.http, method.lower())(path, **kwargs)
        got = {k.lower(): v for k, v in resp.headers.items()}
        assert resp.status_code < 500, (method, path[:120], role, headers, resp.status_code, resp.body[:300])
        assert got.get("x-content-type-options") == "nosniff", (method, path[:120])
        assert got.get("cache-control") == "no-store", (method, path[:120])
        return resp


def _cases(route: tuple[str, str], prober: Prober) -> Iterator[tuple[str, bytes | None, dict[str, str]]]:
    path, method = route
    base = prober.valid(path)
    body = b"{}" if method == "POST" else None
    for name, value in itertools.product(_params(path), PATH_VALUES):
        yield _fill(path, {**base, name: value}), body, {"Content-Type": "application/json"}
    target = _fill(path, base)
    for name, value in itertools.product(QUERY_NAMES, QUERY_VALUES):
        yield f"{target}?{name}={value}", body, {"Content-Type": "application/json"}
    if method == "POST":
        for raw, content_type in BODIES:
            yield target, raw, {"Content-Type": content_type} if content_type else {}
    for extra in HEADERS:
        yield target, body, {"Content-Type": "application/json", **extra}


def test_hostile_shapes_on_every_route_are_4xx_never_5xx(world: Any) -> None:
    # One active contract for all routes (a failure names its route, method, role and shape)
    prober = Prober(world)
    before = len(world.ok("GET", f"/contracts/{prober.cid}/audit")["entries"])
    for route in app_routes():
        for role in ROLES:
            for target, body, headers in _cases(route, prober):
                prober.call(route[1], target, role, body, **headers)
    # Nothing hostile changed the contract the probes aimed at
    assert len(world.ok("GET", f"/contracts/{prober.cid}/audit")["entries"]) == before


def test_every_route_is_probed() -> None:
    """The route list is the app's: a route added anywhere is in it (and so in the test above)."""
    routes = app_routes()
    assert ("POST", "/sign/{token}") in [(m, p) for p, m in routes]
    assert len(routes) >= 20


def test_a_payment_body_with_amount_twice_is_refused_and_records_nothing(world: Any) -> None:
    cid = world.active_contract()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {world.keys['finance']}"}
    raw = b'{"amount": "1.00", "paid_on": "2026-11-22", "voucher_no": "V-D", "method": "cash", "amount": "9.00"}'
    resp = world.api.http.post(f"/contracts/{cid}/payments", headers=headers, body=raw)
    assert resp.status_code == 400 and resp.json_body["error"]["field"] == "amount"
    assert world.ok("GET", f"/contracts/{cid}/payments", role="finance")["items"] == []
