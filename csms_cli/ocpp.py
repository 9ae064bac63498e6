"""OCPP payloads for the shortcut commands, per protocol (1.6 vs 2.0.1)."""

from __future__ import annotations

import secrets
from typing import Any

V16 = "ocpp1.6"
V201 = "ocpp2.0.1"
RFID_TOKEN_TYPE = "ISO14443"  # noqa: S105 - an IdTokenEnumType, not a secret


class UsageError(Exception):
    """The arguments do not make a command for this charger's protocol."""


def _check(protocol: str | None) -> str:
    if protocol not in (V16, V201):
        raise UsageError(
            "the charger's protocol is unknown (it has not connected yet); "
            "use `command` with an explicit action and payload"
        )
    return protocol


def remote_start(protocol: str | None, id_tag: str, connector: int | None) -> tuple[str, Any]:
    if _check(protocol) == V16:
        payload: dict[str, Any] = {"idTag": id_tag}
        if connector is not None:
            payload["connectorId"] = connector
        return "RemoteStartTransaction", payload
    payload = {
        "idToken": {"idToken": id_tag, "type": RFID_TOKEN_TYPE},
        "remoteStartId": 1 + secrets.randbelow(2**31 - 1),
    }
    if connector is not None:
        payload["evseId"] = connector
    return "RequestStartTransaction", payload


def remote_stop(protocol: str | None, transaction_id: str) -> tuple[str, Any]:
    if _check(protocol) == V16:
        if not transaction_id.isdigit():
            raise UsageError("OCPP 1.6 transaction ids are integers")
        return "RemoteStopTransaction", {"transactionId": int(transaction_id)}
    return "RequestStopTransaction", {"transactionId": transaction_id}


def reset(protocol: str | None, hard: bool) -> tuple[str, Any]:
    if _check(protocol) == V16:
        return "Reset", {"type": "Hard" if hard else "Soft"}
    return "Reset", {"type": "Immediate" if hard else "OnIdle"}


def unlock(protocol: str | None, connector: int, evse: int | None) -> tuple[str, Any]:
    if _check(protocol) == V16:
        return "UnlockConnector", {"connectorId": connector}
    # 2.0.1 addresses a connector within an EVSE; without --evse, the connector number names
    # the EVSE (one connector per EVSE is the common case).
    if evse is None:
        return "UnlockConnector", {"evseId": connector, "connectorId": 1}
    return "UnlockConnector", {"evseId": evse, "connectorId": connector}


def _component_variable(key: str) -> dict[str, Any]:
    component, dot, variable = key.partition(".")
    if not dot or not component or not variable:
        raise UsageError(f"OCPP 2.0.1 keys are Component.Variable, got {key!r}")
    return {"component": {"name": component}, "variable": {"name": variable}}


def get_config(protocol: str | None, keys: list[str]) -> tuple[str, Any]:
    if _check(protocol) == V16:
        return "GetConfiguration", ({"key": keys} if keys else {})
    if not keys:
        raise UsageError(
            "OCPP 2.0.1: name the variables (--key Component.Variable); a full report is "
            '`command CP GetBaseReport --payload \'{"requestId": 1, "reportBase": '
            '"FullInventory"}\'`'
        )
    return "GetVariables", {"getVariableData": [_component_variable(k) for k in keys]}


def set_config(protocol: str | None, key: str, value: str) -> tuple[str, Any]:
    if _check(protocol) == V16:
        return "ChangeConfiguration", {"key": key, "value": value}
    return "SetVariables", {
        "setVariableData": [{"attributeValue": value, **_component_variable(key)}]
    }


def trigger(protocol: str | None, message: str, connector: int | None) -> tuple[str, Any]:
    payload: dict[str, Any] = {"requestedMessage": message}
    if _check(protocol) == V16:
        if connector is not None:
            payload["connectorId"] = connector
    elif connector is not None:
        payload["evse"] = {"id": connector}
    return "TriggerMessage", payload
