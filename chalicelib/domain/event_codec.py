"""Typed values to the JSON-ready shape events are stored in, and back, driven by the dataclasses' type hints:
Decimal money as a two-place string (percentages and hours exactly), dates ISO, tuples as lists, nested dataclasses
as objects, Terms and LatePenalty in their own wire shape. Every contract read and write goes through here, so how
each type hint is read back is worked out once per hint, not per value."""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from chalicelib.domain.money import money_str
from chalicelib.domain.terms import LatePenalty, Terms

T = TypeVar("T")


_PLAIN = (str, int, bool, float, type(None))  # JSON-ready as they are: most of a body's leaves


def encode(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Terms, LatePenalty)):  # their own wire shape (percentages exactly as given)
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return encode_fields(value)
    if isinstance(value, Mapping):
        return {k: encode(v) for k, v in value.items()}
    return value


def encode_fields(obj: Any) -> dict[str, Any]:
    kind: Any = type(obj)
    exact = _exact_names(kind)
    if not exact:  # most classes (the contract's included): the plain path
        return {name: encode(getattr(obj, name)) for name in _field_names(kind)}
    values = ((name, getattr(obj, name)) for name in _field_names(kind))
    return {name: _exact(v) if name in exact and isinstance(v, Decimal) else encode(v) for name, v in values}


@cache
def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


# Decimal fields that are not money: percentages (up to 4 places: terms.py) and hours. Stored exactly; as money
# (two places, "95.00") when they have no more, so what was stored before is written the same way.
EXACT_SUFFIXES = ("_pct", "_hours")


@cache
def _exact_names(cls: Any) -> frozenset[str]:
    return frozenset(name for name in _field_names(cls) if name.endswith(EXACT_SUFFIXES))


def _exact(value: Decimal) -> str:
    return money_str(value) if value == value.quantize(Decimal("0.01")) else format(value, "f")


@cache
def _hints(cls: Any) -> dict[str, Any]:
    return get_type_hints(cls)


# Leaf types and how each is read back from its JSON shape.
_SCALARS: dict[Any, Callable[[Any], Any]] = {
    Decimal: lambda v: Decimal(str(v)),
    date: date.fromisoformat,
    Terms: Terms.from_dict,
    LatePenalty: LatePenalty.from_dict,
    str: str,
    int: int,
    bool: bool,
}


def decode(tp: Any, value: Any) -> Any:
    return _decoder(tp)(value)


def _as_is(value: Any) -> Any:
    return value


@cache
def _decoder(tp: Any) -> Callable[[Any], Any]:
    """How a value of type hint `tp` is read back, worked out once per hint (None stays None for every type)."""
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        return _decoder(next(a for a in args if a is not type(None)))
    if tp is Any:
        return _as_is
    read = _SCALARS.get(tp) or _container(origin, args)
    if read is None and isinstance(tp, type) and is_dataclass(tp):
        cls = tp
        read = lambda v: decode_fields(cls, v)  # noqa: E731
    if read is None:
        return _as_is
    leaf = read
    return lambda v: None if v is None else leaf(v)


def _container(origin: Any, args: tuple[Any, ...]) -> Callable[[Any], Any] | None:
    if origin is None:
        return None
    if origin is tuple:
        item = _decoder(args[0])
        return lambda v: tuple(item(x) for x in v)
    if origin is list:
        item = _decoder(args[0])
        return lambda v: [item(x) for x in v]
    if origin in (dict, Mapping):
        value = _decoder(args[1])
        return lambda v: {k: value(x) for k, x in v.items()}
    return _as_is


@cache
def _field_decoders(cls: Any) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    hints = _hints(cls)
    return tuple((f.name, _decoder(hints[f.name])) for f in fields(cls))


def decode_fields(cls: type[T], data: Mapping[str, Any]) -> T:
    """An instance of dataclass `cls` from `data`; keys `cls` has no field for are ignored, a missing key takes
    the field's default (or fails as the constructor does)."""
    spec: Any = cls
    kwargs = {name: read(data[name]) for name, read in _field_decoders(spec) if name in data}
    return cls(**kwargs)
