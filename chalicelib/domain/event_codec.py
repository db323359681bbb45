"""Typed values to the JSON-ready shape events are stored in, and back, driven by the dataclasses' type hints:
Decimal money as a two-place string, dates ISO, tuples as lists, nested dataclasses as objects, Terms in its
own wire shape."""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from chalicelib.domain.money import money_str
from chalicelib.domain.terms import Terms

T = TypeVar("T")


def encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Terms):
        return value.to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return encode_fields(value)
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {k: encode(v) for k, v in value.items()}
    return value


def encode_fields(obj: Any) -> dict[str, Any]:
    return {f.name: encode(getattr(obj, f.name)) for f in fields(obj)}


@cache
def _hints(cls: Any) -> dict[str, Any]:
    return get_type_hints(cls)


# Leaf types and how each is read back from its JSON shape.
_SCALARS: dict[Any, Callable[[Any], Any]] = {
    Decimal: lambda v: Decimal(str(v)),
    date: date.fromisoformat,
    Terms: Terms.from_dict,
    str: str,
    int: int,
    bool: bool,
}


def decode(tp: Any, value: Any) -> Any:
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        return None if value is None else decode(next(a for a in args if a is not type(None)), value)
    if tp is Any or value is None:
        return value
    scalar = _SCALARS.get(tp)
    if scalar is not None:
        return scalar(value)
    if origin is not None:
        return _decode_container(origin, args, value)
    if isinstance(tp, type) and is_dataclass(tp):
        return decode_fields(tp, value)
    return value


def _decode_container(origin: Any, args: tuple[Any, ...], value: Any) -> Any:
    if origin is tuple:
        return tuple(decode(args[0], v) for v in value)
    if origin is list:
        return [decode(args[0], v) for v in value]
    if origin in (dict, Mapping):
        return {k: decode(args[1], v) for k, v in value.items()}
    return value


def decode_fields(cls: type[T], data: Mapping[str, Any]) -> T:
    """An instance of dataclass `cls` from `data`; keys `cls` has no field for are ignored, a missing key takes
    the field's default (or fails as the constructor does)."""
    spec: Any = cls
    hints = _hints(spec)
    kwargs = {f.name: decode(hints[f.name], data[f.name]) for f in fields(spec) if f.name in data}
    return cls(**kwargs)
