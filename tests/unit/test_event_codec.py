"""The typed-field codec every contract read and write goes through: what it writes, and that reading gives the
same objects back (its readers are worked out once per type hint, so each kind of hint is exercised here)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.adapters.codec import contract_from_dict, contract_to_dict
from chalicelib.domain.event_codec import decode, decode_fields, encode, encode_fields
from tests.unit.conftest import Office


@dataclass(frozen=True)
class Inner:
    amount: Decimal
    on: date | None = None


@dataclass
class Outer:
    name: str
    count: int
    flag: bool
    inner: Inner
    maybe: Inner | None
    many: tuple[Inner, ...]
    days: list[date]
    by_key: dict[str, Decimal]
    loose: Any
    ratio: float = 0.5
    tags: tuple[str, ...] = field(default_factory=tuple)


def _outer() -> Outer:
    return Outer(
        name="合同",
        count=3,
        flag=True,
        inner=Inner(Decimal("120000"), date(2026, 11, 22)),
        maybe=None,
        many=(Inner(Decimal("1.5")), Inner(Decimal("2"), date(2027, 2, 28))),
        days=[date(2028, 2, 29)],
        by_key={"a": Decimal("0.1")},
        loose={"x": [1, "y", None]},
        tags=("t",),
    )


def test_the_stored_shape() -> None:
    assert encode_fields(_outer()) == {
        "name": "合同",
        "count": 3,
        "flag": True,
        "inner": {"amount": "120000.00", "on": "2026-11-22"},
        "maybe": None,
        "many": [{"amount": "1.50", "on": None}, {"amount": "2.00", "on": "2027-02-28"}],
        "days": ["2028-02-29"],
        "by_key": {"a": "0.10"},
        "loose": {"x": [1, "y", None]},
        "ratio": 0.5,
        "tags": ["t"],
    }


def test_reading_gives_the_same_values_back_through_json() -> None:
    original = _outer()
    stored = json.loads(json.dumps(encode_fields(original)))
    back = decode_fields(Outer, stored)
    assert back == Outer(**{**original.__dict__, "inner": Inner(Decimal("120000.00"), date(2026, 11, 22))})
    assert isinstance(back.many, tuple) and isinstance(back.days, list)


def test_unknown_keys_are_ignored_and_missing_ones_take_the_default() -> None:
    stored = encode_fields(_outer())
    del stored["tags"], stored["ratio"]
    back = decode_fields(Outer, {**stored, "added_later": 1})
    assert (back.tags, back.ratio) == ((), 0.5)


def test_none_reads_as_none_for_every_hint() -> None:
    for hint in (Decimal, date, Inner, tuple[Inner, ...], list[date], dict[str, Decimal], Inner | None, Any):
        assert decode(hint, None) is None
    assert encode(None) is None


def test_a_whole_contract_round_trips(office: Office) -> None:
    contract = office.contract(office.activate())
    stored = json.loads(json.dumps(contract_to_dict(contract)))
    assert contract_from_dict(stored) == contract
    assert contract_to_dict(contract_from_dict(stored)) == stored
