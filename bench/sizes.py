"""DynamoDB's published sizing rules, applied to items in wire format ({"name": {"S": "..."}}).

moto answers ReturnConsumedCapacity=TOTAL with placeholders (0.5 for any GetItem, 1.0 for any Query, 2.0 per
transaction item), so the bench computes capacity itself, from the items moto actually holds:

- item size: UTF-8 bytes of every attribute name plus its value; strings UTF-8 bytes; numbers
  1 byte + 1 per two significant digits (+1 if negative); binary raw bytes; booleans and nulls 1 byte;
  lists and maps 3 bytes + 1 byte per element (+ a map key's UTF-8 bytes); sets the sum of their elements.
- reads: 4 KB per read unit, half a unit when eventually consistent; a Query or Scan page is sized as a whole
  (the sum of what it read, rounded up to 4 KB); at least one unit (half, eventually consistent) per request.
- writes: 1 KB per write unit, on the larger of the item before and after; twice that inside a transaction.
- global secondary indexes: an index entry is the projected attributes + keys + 100 bytes; a write that adds or
  removes an entry costs its size in write units, one that changes the entry's key costs a delete plus a put,
  one that changes only projected attributes costs the larger size. Index writes are counted at the standard
  rate (not doubled by a transaction).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

Item = Mapping[str, Mapping[str, Any]]

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
INDEX_ENTRY_OVERHEAD = 100


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def number_size(text: str) -> int:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return len(text)
    if value == 0:
        return 1
    digits = "".join(str(d) for d in value.as_tuple().digits).strip("0") or "0"
    return 1 + math.ceil(len(digits) / 2) + (1 if value < 0 else 0)


def _binary_size(value: Any) -> int:
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    return len(base64.b64decode(str(value)))


def value_size(value: Mapping[str, Any]) -> int:
    ((kind, raw),) = value.items()
    if kind == "S":
        return _utf8(str(raw))
    if kind == "N":
        return number_size(str(raw))
    if kind == "B":
        return _binary_size(raw)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(_utf8(str(s)) for s in raw)
    if kind == "NS":
        return sum(number_size(str(n)) for n in raw)
    if kind == "BS":
        return sum(_binary_size(b) for b in raw)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + _utf8(str(k)) + value_size(v) for k, v in raw.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: Item | None) -> int:
    if not item:
        return 0
    return sum(_utf8(name) + value_size(value) for name, value in item.items())


def read_units(nbytes: int, consistent: bool) -> float:
    units = max(1, math.ceil(nbytes / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


def write_units(nbytes: int) -> int:
    return max(1, math.ceil(nbytes / WRITE_UNIT_BYTES))


def _scalar(value: Any) -> str:
    """A key attribute's value as text, from the wire form ({"S": "..."}) or a plain value."""
    if isinstance(value, Mapping) and len(value) == 1:
        return str(next(iter(value.values())))
    return str(value)


class IndexShape:
    """A global secondary index as far as write costs go: its key attributes and its projection."""

    def __init__(self, name: str, keys: Sequence[str], table_keys: Sequence[str], projection: Mapping[str, Any]):
        self.name = name
        self.keys = tuple(keys)
        self.table_keys = tuple(table_keys)
        self.projection_type = str(projection.get("ProjectionType", "ALL"))
        self.non_key = tuple(projection.get("NonKeyAttributes", ()))

    def entry(self, item: Item | None) -> tuple[tuple[str, ...], int] | None:
        """(index key values, entry size) when the item is in this (sparse) index, else None."""
        if not item or any(k not in item for k in self.keys):
            return None
        if self.projection_type == "ALL":
            size = item_size(item)
        else:
            wanted = set(self.keys) | set(self.table_keys)
            if self.projection_type == "INCLUDE":
                wanted |= set(self.non_key)
            size = item_size({k: v for k, v in item.items() if k in wanted})
        key = tuple(_scalar(item[k]) for k in self.keys)
        return key, size + INDEX_ENTRY_OVERHEAD

    def projected(self, item: Item | None) -> Item | None:
        """The index entry's attributes (None: not in the index)."""
        if not item or any(k not in item for k in self.keys):
            return None
        if self.projection_type == "ALL":
            return dict(item)
        wanted = set(self.keys) | set(self.table_keys)
        if self.projection_type == "INCLUDE":
            wanted |= set(self.non_key)
        return {k: v for k, v in item.items() if k in wanted}

    def write_units_by_partition(self, old: Item | None, new: Item | None) -> list[tuple[str, int]]:
        """The write units of write_units(), each on the index partition key it lands on (a moved entry: its old
        key's removal and its new key's put)."""
        before, after = self.entry(old), self.entry(new)
        units = self.write_units(old, new)
        if not units:
            return []
        if before is not None and after is not None and before[0] != after[0]:
            return [(before[0][0], write_units(before[1])), (after[0][0], write_units(after[1]))]
        entry = after or before
        assert entry is not None
        return [(entry[0][0], units)]

    def write_units(self, old: Item | None, new: Item | None) -> int:
        before, after = self.entry(old), self.entry(new)
        if before is None and after is None:
            return 0
        if before is None:
            assert after is not None
            return write_units(after[1])
        if after is None:
            return write_units(before[1])
        if before[0] != after[0]:
            return write_units(before[1]) + write_units(after[1])
        if self.projected(old) == self.projected(new):
            return 0  # DynamoDB writes an index only when its entry (keys or projected attributes) changes
        return write_units(max(before[1], after[1]))
