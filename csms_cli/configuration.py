"""A charger's configuration as a table: GetConfiguration (1.6) and GetVariables (2.0.1)."""

from __future__ import annotations

from typing import Any

from csms_cli.tables import table

COLUMNS = [("KEY", "key"), ("VALUE", "value"), ("READONLY", "readonly")]
CONFIGURATION_ACTIONS = frozenset({"GetConfiguration", "GetVariables"})


def _v16(result: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    rows = [
        {"key": item.get("key"), "value": item.get("value"), "readonly": item.get("readonly")}
        for item in result.get("configurationKey") or []
        if isinstance(item, dict)
    ]
    return rows, [str(key) for key in result.get("unknownKey") or []]


def _name(item: dict[str, Any]) -> str:
    component = item.get("component") or {}
    variable = item.get("variable") or {}
    name = f"{component.get('name')}.{variable.get('name')}"
    evse = (component.get("evse") or {}).get("id")
    instances = [component.get("instance"), variable.get("instance")]
    qualifiers = ([f"evse {evse}"] if evse is not None else []) + [i for i in instances if i]
    return f"{name} ({', '.join(qualifiers)})" if qualifiers else name


def _v201(result: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    rows: list[dict[str, Any]] = []
    unknown: list[str] = []
    for item in result.get("getVariableResult") or []:
        if not isinstance(item, dict):
            continue
        status = item.get("attributeStatus")
        if status == "Accepted":
            # GetVariables does not say whether a variable is writable (that is GetReport's).
            rows.append({"key": _name(item), "value": item.get("attributeValue")})
        else:
            unknown.append(f"{_name(item)} ({status})")
    return rows, unknown


def render(action: str, result: dict[str, Any]) -> str:
    """The keys read as a table, then the keys the charger did not know or would not give."""
    rows, unknown = (_v16 if action == "GetConfiguration" else _v201)(result)
    text = table(rows, COLUMNS) if rows else "(no keys)"
    if unknown:
        text += "\n\nunknown: " + ", ".join(unknown)
    return text
