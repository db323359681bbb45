"""Counts what the code asks of AWS by hooking botocore's events in every session of the process.

`install()` adds two handlers to botocore's built-in handler list (as moto does for its stubber), so every
session created afterwards (PynamoDB's, boto3's default, chalicelib.adapters.aws's) carries them:

- `provide-client-params`: asks DynamoDB for ReturnConsumedCapacity=TOTAL, remembers the parameters, and
  for a write reads the item it will replace from moto's backend (to size the write on the larger of the two
  and to see which index entries change);
- `after-call`: counts the request, the items it read, and the read/write units computed with DynamoDB's
  rules (bench.sizes) from the items returned or, for a write, from the items before and after in moto;
  SES recipients, SNS publishes and SQS messages are counted too. The wall time of each call (moto in
  process included) is added up per operation, without the meter's own work, which is added up apart
  (`meter_seconds`).

Paused (`pause()`), the handlers return at once: figure 5 times its calls that way.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from typing import Any

from bench import sizes

DATA_OPS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
WRITE_OPS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
ACCOUNT = "123456789012"  # moto's default account


@dataclass
class Counts:
    """A snapshot of the counters; subtract two to get what happened in between."""

    ddb_requests: int = 0
    ddb_failed: int = 0
    items_read: int = 0
    items_written: int = 0
    read_units: float = 0.0
    write_units_table: float = 0.0
    write_units_index: float = 0.0
    moto_reported_units: float = 0.0
    unsized_items: int = 0
    meter_seconds: float = 0.0  # time spent in the meter's own handlers
    emails: int = 0
    sns_publishes: int = 0
    sqs_messages: int = 0
    ops: Counter[str] = field(default_factory=Counter)
    op_items: Counter[str] = field(default_factory=Counter)
    op_seconds: dict[str, float] = field(default_factory=dict)
    # Index write units by "<index>|<partition key value>" (the scale model's write rate per partition key).
    index_key_units: Counter[str] = field(default_factory=Counter)

    @property
    def write_units(self) -> float:
        return self.write_units_table + self.write_units_index

    def copy(self) -> Counts:
        return replace(
            self,
            ops=Counter(self.ops),
            op_items=Counter(self.op_items),
            op_seconds=dict(self.op_seconds),
            index_key_units=Counter(self.index_key_units),
        )

    def __sub__(self, other: Counts) -> Counts:
        out = Counts()
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, Counter):
                diff: Counter[str] = Counter(mine)
                diff.subtract(theirs)
                setattr(out, f.name, Counter({k: v for k, v in diff.items() if v}))
            elif isinstance(mine, dict):
                setattr(out, f.name, {k: v - theirs.get(k, 0.0) for k, v in mine.items() if v != theirs.get(k, 0.0)})
            else:
                setattr(out, f.name, mine - theirs)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "ddb_requests": self.ddb_requests,
            "ddb_failed": self.ddb_failed,
            "items_read": self.items_read,
            "items_written": self.items_written,
            "read_units": self.read_units,
            "write_units": self.write_units,
            "write_units_table": self.write_units_table,
            "write_units_index": self.write_units_index,
            "moto_reported_units": self.moto_reported_units,
            "unsized_items": self.unsized_items,
            "emails": self.emails,
            "sns_publishes": self.sns_publishes,
            "sqs_messages": self.sqs_messages,
            "ops": dict(sorted(self.ops.items())),
            "items_read_by_op": dict(sorted(self.op_items.items())),
        }


@dataclass(frozen=True)
class _Write:
    table: str
    key: dict[str, Any]
    transactional: bool
    old: dict[str, Any] | None


def _wire(value: Any) -> dict[str, Any]:
    kind = value.type
    if kind == "M":
        return {"M": {k: _wire(v) for k, v in value.value.items()}}
    if kind == "L":
        return {"L": [_wire(v) for v in value.value]}
    return {kind: value.value}


class Meter:
    def __init__(self) -> None:
        self.counts = Counts()
        self.paused = False
        self.captured: list[list[dict[str, Any]]] | None = None
        self._shapes: dict[str, tuple[tuple[str, ...], list[sizes.IndexShape]]] = {}

    # ---- public ------------------------------------------------------------------------------------------
    def snapshot(self) -> Counts:
        return self.counts.copy()

    @contextmanager
    def pause(self) -> Iterator[None]:
        was, self.paused = self.paused, True
        try:
            yield
        finally:
            self.paused = was

    @contextmanager
    def capture_transactions(self) -> Iterator[list[list[dict[str, Any]]]]:
        """Collect the TransactItems of every successful TransactWriteItems in the block."""
        box: list[list[dict[str, Any]]] = []
        self.captured = box
        try:
            yield box
        finally:
            self.captured = None

    def forget_tables(self) -> None:
        self._shapes.clear()

    # ---- moto's backend ----------------------------------------------------------------------------------
    @staticmethod
    def _backend() -> Any:
        import os

        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[ACCOUNT][os.environ.get("AWS_REGION", "us-east-1")]

    def _shape(self, table: str) -> tuple[tuple[str, ...], list[sizes.IndexShape]]:
        shape = self._shapes.get(table)
        if shape is None:
            t = self._backend().get_table(table)
            keys = tuple(k for k in (t.hash_key_attr, t.range_key_attr) if k)
            indexes = [
                sizes.IndexShape(i.name, [k["AttributeName"] for k in i.schema], keys, i.projection or {})
                for i in t.global_indexes
            ]
            shape = (keys, indexes)
            self._shapes[table] = shape
        return shape

    def _stored(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            item = self._backend().get_item(table, dict(key))
        except Exception:  # noqa: BLE001 - a table moto does not know: nothing stored
            return None
        if item is None:
            return None
        return {name: _wire(value) for name, value in item.attrs.items()}

    def _key_of(self, table: str, item: Mapping[str, Any]) -> dict[str, Any]:
        keys, _ = self._shape(table)
        return {k: item[k] for k in keys if k in item}

    def _writes(self, op: str, params: Mapping[str, Any]) -> list[_Write]:
        out: list[_Write] = []

        def add(table: str, key: dict[str, Any], transactional: bool) -> None:
            out.append(_Write(table, key, transactional, self._stored(table, key)))

        if op == "PutItem":
            add(params["TableName"], self._key_of(params["TableName"], params["Item"]), False)
        elif op in ("UpdateItem", "DeleteItem"):
            add(params["TableName"], dict(params["Key"]), False)
        elif op == "BatchWriteItem":
            for table, requests in params.get("RequestItems", {}).items():
                for req in requests:
                    if "PutRequest" in req:
                        add(table, self._key_of(table, req["PutRequest"]["Item"]), False)
                    elif "DeleteRequest" in req:
                        add(table, dict(req["DeleteRequest"]["Key"]), False)
        elif op == "TransactWriteItems":
            for entry in params.get("TransactItems", []):
                ((kind, body),) = entry.items()
                table = body["TableName"]
                key = self._key_of(table, body["Item"]) if kind == "Put" else dict(body["Key"])
                add(table, key, True)
        return out

    # ---- botocore handlers ---------------------------------------------------------------------------------
    def on_params(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if self.paused:
            return
        t0 = time.perf_counter()
        context["bench.params"] = params
        service = model.service_model.service_name
        if service == "dynamodb" and model.name in DATA_OPS:
            members = model.input_shape.members if model.input_shape is not None else {}
            if "ReturnConsumedCapacity" in members and "ReturnConsumedCapacity" not in params:
                params["ReturnConsumedCapacity"] = "TOTAL"
            if model.name in WRITE_OPS:
                context["bench.writes"] = self._writes(model.name, params)
        # The call's time starts once the meter's own reads of moto are done.
        context["bench.t0"] = end = time.perf_counter()
        self.counts.meter_seconds += end - t0

    def on_after_call(
        self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        if self.paused or "bench.t0" not in context:
            return
        t0 = time.perf_counter()
        try:
            self._after_call(http_response, parsed, model, context, t0 - float(context["bench.t0"]))
        finally:
            self.counts.meter_seconds += time.perf_counter() - t0

    def _after_call(
        self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], seconds: float
    ) -> None:
        c = self.counts
        service = model.service_model.service_name
        op = model.name
        params: Mapping[str, Any] = context.get("bench.params", {})
        name = f"{service}.{op}" + (f"@{params['IndexName']}" if "IndexName" in params else "")
        c.ops[name] += 1
        c.op_seconds[name] = c.op_seconds.get(name, 0.0) + seconds
        ok = getattr(http_response, "status_code", 200) < 300
        if service in ("sesv2", "ses") and op in ("SendEmail", "SendRawEmail") and ok:
            dest = params.get("Destination") or {}
            c.emails += max(1, sum(len(dest.get(k, [])) for k in ("ToAddresses", "CcAddresses", "BccAddresses")))
            return
        if service == "sns" and op == "Publish" and ok:
            c.sns_publishes += 1
            return
        if service == "sqs" and op in ("SendMessage", "SendMessageBatch") and ok:
            c.sqs_messages += 1
            return
        if service != "dynamodb" or op not in DATA_OPS:
            return
        c.ddb_requests += 1
        if not ok:
            c.ddb_failed += 1
            return
        c.moto_reported_units += _reported(parsed.get("ConsumedCapacity"))
        if op in WRITE_OPS:
            self._count_writes(context.get("bench.writes", []))
            if op == "TransactWriteItems" and self.captured is not None:
                self.captured.append(list(params.get("TransactItems", [])))
        else:
            before = c.items_read
            self._count_reads(op, params, parsed)
            c.op_items[name] += c.items_read - before

    # ---- accounting ------------------------------------------------------------------------------------------
    def _count_writes(self, writes: list[_Write]) -> None:
        c = self.counts
        for w in writes:
            new = self._stored(w.table, w.key)
            units = sizes.write_units(max(sizes.item_size(w.old), sizes.item_size(new)))
            c.write_units_table += units * (2 if w.transactional else 1)
            c.items_written += 1
            _, indexes = self._shape(w.table)
            for ix in indexes:
                for key, units in ix.write_units_by_partition(w.old, new):
                    c.write_units_index += units
                    c.index_key_units[f"{ix.name}|{key}"] += units

    def _count_reads(self, op: str, params: Mapping[str, Any], parsed: Mapping[str, Any]) -> None:
        c = self.counts
        consistent = bool(params.get("ConsistentRead"))
        if op == "GetItem":
            item = parsed.get("Item")
            c.items_read += 1 if item else 0
            c.read_units += sizes.read_units(sizes.item_size(item), consistent)
        elif op in ("Query", "Scan"):
            items = parsed.get("Items", [])
            scanned = int(parsed.get("ScannedCount", len(items)))
            c.items_read += scanned
            nbytes = sum(sizes.item_size(i) for i in items)
            if scanned > len(items):  # a filter dropped items we cannot see: size them like the ones returned
                c.unsized_items += scanned - len(items)
                if items:
                    nbytes += (scanned - len(items)) * nbytes // len(items)
            c.read_units += sizes.read_units(nbytes, consistent)
        elif op == "BatchGetItem":
            for table_items in parsed.get("Responses", {}).values():
                for item in table_items:
                    c.items_read += 1
                    c.read_units += sizes.read_units(sizes.item_size(item), consistent)
        elif op == "TransactGetItems":
            for resp in parsed.get("Responses", []):
                item = resp.get("Item")
                c.items_read += 1 if item else 0
                c.read_units += 2 * sizes.read_units(sizes.item_size(item), True)


def _reported(capacity: Any) -> float:
    if isinstance(capacity, Mapping):
        return float(capacity.get("CapacityUnits", 0.0))
    if isinstance(capacity, list):
        return sum(_reported(c) for c in capacity)
    return 0.0


METER = Meter()
_installed = False


def install() -> Meter:
    """Register the handlers for every botocore session created from now on (call before any client)."""
    global _installed
    if not _installed:
        import boto3
        from botocore import handlers

        handlers.BUILTIN_HANDLERS.append(("provide-client-params", METER.on_params))
        handlers.BUILTIN_HANDLERS.append(("after-call", METER.on_after_call))
        boto3.DEFAULT_SESSION = None
        _installed = True
    return METER
