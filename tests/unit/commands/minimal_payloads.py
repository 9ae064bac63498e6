"""The smallest payload an official OCPP schema accepts: every required field, the first enum
value, the shortest allowed string and array. Enough to send each command once in a test."""

from __future__ import annotations

from typing import Any

from shared.ocpp.validation import default_schemas
from shared.ocpp.versions import OcppVersion

_FORMATS = {"date-time": "2026-07-01T12:00:00Z", "uri": "https://example.com/x"}


def minimal_payload(version: OcppVersion, action: str) -> Any:
    schema = default_schemas().source(version, action, "request")
    return _minimal(schema, schema.get("definitions", {}))


def _minimal(node: dict[str, Any], definitions: dict[str, Any]) -> Any:
    if "$ref" in node:
        return _minimal(definitions[node["$ref"].rsplit("/", 1)[-1]], definitions)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties", {})
        return {name: _minimal(properties[name], definitions) for name in node.get("required", [])}
    if kind == "array":
        return [_minimal(node["items"], definitions)] * max(1, node.get("minItems", 0))
    if kind == "string":
        if node.get("format") in _FORMATS:
            return _FORMATS[node["format"]]
        return "x" * max(1, node.get("minLength", 1))
    if kind == "integer":
        return int(node.get("minimum", 1))
    if kind == "number":
        return node.get("minimum", 1.0)
    if kind == "boolean":
        return False
    raise ValueError(f"no minimal value for {node}")
