"""The local platform's data kept between runs, like a development database.

moto keeps everything in this process's memory and has no persistence to rely on, so the
items of the catalog's retained tables (`TableDef.retain`: chargers, id tags, sessions,
tariffs, locations, drivers, ...) are written to one JSON file per table: at stop, and every
`SAVE_INTERVAL_S` while running so that a killed process loses little. They are loaded into
the freshly created tables at the next start. The transient tables (connections, pending
commands), streams, the event bus and queues start empty: nothing is connected or in flight
after a restart.

Items are kept in DynamoDB's own JSON (typed attribute values, binary ones in base64), so
numbers, sets and binary values come back exactly as written. Each file is replaced
atomically: a kill while saving leaves the previous save.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.catalog import TABLES, TableDef

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = logging.getLogger("local.state")

SAVE_INTERVAL_S = 30.0
_FORMAT = 1
_BATCH = 25  # BatchWriteItem's limit


def retained_tables(tables: Sequence[TableDef] = TABLES) -> tuple[TableDef, ...]:
    return tuple(table for table in tables if table.retain)


@dataclass(frozen=True)
class StateDir:
    """The folder of one platform's saved tables (`python -m local`: .local/state)."""

    path: Path
    tables: tuple[TableDef, ...] = retained_tables()

    @property
    def dynamodb(self) -> Path:
        return self.path / "dynamodb"

    def file_of(self, table: TableDef) -> Path:
        return self.dynamodb / f"{table.local_name}.json"

    def clear(self) -> None:
        """`--fresh`: forget everything saved."""
        shutil.rmtree(self.dynamodb, ignore_errors=True)

    def load(self, client: DynamoDBClient) -> int:
        """Put the saved items into the (new, empty) tables; returns how many."""
        loaded = 0
        for table in self.tables:
            items = self._read(table)
            for start in range(0, len(items), _BATCH):
                requests: Any = [
                    {"PutRequest": {"Item": _decoded(item)}}
                    for item in items[start : start + _BATCH]
                ]
                pending = {table.local_name: requests}
                while pending:
                    pending = dict(
                        client.batch_write_item(RequestItems=pending)["UnprocessedItems"]
                    )
            loaded += len(items)
        return loaded

    def save(self, client: DynamoDBClient) -> int:
        """Write every retained table's items; returns how many."""
        self.dynamodb.mkdir(parents=True, exist_ok=True)
        saved = 0
        for table in self.tables:
            items: list[dict[str, Any]] = []
            for page in client.get_paginator("scan").paginate(TableName=table.local_name):
                items += [_encoded(item) for item in page.get("Items", [])]
            _write_atomically(
                self.file_of(table), {"format": _FORMAT, "table": table.id, "items": items}
            )
            saved += len(items)
        return saved

    def _read(self, table: TableDef) -> list[dict[str, Any]]:
        file = self.file_of(table)
        if not file.exists():
            return []
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
            if document.get("format") != _FORMAT:
                raise ValueError(f"format {document.get('format')!r}, want {_FORMAT}")
            items = document["items"]
            if not isinstance(items, list):
                raise ValueError("items is not a list")
        except (OSError, ValueError, KeyError, AttributeError) as exc:
            # A damaged file must not stop the platform: start that table empty, say so.
            logger.warning("%s not loaded (%s): table %s starts empty", file, exc, table.id)
            return []
        return items


def _write_atomically(file: Path, document: dict[str, Any]) -> None:
    handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out)
        os.replace(temporary, file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _encoded(item: dict[str, Any]) -> dict[str, Any]:
    """An item as JSON can hold it: binary values (bytes from boto3) in base64."""
    return {name: _map_binary(value, _to_base64) for name, value in item.items()}


def _decoded(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _map_binary(value, base64.b64decode) for name, value in item.items()}


def _to_base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _map_binary(value: dict[str, Any], convert: Callable[[Any], Any]) -> dict[str, Any]:
    """`value` (one typed attribute value) with `convert` applied to every binary in it."""
    (kind, inner), *_ = value.items()
    if kind == "B":
        return {"B": convert(inner)}
    if kind == "BS":
        return {"BS": [convert(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _map_binary(v, convert) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_map_binary(v, convert) for v in inner]}
    return value
