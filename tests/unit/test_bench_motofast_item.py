"""bench/motofast.py's one-check item size (3. in its docstring) decides exactly as moto's per-attribute checks."""

from __future__ import annotations

from typing import Any

import pytest
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from bench.motofast import ITEM_SIZE_LIMIT, fast_moto


def _attrs(body_bytes: int) -> dict[str, Any]:
    return {
        "pk": {"S": "CONTRACT#1"},
        "sk": {"S": "META"},
        "version": {"N": "3"},
        "body_z": {"B": b"x" * body_bytes},
        "listing": {"S": "合同" * 10},
        "tags": {"L": [{"S": "a"}, {"M": {"k": {"N": "1"}}}]},
    }


def _overhead() -> int:
    """The size of _attrs(0): everything but the body's bytes."""
    return sum(len(k.encode()) + DynamoType(v).size() for k, v in _attrs(0).items())


def _moto_decides(attrs: dict[str, Any]) -> bool:
    try:
        Item(DynamoType(attrs["pk"]), DynamoType(attrs["sk"]), attrs)
    except ItemSizeTooLarge:
        return False
    return True


@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_the_limit_is_decided_as_moto_decides_it(delta: int) -> None:
    attrs = _attrs(ITEM_SIZE_LIMIT - _overhead() + delta)
    expected = _moto_decides(attrs)
    assert expected is (delta <= 0)
    with fast_moto():
        assert _moto_decides(attrs) is expected


def test_the_item_holds_the_same_attributes() -> None:
    attrs = _attrs(3000)
    plain = Item(DynamoType(attrs["pk"]), DynamoType(attrs["sk"]), attrs)
    with fast_moto():
        fast = Item(DynamoType(attrs["pk"]), DynamoType(attrs["sk"]), attrs)
    assert fast == plain
    assert fast.to_json() == plain.to_json()
    with pytest.raises(ItemSizeTooLarge):  # a later attribute still goes through moto's own check
        fast.attrs["big"] = DynamoType({"B": b"y" * ITEM_SIZE_LIMIT})
