"""Takes two O(table) costs and one O(attributes²) cost out of moto's DynamoDB, so in-process timings measure the
code, not moto.

1. moto (5.2.x) `DynamoDBBackend.transact_write_items` deep-copies every table a transaction touches before
   applying it, so that it can restore the copy if an item fails: every transaction costs O(table size)
   (0.4 s at 1,000 contracts, seconds at 10,000 on this machine), which no real DynamoDB does.
   Here the transaction is first checked the way moto checks it (at most 100 items, one operation each, no key
   twice, every condition true against the current state); when it will succeed its Puts and Deletes are
   applied with an undo log of just the touched items (restored, with the stream, if moto raises while
   applying). Anything else (a failing condition, an Update, a malformed request) runs moto's own code
   unchanged, so cancellations and errors are exactly moto's. All-or-nothing and "conditions see the state
   before the transaction" hold as before.
2. moto's `Table.query` on the table's own key lists every item of the table and keeps those with the asked
   partition key. Here it is handed only that partition (the same items, in the same order).

3. moto's `Item` checks the 400 KB item limit as each attribute is set, re-summing the size of every attribute set
   so far (encoding each string and binary value again): an item of n attributes costs n²/2 size computations,
   so a 10-attribute item with a 3 KB body pays for its body ten times. Here the item's attributes are set at
   once and its size summed once, by moto's own `size()`, and the same `ItemSizeTooLarge` is raised when it is
   over moto's limit. Sizes are never negative, so the running sum moto checks is largest after the last
   attribute: one check of the total decides exactly as moto's checks do.

None changes what a request returns or writes; all apply to the code measured and to the baselines alike.
Queries on a global secondary index and Scans are left as moto does them (they walk the whole table).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import bytesize


@dataclass
class TxStats:
    fast: int = 0
    moto: int = 0
    partition_queries: int = 0


STATS = TxStats()


def _key(backend: DynamoDBBackend, table_name: str, kind: str, op: dict[str, Any]) -> dict[str, Any]:
    if kind == "Put":
        table = backend.get_table(table_name)
        attrs = op["Item"]
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
        return key
    return dict(op["Key"])


def _plan(backend: DynamoDBBackend, items: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]] | None:
    """[(kind, table, key)] when the transaction will succeed with Puts/Deletes/ConditionChecks only."""
    if not 0 < len(items) <= 100:
        return None
    plan: list[tuple[str, str, dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()
    for entry in items:
        if len(entry) != 1:
            return None
        ((kind, op),) = entry.items()
        if kind not in ("Put", "Delete", "ConditionCheck"):
            return None
        table_name = op.get("TableName")
        if not table_name or table_name not in backend.tables:
            return None
        try:
            key = _key(backend, table_name, kind, op)
        except KeyError:
            return None
        ident = (str(table_name), str(dict(sorted(key.items()))))
        if ident in seen:
            return None
        seen.add(ident)
        condition = op.get("ConditionExpression")
        if condition is not None:
            current = backend.get_item(table_name, key)
            expr = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            if not expr.expr(current):
                return None
        plan.append((kind, table_name, key))
    return plan


def _restore(backend: DynamoDBBackend, undo: list[tuple[str, dict[str, Any], Any]], streams: dict[str, int]) -> None:
    for table_name, key, old in reversed(undo):
        table = backend.get_table(table_name)
        hash_value = DynamoType(key[table.hash_key_attr])
        if table.range_key_attr is not None:
            range_value = DynamoType(key[table.range_key_attr])
            if old is None:
                table.items[hash_value].pop(range_value, None)
            else:
                table.items[hash_value][range_value] = old
        elif old is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = old
    for table_name, length in streams.items():
        shard = backend.get_table(table_name).stream_shard
        if shard is not None:
            del shard.items[length:]


ITEM_SIZE_LIMIT = 405_000  # moto's LimitedSizeDict: "between 409 and 410KB" measured, 405,000 bytes checked


def item_size(attrs: dict[str, Any]) -> int:
    """What moto's LimitedSizeDict sums: each name's bytes and each value's `size()`."""
    return sum(bytesize(k) + (v.size() if type(v) is DynamoType else bytesize(str(v))) for k, v in attrs.items())


def item_init(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    """moto's `Item.__init__` with its item-size check made once for the whole item (see 3. above)."""
    self.hash_key = hash_key
    self.range_key = range_key
    values = {key: DynamoType(value) for key, value in attrs.items()}
    if item_size(values) > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = LimitedSizeDict()
    dict.update(self.attrs, values)  # later updates still go through LimitedSizeDict's own check


@contextmanager
def fast_moto() -> Iterator[TxStats]:
    original: Callable[[DynamoDBBackend, list[dict[str, Any]]], None] = DynamoDBBackend.transact_write_items
    original_query: Callable[..., Any] = Table.query
    original_item_init: Callable[..., None] = Item.__init__

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        plan = _plan(self, transact_items)
        if plan is None:
            STATS.moto += 1
            original(self, transact_items)
            return
        streams: dict[str, int] = {}
        undo: list[tuple[str, dict[str, Any], Any]] = []
        try:
            for (kind, table_name, key), entry in zip(plan, transact_items, strict=True):
                if kind == "ConditionCheck":
                    continue
                table = self.get_table(table_name)
                if table.stream_shard is not None:
                    streams.setdefault(table_name, len(table.stream_shard.items))
                undo.append((table_name, key, self.get_item(table_name, key)))
                op = entry[kind]
                if kind == "Put":
                    self.put_item(table_name, op["Item"])
                else:
                    self.delete_item(table_name, key)
        except Exception:  # noqa: BLE001 - whatever moto raised, undo and let moto's own code raise it
            _restore(self, undo, streams)
            STATS.moto += 1
            original(self, transact_items)  # raises what moto raises for this transaction
            return
        STATS.fast += 1

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        hash_key = args[0] if args else kwargs.get("hash_key")
        index_name = args[7] if len(args) > 7 else kwargs.get("index_name")
        if index_name is not None or hash_key is None or self.range_key_attr is None:
            return original_query(self, *args, **kwargs)
        partition = self.items.get(hash_key)
        items = list(partition.values()) if partition else []
        setattr(self, "all_items", lambda: items)  # noqa: B010 - shadows the method for this one call
        try:
            STATS.partition_queries += 1
            return original_query(self, *args, **kwargs)
        finally:
            delattr(self, "all_items")

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    Item.__init__ = item_init  # type: ignore[method-assign]
    try:
        yield STATS
    finally:
        DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign, assignment]
        Table.query = original_query  # type: ignore[method-assign]
        Item.__init__ = original_item_init  # type: ignore[method-assign]
