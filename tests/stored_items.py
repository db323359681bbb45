"""Reading and rewriting a stored contract item's body behind the repository's back (tests that tamper with the
table or build data in the shape older code stored), whatever form the item came in: a FakeRepository item, a
boto3 resource item (plain values, Binary) or a client item ({"S": ...} / {"B": ...})."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.packing import pack, unpack
from chalicelib.domain.audit import canonical_json


def _value(value: Any) -> Any:
    if isinstance(value, dict):  # client form: {"S": ...} or {"B": ...}
        ((_, raw),) = value.items()
        return raw
    return getattr(value, "value", value)  # boto3's Binary wraps its bytes


def stored_body(item: dict[str, Any]) -> dict[str, Any]:
    """The contract aggregate as stored: the compressed `body_z`, or the plain `body` of an older item."""
    packed, plain = item.get("body_z"), item.get("body")
    text = unpack(
        None if packed is None else bytes(_value(packed)), None if plain is None else str(_value(plain)), "test item"
    )
    value: dict[str, Any] = json.loads(text)
    return value


def store_body(item: dict[str, Any], body: dict[str, Any], *, plain: bool = False) -> dict[str, Any]:
    """Sets the item's body in place (and returns the item): compressed as the code writes it now, or with
    `plain`, as a string `body` without `body_z` — the shape of items written before compression."""
    text = canonical_json(body)
    client = isinstance(item.get("version"), dict)
    if plain:
        item.pop("body_z", None)
        item["body"] = {"S": text} if client else text
    else:
        item.pop("body", None)
        item["body_z"] = {"B": pack(text)} if client else pack(text)
    return item
