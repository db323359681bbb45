"""How a request body is declared and parsed: a `RequestBody` subclass (a msgspec Struct) states the JSON
shape and its limits, which are both what `parse` enforces and what /openapi.json publishes; its `command()`
adds the domain's own checks and returns the typed command a service takes.

A `pattern` ends `$(?!\n)`: msgspec matches it with Python's re, whose `$` also matches before a final newline
(so "V-1\n" would pass as a voucher); the lookahead closes that and stays valid JSON Schema (ECMA) syntax.

Errors keep the API's one shape: a `ValidationError` naming the dotted field path (`terms.annual_fee`,
`terms.services[1]`, an unknown field by its own path).
"""

from __future__ import annotations

import functools
import re
from datetime import date
from typing import Annotated, Any, ClassVar, Generic, TypeVar

import msgspec

from chalicelib.domain.calendar import InvalidDate, parse_date
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.text import clean_text
from chalicelib.http import parse_json_body

B = TypeVar("B", bound="RequestBody")


class RequestBody(msgspec.Struct, forbid_unknown_fields=True):
    """Base of every request model: unknown fields are refused (a misspelled clause must not vanish).
    Fields with a default go after those without (msgspec's rule for positional fields)."""

    body_required: ClassVar[bool] = True  # False: no body at all parses as the model's defaults


# Wire types whose exact rule lives in the domain (money.to_money, terms._pct): the schema documents it.
Money = Annotated[
    str | int,
    msgspec.Meta(
        description='an amount in CNY: a string with at most two decimals, e.g. "120000.00"',
        extra_json_schema={"examples": ["120000.00"]},
    ),
]
Pct = Annotated[
    str | int,
    msgspec.Meta(
        description='a percentage as a decimal string with at most 4 decimals, e.g. "0.05"',
        extra_json_schema={"examples": ["0.05"]},
    ),
]
IsoDate = Annotated[str, msgspec.Meta(extra_json_schema={"format": "date", "examples": ["2026-11-22"]})]


def parse(model: type[B], data: Any) -> B:
    """`data` (parsed JSON) as `model`, or the ValidationError of the first thing wrong with it."""
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError as exc:
        field, message = _field_and_message(str(exc))
        raise ValidationError(field, message) from None


_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_NAMED = re.compile(r"^Object (?:missing required|contains unknown) field `(?P<name>[^`]*)`$")


def _field_and_message(text: str) -> tuple[str, str]:
    """msgspec's 'Expected `int`, got `str` - at `$.terms.term_years`' → ('terms.term_years', message)."""
    match = _AT.match(text)
    what = match["what"] if match else text
    path = (match["path"] or "") if match else ""
    named = _NAMED.match(what)
    if named:  # a missing or unknown field is named by its own path
        path = f"{path}.{named['name']}"
        what = "is required" if "missing" in what else "is not a field of this request"
    field = path.lstrip(".") or "body"
    return field, _plain(what)


def _plain(what: str) -> str:
    """msgspec's phrasing in the API's ('Expected `int`, got `str`' → 'must be an integer, not a string')."""
    names = {"int": "an integer", "str": "a string", "bool": "true or false", "object": "an object"}
    names |= {"array": "a list", "null": "null", "float": "a decimal number", "int | str": "a string or an integer"}
    got = re.fullmatch(r"Expected `([^`]*)`, got `([^`]*)`", what)
    if got:
        return f"must be {names.get(got[1], got[1])}, not {names.get(got[2], got[2])}"
    enum = re.fullmatch(r"Invalid enum value (.*)", what)
    if enum:
        return f"{enum[1]} is not one of the allowed values"
    for typ, name in (("int", "an integer"), ("str", "a string"), ("array", "a list")):
        what = what.replace(f"Expected `{typ}`", f"must be {name}")
    return what


def text(value: str, field: str, max_len: int, *, multiline: bool = False) -> str:
    return clean_text(value, field, max_len=max_len, multiline=multiline)


def optional_date(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except InvalidDate:
        raise ValidationError(field, "must be a real date YYYY-MM-DD") from None


def builtins(value: msgspec.Struct | None) -> Any:
    """A nested model back as plain JSON, for the domain parsers that read the wire shape (Party.parse, ...)."""
    return msgspec.to_builtins(value)


class Body(Generic[B]):
    """A route's request body: `json` as sent (what an Idempotency-Key is checked against) and `parse()` as
    its model. Read on demand, so a view checks its caller before it judges the body."""

    def __init__(self, model: type[B], raw: bytes | None, content_type: str | None) -> None:
        self.model = model
        self._raw = raw
        self._content_type = content_type

    @functools.cached_property
    def json(self) -> Any:
        if not self.model.body_required and not (self._raw or b"").strip():
            return None
        return parse_json_body(self._raw, self._content_type)

    def parse(self) -> B:
        data = self.json
        if data is None and (self._raw or b"").strip():  # a JSON null is a body, and not an object
            raise ValidationError("body", "must be a JSON object, not null")
        return parse(self.model, {} if data is None else data)
