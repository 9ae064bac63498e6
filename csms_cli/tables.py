"""Plain-text output: aligned tables and key/value blocks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

Column = tuple[str, str]  # (header, key in the row)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> str:
    """Left-aligned columns separated by two spaces; '-' for missing values."""
    body = [[cell(row.get(key)) for _, key in columns] for row in rows]
    headers = [header for header, _ in columns]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)).rstrip()
        for line in [headers, *body]
    ]
    return "\n".join(lines)


def fields(values: Mapping[str, Any], keys: Sequence[Column]) -> str:
    """`Label:  value` lines, labels aligned."""
    width = max(len(label) for label, _ in keys) + 1
    return "\n".join(
        f"{(label + ':').ljust(width)}  {cell(values.get(key))}" for label, key in keys
    )


class Printer(Protocol):
    raw_json: bool

    def line(self, text: str = "") -> None: ...

    def json(self, value: Any) -> None: ...


class Output(Printer, Protocol):
    """A printer that also reports errors (on stderr)."""

    def error(self, text: str) -> None: ...


def print_page(output: Printer, body: dict[str, Any], columns: list[tuple[str, str]]) -> int:
    """One page of a list: as JSON, or a table and the cursor of the next page."""
    if output.raw_json:
        output.json(body)
        return 0
    items = body.get("items", [])
    output.line(table(items, columns) if items else "(none)")
    if body.get("nextCursor"):
        output.line(f"\nmore: --cursor {body['nextCursor']}")
    return 0
