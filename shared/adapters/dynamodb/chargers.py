"""The Chargers table: the registry of chargers, their connection and their reports."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from shared.adapters.dynamodb.items import (
    camel,
    conditional,
    from_item,
    scan_all,
    to_attr,
    to_item,
    update_expression,
)
from shared.adapters.dynamodb.outbox import (
    SHARD_ATTRIBUTE,
    SINCE_ATTRIBUTE,
    TableOutbox,
    outbox_shard,
)
from shared.adapters.dynamodb.paging import encode_cursor, filters, read_page, start_key
from shared.models.charger import BootInfo, ChargerRecord
from shared.models.connection import Attachment, PendingDisconnect
from shared.models.domain_events import CHARGER_DISCONNECTED
from shared.ports import ChargerChanges, ChargerFilter, Page
from shared.timeutil import from_epoch_ms, iso_utc, to_epoch_ms

_CHARGER_KEY = ("chargePointId",)

_CHARGER_FIELDS = {f.name: camel(f.name) for f in fields(ChargerRecord)}


_CHARGER_FIELDS_BY_ATTR = {v: k for k, v in _CHARGER_FIELDS.items()}
_DISCONNECT_EVENTS = frozenset({CHARGER_DISCONNECTED})


def _pending_disconnect(values: dict[str, Any]) -> PendingDisconnect | None:
    """The disconnect an item (as from_item reads it) still waits to publish, if any."""
    if CHARGER_DISCONNECTED not in (values.get("unpublished") or ()):
        return None
    return PendingDisconnect(
        charge_point_id=str(values["chargePointId"]),
        connection_id=str(values.get("lastConnectionId") or ""),
        at_ms=int(values.get("disconnectedAtMs") or 0),
        reason=values.get("disconnectReason"),
    )


def charger_to_item(record: ChargerRecord) -> dict[str, Any]:
    return to_item({_CHARGER_FIELDS[k]: getattr(record, k) for k in _CHARGER_FIELDS})


def charger_from_item(item: dict[str, Any]) -> ChargerRecord:
    values = from_item(item)
    return ChargerRecord(
        **{_CHARGER_FIELDS_BY_ATTR[k]: v for k, v in values.items() if k in _CHARGER_FIELDS_BY_ATTR}
    )


class DynamoChargerRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._outbox = TableOutbox(client, table_name)

    def _key(self, charge_point_id: str) -> dict[str, Any]:
        return {"chargePointId": {"S": charge_point_id}}

    def get(self, charge_point_id: str) -> ChargerRecord | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(charge_point_id), ConsistentRead=True
        )
        item = response.get("Item")
        return charger_from_item(item) if item else None

    def create(self, record: ChargerRecord) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=charger_to_item(record),
                ConditionExpression="attribute_not_exists(chargePointId)",
            )
            is not None
        )

    def record_boot(
        self, charge_point_id: str, boot: BootInfo, protocol: str, at: datetime
    ) -> ChargerRecord | None:
        # The boot report is the charger's current self-description: fields it no longer
        # reports are removed rather than left stale.
        expression, names, values = update_expression(
            {
                "vendor": boot.vendor,
                "model": boot.model,
                "serialNumber": boot.serial_number,
                "firmwareVersion": boot.firmware_version,
                "iccid": boot.iccid,
                "imsi": boot.imsi,
                "meterType": boot.meter_type,
                "meterSerialNumber": boot.meter_serial_number,
                "bootReason": boot.reason,
                "protocol": protocol,
                "lastBootAt": iso_utc(at),
            }
        )
        response = conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(chargePointId)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        if response is None:
            return None
        return charger_from_item(response["Attributes"])

    def attach_connection(
        self, charge_point_id: str, connection_id: str, protocol: str, connected_at_ms: int
    ) -> Attachment:
        response = conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            # A disconnect still waiting to be published is taken out of the outbox by the
            # same write; the caller decides from the old item whether it was a state change.
            UpdateExpression=(
                "SET connectionId = :c, protocol = :p, connectedAt = :at, connectedAtMs = :ms"
                f" REMOVE {SHARD_ATTRIBUTE}, {SINCE_ATTRIBUTE} DELETE unpublished :disconnected"
            ),
            ConditionExpression=(
                "attribute_exists(chargePointId) AND "
                "(attribute_not_exists(connectedAtMs) OR connectedAtMs <= :ms)"
            ),
            ExpressionAttributeValues={
                ":c": to_attr(connection_id),
                ":p": to_attr(protocol),
                ":at": to_attr(iso_utc(from_epoch_ms(connected_at_ms))),
                ":ms": to_attr(connected_at_ms),
                ":disconnected": to_attr(_DISCONNECT_EVENTS),
            },
            # The connection it replaces comes back with the write (no read first).
            ReturnValues="ALL_OLD",
        )
        if response is None:
            return Attachment(current=False)
        old = from_item(response.get("Attributes", {}))
        previous = old.get("connectionId")
        replaced = str(previous) if previous and previous != connection_id else None
        return Attachment(
            current=True,
            replaced=replaced,
            replaced_connected_at_ms=old.get("connectedAtMs") if replaced else None,
            pending_disconnect=_pending_disconnect(old),
            # The command slot lives on the same item: the old image says, at no extra cost,
            # whether a command sent on an earlier connection still holds it.
            held_command=str(old["inflightMessageId"]) if "inflightMessageId" in old else None,
        )

    def record_status_report(self, charge_point_id: str, kind: str, status: str, at: str) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression="SET #s = :s, #at = :at",
            ConditionExpression="attribute_exists(chargePointId)",
            ExpressionAttributeNames={"#s": f"{kind}Status", "#at": f"{kind}StatusAt"},
            ExpressionAttributeValues={":s": to_attr(status), ":at": to_attr(at)},
        )

    def set_local_list_version(self, charge_point_id: str, version: int) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression="SET localListVersion = :v",
            ConditionExpression="attribute_exists(chargePointId)",
            ExpressionAttributeValues={":v": to_attr(version)},
        )

    def record_cost_profile(self, charge_point_id: str, name: str, at: str) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression="SET costProfile = :n, costProfileAppliedAt = :at",
            ConditionExpression="attribute_exists(chargePointId)",
            ExpressionAttributeValues={":n": to_attr(name), ":at": to_attr(at)},
        )

    def count_auth_failure(self, charge_point_id: str) -> int:
        response = conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression="ADD authFailures :one",
            ConditionExpression="attribute_exists(chargePointId)",
            ExpressionAttributeValues={":one": to_attr(1)},
            ReturnValues="UPDATED_NEW",
        )
        if response is None:
            return 0
        return int(from_item(response["Attributes"])["authFailures"])

    def lock_auth(self, charge_point_id: str, until_ms: int) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression="SET authLockedUntilMs = :until",
            ConditionExpression="attribute_exists(chargePointId)",
            ExpressionAttributeValues={":until": to_attr(until_ms)},
        )

    def clear_auth_failures(self, charge_point_id: str) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression="REMOVE authFailures, authLockedUntilMs",
            ConditionExpression="attribute_exists(chargePointId)",
        )

    def store_auth_verifier(self, charge_point_id: str, password_hash: str, verifier: str) -> bool:
        return (
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key=self._key(charge_point_id),
                UpdateExpression="SET authVerifier = :v",
                ConditionExpression="passwordHash = :h",
                ExpressionAttributeValues={":v": to_attr(verifier), ":h": to_attr(password_hash)},
            )
            is not None
        )

    def begin_password_rotation(
        self, charge_point_id: str, command_id: str, password_hash: str
    ) -> bool:
        return (
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key=self._key(charge_point_id),
                UpdateExpression="SET rotationCommandId = :id, rotationPasswordHash = :h",
                ConditionExpression="attribute_exists(passwordHash)",
                ExpressionAttributeValues={
                    ":id": to_attr(command_id),
                    ":h": to_attr(password_hash),
                },
            )
            is not None
        )

    def complete_password_rotation(
        self, charge_point_id: str, command_id: str, previous_until_ms: int
    ) -> ChargerRecord | None:
        record = self.get(charge_point_id)
        if (
            record is None
            or record.rotation_command_id != command_id
            or record.rotation_password_hash is None
            or record.password_hash is None
        ):
            return None
        # Read, then write on the condition that nothing changed in between: the old hash
        # and verifier move to the previous-password attributes in the same write.
        fields: dict[str, Any] = {
            "passwordHash": record.rotation_password_hash,
            "authVerifier": None,
            "previousPasswordHash": record.password_hash,
            "previousAuthVerifier": record.auth_verifier,
            "previousPasswordUntilMs": previous_until_ms,
            "rotationCommandId": None,
            "rotationPasswordHash": None,
        }
        expression, names, values = update_expression(fields)
        names.update({"#rc": "rotationCommandId", "#ph": "passwordHash"})
        values.update({":rc": to_attr(command_id), ":ph": to_attr(record.password_hash)})
        response = conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression=expression,
            ConditionExpression="#rc = :rc AND #ph = :ph",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return None if response is None else charger_from_item(response["Attributes"])

    def drop_password_rotation(self, charge_point_id: str, command_id: str) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression="REMOVE rotationCommandId, rotationPasswordHash",
            ConditionExpression="rotationCommandId = :id",
            ExpressionAttributeValues={":id": to_attr(command_id)},
        )

    def end_password_grace(self, charge_point_id: str, previous_hash: str) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression=(
                "REMOVE previousPasswordHash, previousAuthVerifier, previousPasswordUntilMs"
            ),
            ConditionExpression="previousPasswordHash = :h",
            ExpressionAttributeValues={":h": to_attr(previous_hash)},
        )

    def detach_connection(
        self, charge_point_id: str, connection_id: str, at: datetime, reason: str | None = None
    ) -> bool:
        at_ms = to_epoch_ms(at)
        values = {
            ":c": to_attr(connection_id),
            ":at": to_attr(iso_utc(at)),
            ":ms": to_attr(at_ms),
            ":shard": to_attr(outbox_shard(charge_point_id)),
            ":disconnected": to_attr(_DISCONNECT_EVENTS),
        }
        removed, reason_set = "connectionId, disconnectReason", ""
        if reason is not None:
            removed, reason_set = "connectionId", ", disconnectReason = :r"
            values[":r"] = to_attr(reason)
        # The marker and the Outbox index entry come with the change itself: the relay
        # publishes the disconnect unless a reconnect takes it out first.
        expression = (
            f"REMOVE {removed} SET disconnectedAt = :at, disconnectedAtMs = :ms,"
            f" lastConnectionId = :c, {SHARD_ATTRIBUTE} = :shard, {SINCE_ATTRIBUTE} = :ms"
            f"{reason_set} ADD unpublished :disconnected"
        )
        return (
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key=self._key(charge_point_id),
                UpdateExpression=expression,
                ConditionExpression="connectionId = :c",
                ExpressionAttributeValues=values,
            )
            is not None
        )

    def disconnects_waiting(self, marked_before_ms: int) -> list[PendingDisconnect]:
        waiting = (_pending_disconnect(item) for item in self._outbox.waiting(marked_before_ms))
        return [pending for pending in waiting if pending is not None]

    def disconnect_published(self, pending: PendingDisconnect) -> None:
        self._outbox.clear(
            self._key(pending.charge_point_id),
            CHARGER_DISCONNECTED,
            guard=("disconnectedAtMs", pending.at_ms),
        )

    def list_page(
        self, limit: int, cursor: str | None, where: ChargerFilter
    ) -> Page[ChargerRecord]:
        clauses: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        if where.registration_status is not None:
            clauses.append("registrationStatus = :rs")
            values[":rs"] = to_attr(where.registration_status)
        if where.online is True:
            clauses.append("attribute_exists(connectionId)")
        elif where.online is False:
            clauses.append("attribute_not_exists(connectionId)")
        if where.vendor is not None:
            clauses.append("vendor = :vendor")
            values[":vendor"] = to_attr(where.vendor)
        if where.model is not None:
            clauses.append("#model = :model")
            names["#model"] = "model"
            values[":model"] = to_attr(where.model)
        if where.tag is not None:
            clauses.append("contains(tags, :tag)")
            values[":tag"] = to_attr(where.tag)
        # A bounded page of a Scan: an operator listing, never a hot path.
        items, last = read_page(
            self._client.scan,
            {"TableName": self._table, **filters(clauses, names, values)},
            limit,
            start_key(cursor, _CHARGER_KEY),
            _CHARGER_KEY,
        )
        return Page([charger_from_item(item) for item in items], encode_cursor(last))

    def list_all(self) -> list[ChargerRecord]:
        # A full Scan (eventually consistent: half the read units): the operator overview.
        return [charger_from_item(item) for item in scan_all(self._client, TableName=self._table)]

    def update(self, charge_point_id: str, changes: ChargerChanges) -> ChargerRecord | None:
        fields: dict[str, Any] = {}
        if changes.registration_status is not None:
            fields["registrationStatus"] = changes.registration_status
        if changes.validation_mode is not None:
            fields["validationMode"] = changes.validation_mode
        if changes.password_hash is not None:
            fields["passwordHash"] = changes.password_hash
        elif changes.clear_password:
            fields["passwordHash"] = None  # REMOVE
        if changes.tags is not None:
            fields["tags"] = changes.tags or None  # a string set; none left: REMOVE
        if changes.password_hash is not None or changes.clear_password:
            fields["authVerifier"] = None  # the old password's fast check goes with it
            # A password the operator sets ends a rotation and the old password's grace.
            for name in (
                "rotationCommandId",
                "rotationPasswordHash",
                "previousPasswordHash",
                "previousAuthVerifier",
                "previousPasswordUntilMs",
            ):
                fields[name] = None
        if not fields:
            return self.get(charge_point_id)
        expression, names, values = update_expression(fields)
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": self._key(charge_point_id),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(chargePointId)",
            "ExpressionAttributeNames": names,
            "ReturnValues": "ALL_NEW",
        }
        if values:  # DynamoDB refuses an empty map (a REMOVE-only update has no values)
            request["ExpressionAttributeValues"] = values
        response = conditional(self._client.update_item, **request)
        if response is None:
            return None
        return charger_from_item(response["Attributes"])

    def delete(self, charge_point_id: str) -> ChargerRecord | None:
        response = self._client.delete_item(
            TableName=self._table, Key=self._key(charge_point_id), ReturnValues="ALL_OLD"
        )
        old = response.get("Attributes")
        return charger_from_item(old) if old else None
