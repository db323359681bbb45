"""Takes two O(table) costs out of moto's DynamoDB, so in-process timings measure the code, not moto.

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

Neither changes what a request returns or writes; both apply to the code measured and to the baselines alike.
Queries on a global secondary index and Scans are left as moto does them (they walk the whole table).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table


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


@contextmanager
def fast_moto() -> Iterator[TxStats]:
    original: Callable[[DynamoDBBackend, list[dict[str, Any]]], None] = DynamoDBBackend.transact_write_items
    original_query: Callable[..., Any] = Table.query

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
    try:
        yield STATS
    finally:
        DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign, assignment]
        Table.query = original_query  # type: ignore[method-assign]
