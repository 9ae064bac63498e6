"""Conversion between DynamoDB attribute values and plain Python values.

The records hold strings, integers, booleans, string maps and lists (a session's curve) only,
so this is smaller and faster than boto3's TypeSerializer (which also imports decimal
machinery and returns Decimals).
"""

from __future__ import annotations

from typing import Any

from shared.adapters.aws_clients import error_code


def to_attr(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, dict):
        return {"M": {k: to_attr(v) for k, v in value.items() if v is not None}}
    if isinstance(value, frozenset | set) and all(isinstance(v, str) for v in value):
        return {"SS": sorted(value)}  # never empty: to_item leaves empty sets out
    if isinstance(value, list | tuple):
        return {"L": [to_attr(v) for v in value]}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB here")


def from_attr(attr: dict[str, Any]) -> Any:
    ((kind, value),) = attr.items()
    if kind == "S":
        return value
    if kind == "N":
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: from_attr(v) for k, v in value.items()}
    if kind == "SS":
        return frozenset(value)
    if kind == "L":
        return [from_attr(v) for v in value]
    raise TypeError(f"unexpected DynamoDB attribute type {kind}")


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """An item from a dict; None values and empty sets are left out (absent, not NULL)."""
    return {k: to_attr(v) for k, v in values.items() if v is not None and v != frozenset()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: from_attr(v) for k, v in item.items()}


def update_expression(
    set_values: dict[str, Any], remove_none: bool = True
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """SET for the non-None values and REMOVE for the None ones, with placeholder names."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sets: list[str] = []
    removes: list[str] = []
    for index, (name, value) in enumerate(set_values.items()):
        if value is None:
            if remove_none:
                names[f"#a{index}"] = name
                removes.append(f"#a{index}")
            continue
        names[f"#a{index}"] = name
        values[f":v{index}"] = to_attr(value)
        sets.append(f"#a{index} = :v{index}")
    expression = ""
    if sets:
        expression += "SET " + ", ".join(sets)
    if removes:
        expression += (" " if expression else "") + "REMOVE " + ", ".join(removes)
    return expression, names, values


def camel(name: str) -> str:
    """A Python field name as the stored attribute name: meter_start_wh -> meterStartWh."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def query_all(client: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of a Query, following LastEvaluatedKey (one charger's items: a few pages)."""
    items: list[dict[str, Any]] = []
    while True:
        response = client.query(**kwargs)
        items += [from_item(item) for item in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            return items
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def scan_all(client: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every raw item of a Scan, following LastEvaluatedKey: a full read of a table, for the
    operator overview only (never the charger path)."""
    items: list[dict[str, Any]] = []
    while True:
        response = client.scan(**kwargs)
        items += response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            return items
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


CONDITION_FAILED = "ConditionalCheckFailedException"
# A TransactWriteItems whose condition failed (or that lost a conflict) is cancelled as a whole.
TRANSACTION_CANCELED = "TransactionCanceledException"


def conditional(call: Any, **kwargs: Any) -> dict[str, Any] | None:
    """Run a conditional DynamoDB write; None when its condition did not hold.

    Every write that could race with another Lambda is conditional, and "the condition failed"
    is an answer (a replay, a newer state), not an error. Only that: a transaction cancelled for
    a conflict, throttling or any other reason raises, so that the work is retried rather than
    taken as already done.
    """
    try:
        response: dict[str, Any] = call(**kwargs)
    except Exception as exc:
        code = error_code(exc)
        if code == CONDITION_FAILED or (code == TRANSACTION_CANCELED and _condition_only(exc)):
            return None
        raise
    return response


def _condition_only(exc: Exception) -> bool:
    """Whether a cancelled transaction failed on conditions alone (CancellationReasons: one per
    item, "None" for the items that were fine)."""
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    codes = {str(reason.get("Code", "None")) for reason in reasons}
    return "ConditionalCheckFailed" in codes and codes <= {"ConditionalCheckFailed", "None"}
