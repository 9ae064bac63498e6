"""What one invocation costs in AWS terms, measured at botocore's lowest level.

`metering()` patches `BaseClient._make_api_call` so every API call made inside the block is
counted per "service:Operation" (retries excluded) together with the units AWS bills it in:
DynamoDB read/write request units (computed from item sizes, see `benchmarks.capacity`),
EventBridge events (64 KB chunks), Kinesis PUT payload units (25 KB), API Gateway messages
posted to connections (32 KB). The item images needed for the DynamoDB figures are read
with uncounted calls. `captured_output()` measures the bytes and lines a handler writes to
stdout/stderr, which on Lambda become CloudWatch Logs events.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from benchmarks import capacity

EVENT_CHUNK_BYTES = 64 * 1024
KINESIS_PAYLOAD_UNIT_BYTES = 25 * 1024
WEBSOCKET_MESSAGE_UNIT_BYTES = 32 * 1024
# PutEvents bills Time as 14 bytes when present.
EVENT_TIME_BYTES = 14

# Step Functions task tokens only exist inside a running execution: these calls are answered
# here instead of by moto (they are still counted).
STUBBED: dict[str, dict[str, Any]] = {
    "stepfunctions:SendTaskSuccess": {},
    "stepfunctions:SendTaskFailure": {},
    "stepfunctions:SendTaskHeartbeat": {},
}


@dataclass(frozen=True)
class TableShape:
    keys: tuple[str, ...]
    # Index name -> what it holds of an item (keys and projection, as in infra/catalog.py).
    indexes: Mapping[str, capacity.IndexShape] = field(default_factory=dict)


def catalog_tables() -> dict[str, TableShape]:
    """Local table name -> key schema and indexes with their projections, from the catalog."""
    from infra.catalog import TABLES

    shapes = {}
    for table in TABLES:
        keys = (table.partition_key.name,) + ((table.sort_key.name,) if table.sort_key else ())
        indexes = {
            index.name: capacity.IndexShape(
                keys=(index.partition_key.name,)
                + ((index.sort_key.name,) if index.sort_key else ()),
                table_keys=keys,
                projection=index.projection,
                non_key_attributes=index.non_key_attributes,
            )
            for index in table.indexes
        }
        shapes[table.local_name] = TableShape(keys, indexes)
    return shapes


@dataclass
class Meter:
    calls: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0
    index_write_units: float = 0.0
    events: int = 0
    event_bytes: int = 0
    kinesis_payload_units: int = 0
    kinesis_bytes: int = 0
    posts: int = 0
    post_bytes: int = 0
    # CPU spent inside the calls (botocore and moto in this process), to tell the handler's own.
    aws_cpu_ns: int = 0
    # Size of the newest image written per table and of its entry per index ("table/index"),
    # for the storage estimate.
    item_bytes: dict[str, int] = field(default_factory=dict)
    index_bytes: dict[str, int] = field(default_factory=dict)
    # What was sent, to feed the consumers downstream (energy roll-up, telemetry).
    published: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def summary(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "calls": dict(sorted(self.calls.items())),
            "capacity": {
                "rru": self.read_units,
                "wru": self.write_units,
                "index_wru": self.index_write_units,
            },
            "events": self.events,
            "event_bytes": self.event_bytes,
            "kinesis_payload_units": self.kinesis_payload_units,
            "kinesis_bytes": self.kinesis_bytes,
            "websocket_posts": self.posts,
            "websocket_post_bytes": self.post_bytes,
            "item_bytes": dict(sorted(self.item_bytes.items())),
            "index_bytes": dict(sorted(self.index_bytes.items())),
        }


Call = Callable[[Any, str, dict[str, Any]], Any]


class _DynamoMeter:
    """Read/write units of one DynamoDB call, from the images before and after it."""

    def __init__(self, meter: Meter, tables: Mapping[str, TableShape], call: Call) -> None:
        self._meter = meter
        self._tables = tables
        self._call = call

    def _image(self, client: Any, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        response = self._call(
            client, "GetItem", {"TableName": table, "Key": dict(key), "ConsistentRead": True}
        )
        item = response.get("Item")
        return dict(item) if item else None

    def _key(self, table: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if "Key" in params:
            return dict(params["Key"])
        shape = self._tables[table]
        return {name: params["Item"][name] for name in shape.keys}

    def _index_units(self, table: str, before: Any, after: Any) -> int:
        shape = self._tables.get(table)
        if shape is None:
            return 0
        for name, index in shape.indexes.items():
            entry = index.entry(after)
            if entry is not None:
                self._meter.index_bytes[f"{table}/{name}"] = capacity.item_size(entry)
        return sum(
            capacity.index_write_units(before, after, index) for index in shape.indexes.values()
        )

    def call(self, client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            return self._write(client, operation, params)
        if operation == "TransactWriteItems":
            return self._transact_write(client, params)
        response = self._call(client, operation, params)
        if operation == "GetItem":
            table = params["TableName"]
            image = self._image(client, table, params["Key"])  # the full item is billed
            self._meter.read_units += capacity.read_units(
                capacity.item_size(image), consistent=bool(params.get("ConsistentRead"))
            )
        elif operation == "BatchGetItem":
            # Each item is rounded up to 4 KB on its own.
            for table, items in response.get("Responses", {}).items():
                consistent = bool(params["RequestItems"][table].get("ConsistentRead"))
                for item in items:
                    self._meter.read_units += capacity.read_units(
                        capacity.item_size(item), consistent=consistent
                    )
        elif operation in ("Query", "Scan"):
            sizes = [capacity.item_size(item) for item in response.get("Items", [])]
            consistent = bool(params.get("ConsistentRead")) and "IndexName" not in params
            self._meter.read_units += capacity.read_units(sizes or 0, consistent=consistent)
        return response

    def _remember(self, table: str, image: Any) -> None:
        if image:
            self._meter.item_bytes[table] = capacity.item_size(image)

    def _write(self, client: Any, operation: str, params: dict[str, Any]) -> Any:
        table = params["TableName"]
        key = self._key(table, params)
        before = self._image(client, table, key)
        try:
            response = self._call(client, operation, params)
        except Exception:
            # A failed condition still consumes the write, sized by the stored item.
            self._meter.write_units += capacity.write_units(before, before)
            raise
        after = self._image(client, table, key)
        self._remember(table, after)
        self._meter.write_units += capacity.write_units(before, after)
        self._meter.index_write_units += self._index_units(table, before, after)
        return response

    def _transact_write(self, client: Any, params: dict[str, Any]) -> Any:
        targets: list[tuple[str, dict[str, Any], bool]] = []
        for entry in params["TransactItems"]:
            ((kind, body),) = entry.items()
            table = body["TableName"]
            targets.append((table, self._key(table, body), kind != "ConditionCheck"))
        befores = [self._image(client, table, key) for table, key, _ in targets]
        try:
            response = self._call(client, "TransactWriteItems", params)
        except Exception:
            for before in befores:
                self._meter.write_units += capacity.write_units(before, before, transactional=True)
            raise
        for (table, key, writes), before in zip(targets, befores, strict=True):
            after = self._image(client, table, key) if writes else before
            self._remember(table, after)
            self._meter.write_units += capacity.write_units(before, after, transactional=True)
            self._meter.index_write_units += self._index_units(table, before, after)
        return response


def _event_size(entry: Mapping[str, Any]) -> int:
    size = sum(
        len(str(entry.get(name, "")).encode("utf-8")) for name in ("Source", "DetailType", "Detail")
    )
    size += sum(len(r.encode("utf-8")) for r in entry.get("Resources", []))
    return size + (EVENT_TIME_BYTES if entry.get("Time") else 0)


def _payload_bytes(data: Any) -> int:
    return len(data) if isinstance(data, bytes | bytearray) else len(str(data).encode("utf-8"))


def _record_units(meter: Meter, records: Sequence[Mapping[str, Any]]) -> None:
    for record in records:
        size = _payload_bytes(record["Data"]) + len(str(record["PartitionKey"]).encode())
        meter.kinesis_bytes += size
        meter.kinesis_payload_units += max(1, math.ceil(size / KINESIS_PAYLOAD_UNIT_BYTES))
        meter.records.append(dict(record))


@contextlib.contextmanager
def metering(tables: Mapping[str, TableShape] | None = None) -> Iterator[Meter]:
    """Count every botocore API call made inside the block, with its billing units."""
    import botocore.client

    meter = Meter()
    original: Call = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]
    dynamo = _DynamoMeter(meter, catalog_tables() if tables is None else tables, original)

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        begun = time.process_time_ns()
        try:
            return _counted(self, operation, params)
        finally:
            meter.aws_cpu_ns += time.process_time_ns() - begun

    def _counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        name = f"{service}:{operation}"
        meter.calls[name] += 1
        if name in STUBBED:
            return dict(STUBBED[name])
        if service == "dynamodb":
            return dynamo.call(self, operation, params)
        if name == "events:PutEvents":
            for entry in params["Entries"]:
                size = _event_size(entry)
                meter.event_bytes += size
                meter.events += max(1, math.ceil(size / EVENT_CHUNK_BYTES))
                meter.published.append(dict(entry))
        elif name == "kinesis:PutRecord":
            _record_units(meter, [params])
        elif name == "kinesis:PutRecords":
            _record_units(meter, params["Records"])
        elif name == "apigatewaymanagementapi:PostToConnection":
            size = _payload_bytes(params["Data"])
            meter.posts += max(1, math.ceil(size / WEBSOCKET_MESSAGE_UNIT_BYTES))
            meter.post_bytes += size
        return original(self, operation, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", counted):
        yield meter


@dataclass
class Output:
    """Bytes and lines written to stdout/stderr (each line is one CloudWatch Logs event)."""

    text: str = ""

    @property
    def bytes(self) -> int:
        return len(self.text.encode("utf-8"))

    @property
    def lines(self) -> int:
        return sum(1 for line in self.text.splitlines() if line.strip())


def _stream_handlers() -> list[logging.StreamHandler[Any]]:
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [
        candidate
        for candidate in logging.Logger.manager.loggerDict.values()
        if isinstance(candidate, logging.Logger)
    ]
    return [
        handler
        for log in loggers
        for handler in log.handlers
        if isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, logging.FileHandler)
    ]


@contextlib.contextmanager
def captured_output() -> Iterator[Output]:
    """Capture what logging handlers and print() write to stdout/stderr inside the block."""
    buffer = io.StringIO()
    output = Output()
    swapped = [(handler, handler.setStream(buffer)) for handler in _stream_handlers()]
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            yield output
    finally:
        for handler, previous in swapped:
            if previous is not None:
                handler.setStream(previous)
        output.text = buffer.getvalue()
        if sys.stdout is not None:
            sys.stdout.flush()
