"""The Transactions table: charging sessions, by charger and through the ByIdTag and
ByStartDay indexes."""

from __future__ import annotations

import time
from dataclasses import fields
from datetime import date, timedelta
from typing import Any

from shared.adapters.aws_clients import error_code
from shared.adapters.dynamodb.items import (
    CONDITION_FAILED,
    camel,
    conditional,
    from_attr,
    from_item,
    to_attr,
    to_item,
    update_expression,
)
from shared.adapters.dynamodb.outbox import TableOutbox, outbox_attributes, with_outbox
from shared.adapters.dynamodb.paging import encode_cursor, filters, read_page, start_key
from shared.models.transaction import START_FIELDS, STOP_FIELDS, TransactionRecord
from shared.ports import (
    MAX_CURVE_POINTS,
    CurvePoint,
    InvalidCursor,
    Page,
    SessionCurve,
    SessionFilter,
)

# BatchGetItem takes up to 100 keys; what DynamoDB leaves unprocessed is asked for again.
BATCH_GET_KEYS = 100
BATCH_GET_ATTEMPTS = 5
BATCH_GET_BACKOFF_S = 0.025
BY_ID_TAG_INDEX = "ByIdTag"
BY_START_DAY_INDEX = "ByStartDay"
_SESSION_KEY = ("chargePointId", "transactionId")
_BY_ID_TAG_KEY = ("idTag", "startedAt", "chargePointId", "transactionId")
BY_START_DAY_KEY = ("startedDay", "startedAt", "chargePointId", "transactionId")

_TX_FIELDS = {f.name: camel(f.name) for f in fields(TransactionRecord)}


_TX_FIELDS_BY_ATTR = {v: k for k, v in _TX_FIELDS.items()}


def started_day(started_at: str | None) -> str | None:
    """The ByStartDay partition of a session: the UTC day of its start (stored RFC 3339 UTC)."""
    return started_at[:10] if started_at else None


def days_newest_first(first: str, last: str) -> list[str]:
    """The UTC days from `last` back to `first` (RFC 3339 timestamps or days)."""
    newest, oldest = date.fromisoformat(last[:10]), date.fromisoformat(first[:10])
    return [(newest - timedelta(days=n)).isoformat() for n in range((newest - oldest).days + 1)]


def transaction_to_item(record: TransactionRecord) -> dict[str, Any]:
    """The session's item; its `unpublished` events also put it in the Outbox index."""
    values = {_TX_FIELDS[k]: getattr(record, k) for k in _TX_FIELDS if k != "unpublished"}
    item = to_item(values | {"startedDay": started_day(record.started_at)})
    return item | outbox_attributes(record.unpublished)


def transaction_from_item(item: dict[str, Any]) -> TransactionRecord:
    return _session_from_values(from_item(item))


def _session_from_values(values: dict[str, Any]) -> TransactionRecord:
    return TransactionRecord(
        **{_TX_FIELDS_BY_ATTR[k]: v for k, v in values.items() if k in _TX_FIELDS_BY_ATTR}
    )


def _session_key(item: dict[str, Any]) -> tuple[str, str]:
    return item["chargePointId"]["S"], item["transactionId"]["S"]


class DynamoTransactionRepository:
    def __init__(self, client: Any, table_name: str, connectors_table: str) -> None:
        self._client = client
        self._table = table_name
        self._connectors = connectors_table
        self._outbox = TableOutbox(client, table_name)

    def _key(self, charge_point_id: str, transaction_id: str) -> dict[str, Any]:
        return {"chargePointId": {"S": charge_point_id}, "transactionId": {"S": transaction_id}}

    def _update(self, **kwargs: Any) -> dict[str, Any] | None:
        return conditional(self._client.update_item, TableName=self._table, **kwargs)

    def get(self, charge_point_id: str, transaction_id: str) -> TransactionRecord | None:
        item = self._client.get_item(
            TableName=self._table,
            Key=self._key(charge_point_id, transaction_id),
            ConsistentRead=True,
        ).get("Item")
        return transaction_from_item(item) if item else None

    def create(self, record: TransactionRecord) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=transaction_to_item(record),
                ConditionExpression="attribute_not_exists(transactionId)",
            )
            is not None
        )

    def record_start(self, record: TransactionRecord) -> TransactionRecord | None:
        values = {_TX_FIELDS[f]: getattr(record, f) for f in START_FIELDS}
        values["startedDay"] = started_day(record.started_at)
        expression, names, attr_values = update_expression(values, remove_none=False)
        names["#status"] = "status"
        names["#startedAt"] = "startedAt"
        attr_values[":active"] = to_attr("active")
        expression += ", #status = if_not_exists(#status, :active)"
        expression = self._with_outbox(record, expression, names, attr_values)
        response = self._update(
            Key=self._key(record.charge_point_id, record.transaction_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_not_exists(#startedAt)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=attr_values,
            ReturnValues="ALL_NEW",
        )
        return transaction_from_item(response["Attributes"]) if response else None

    def claim_connector(
        self, charge_point_id: str, connector_key: str, transaction_id: str, started_at_ms: int
    ) -> str | None:
        response = conditional(
            self._client.update_item,
            TableName=self._connectors,
            Key={
                "chargePointId": {"S": charge_point_id},
                "connectorKey": {"S": connector_key},
            },
            UpdateExpression="SET activeTransactionId = :tx, activeSinceMs = :ms",
            ConditionExpression="attribute_not_exists(activeSinceMs) OR activeSinceMs <= :ms",
            ExpressionAttributeValues={
                ":tx": to_attr(transaction_id),
                ":ms": to_attr(started_at_ms),
            },
            ReturnValues="ALL_OLD",
        )
        if response is None:
            return None
        previous = from_item(response.get("Attributes", {})).get("activeTransactionId")
        return str(previous) if previous is not None else None

    def mark_replaced(
        self,
        charge_point_id: str,
        transaction_id: str,
        replaced_by: str,
        at: str,
        unpublished: frozenset[str] = frozenset(),
    ) -> bool:
        names = {"#status": "status"}
        values = {
            ":replaced": to_attr("replaced"),
            ":active": to_attr("active"),
            ":by": to_attr(replaced_by),
            ":at": to_attr(at),
        }
        expression = "SET #status = :replaced, replacedBy = :by, replacedAt = :at"
        return (
            self._update(
                Key=self._key(charge_point_id, transaction_id),
                UpdateExpression=with_outbox(expression, names, values, unpublished),
                ConditionExpression="#status = :active AND attribute_not_exists(stoppedAt)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
            is not None
        )

    @staticmethod
    def _with_outbox(
        record: TransactionRecord, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> str:
        return with_outbox(expression, names, values, record.unpublished)

    def mark_published(self, charge_point_id: str, transaction_id: str, detail_type: str) -> None:
        self._outbox.clear(self._key(charge_point_id, transaction_id), detail_type)

    def mark_for_relay(self, charge_point_id: str, transaction_id: str) -> None:
        key = self._key(charge_point_id, transaction_id)
        self._outbox.enter(key, charge_point_id, transaction_id)

    def marked(self, marked_before_ms: int) -> list[TransactionRecord]:
        return [_session_from_values(values) for values in self._outbox.waiting(marked_before_ms)]

    def finish(self, record: TransactionRecord) -> bool:
        values = {_TX_FIELDS[f]: getattr(record, f) for f in STOP_FIELDS}
        expression, names, attr_values = update_expression(values)
        names["#stoppedAtGuard"] = "stoppedAt"
        expression = self._with_outbox(record, expression, names, attr_values)
        return (
            self._update(
                Key=self._key(record.charge_point_id, record.transaction_id),
                UpdateExpression=expression,
                ConditionExpression="attribute_not_exists(#stoppedAtGuard)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=attr_values,
            )
            is not None
        )

    def record_token(
        self,
        charge_point_id: str,
        transaction_id: str,
        id_tag: str,
        authorization_status: str | None,
    ) -> TransactionRecord | None:
        response = self._update(
            Key=self._key(charge_point_id, transaction_id),
            UpdateExpression="SET idTag = :tag, authorizationStatus = :status",
            ConditionExpression="attribute_exists(startedAt) AND attribute_not_exists(idTag)",
            ExpressionAttributeValues={
                ":tag": to_attr(id_tag),
                ":status": to_attr(authorization_status),
            },
            ReturnValues="ALL_NEW",
        )
        return transaction_from_item(response["Attributes"]) if response else None

    def record_tariff(
        self, charge_point_id: str, transaction_id: str, tariff_id: str, tariff_version: int
    ) -> bool:
        return (
            self._update(
                Key=self._key(charge_point_id, transaction_id),
                UpdateExpression="SET tariffId = :id, tariffVersion = :version",
                ConditionExpression=(
                    "attribute_exists(startedAt) AND attribute_not_exists(stoppedAt) AND "
                    "attribute_not_exists(tariffId)"
                ),
                ExpressionAttributeValues={
                    ":id": to_attr(tariff_id),
                    ":version": to_attr(tariff_version),
                },
            )
            is not None
        )

    def complete_orphan(self, record: TransactionRecord) -> bool:
        """A session whose stop arrived before its start: store the computed outcome."""
        values = {
            "status": record.status,
            "energyWh": record.energy_wh,
            "durationS": record.duration_s,
            "anomaly": record.anomaly,
        }
        expression, names, attr_values = update_expression(values)
        attr_values[":orphan"] = to_attr("orphan")
        status_name = next(k for k, v in names.items() if v == "status")
        expression = self._with_outbox(record, expression, names, attr_values)
        return (
            self._update(
                Key=self._key(record.charge_point_id, record.transaction_id),
                UpdateExpression=expression,
                ConditionExpression=f"{status_name} = :orphan",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=attr_values,
            )
            is not None
        )

    def claim_cost_update(
        self, charge_point_id: str, transaction_id: str, at_ms: int, interval_ms: int
    ) -> bool:
        response = self._update(
            Key=self._key(charge_point_id, transaction_id),
            UpdateExpression="SET costUpdatedAtMs = :at",
            ConditionExpression=(
                "attribute_exists(transactionId) AND attribute_not_exists(stoppedAt) AND "
                "(attribute_not_exists(costUpdatedAtMs) OR costUpdatedAtMs <= :due)"
            ),
            ExpressionAttributeValues={
                ":at": to_attr(at_ms),
                ":due": to_attr(at_ms - interval_ms),
            },
        )
        return response is not None

    def record_meter_progress(
        self,
        charge_point_id: str,
        transaction_id: str,
        energy_wh: int,
        at: str,
        curve_point: CurvePoint | None = None,
    ) -> TransactionRecord | None:
        newer = (
            "attribute_exists(transactionId) AND "
            "(attribute_not_exists(lastMeterAt) OR lastMeterAt < :at)"
        )
        values = {":wh": to_attr(energy_wh), ":at": to_attr(at)}
        if curve_point is not None:
            # The point rides on the live-energy write: same request, a few bytes more.
            try:
                response = self._client.update_item(
                    TableName=self._table,
                    Key=self._key(charge_point_id, transaction_id),
                    UpdateExpression=(
                        "SET lastMeterWh = :wh, lastMeterAt = :at, "
                        "meterCurve = list_append(if_not_exists(meterCurve, :none), :point)"
                    ),
                    ConditionExpression=(
                        f"{newer} AND (attribute_not_exists(meterCurve) OR size(meterCurve) < :cap)"
                    ),
                    ExpressionAttributeValues=values
                    | {
                        ":none": {"L": []},
                        ":point": to_attr([list(curve_point)]),
                        ":cap": to_attr(MAX_CURVE_POINTS),
                    },
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                return transaction_from_item(response["Attributes"])
            except Exception as exc:
                if error_code(exc) != CONDITION_FAILED:
                    raise
                old = getattr(exc, "response", {}).get("Item")
                stored_at = old.get("lastMeterAt", {}).get("S") if old else None
                if old is None or (stored_at is not None and stored_at >= at):
                    return None  # unknown session, or a newer reading stored: nothing to do
            # The curve is full: the live energy is still written, without the point.
        response = self._update(
            Key=self._key(charge_point_id, transaction_id),
            UpdateExpression="SET lastMeterWh = :wh, lastMeterAt = :at",
            ConditionExpression=newer,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        if response is None:
            return None
        return transaction_from_item(response["Attributes"])

    def curve(self, charge_point_id: str, transaction_id: str) -> SessionCurve | None:
        item = self._client.get_item(
            TableName=self._table,
            Key=self._key(charge_point_id, transaction_id),
            ConsistentRead=True,
        ).get("Item")
        if not item:
            return None
        stored = from_attr(item["meterCurve"]) if "meterCurve" in item else []
        points = tuple(
            (int(p[0]), int(p[1])) for p in stored if isinstance(p, list) and len(p) == 2
        )
        return SessionCurve(transaction_from_item(item), points)

    def by_charger(
        self, charge_point_id: str, where: SessionFilter, limit: int, cursor: str | None
    ) -> Page[TransactionRecord]:
        clauses: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {":cp": to_attr(charge_point_id)}
        if where.started_from is not None:
            clauses.append("startedAt >= :from")
            values[":from"] = to_attr(where.started_from)
        if where.started_to is not None:
            clauses.append("startedAt <= :to")
            values[":to"] = to_attr(where.started_to)
        if where.id_tag is not None:
            clauses.append("idTag = :tag")
            values[":tag"] = to_attr(where.id_tag)
        self._status_filter(where, clauses, names, values)
        request = {
            "TableName": self._table,
            "KeyConditionExpression": "chargePointId = :cp",
            **filters(clauses, names, values),
        }
        start = start_key(cursor, _SESSION_KEY, {"chargePointId": charge_point_id})
        items, last = read_page(self._client.query, request, limit, start, _SESSION_KEY)
        return Page([transaction_from_item(item) for item in items], encode_cursor(last))

    def by_id_tag(
        self, id_tag: str, where: SessionFilter, limit: int, cursor: str | None
    ) -> Page[TransactionRecord]:
        clauses: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {":tag": to_attr(id_tag)}
        key_condition = "idTag = :tag"
        if where.started_from is not None and where.started_to is not None:
            key_condition += " AND startedAt BETWEEN :from AND :to"
        elif where.started_from is not None:
            key_condition += " AND startedAt >= :from"
        elif where.started_to is not None:
            key_condition += " AND startedAt <= :to"
        if where.started_from is not None:
            values[":from"] = to_attr(where.started_from)
        if where.started_to is not None:
            values[":to"] = to_attr(where.started_to)
        if where.charge_point_id is not None:
            clauses.append("chargePointId = :cp")
            values[":cp"] = to_attr(where.charge_point_id)
        self._status_filter(where, clauses, names, values)
        request = {
            "TableName": self._table,
            "IndexName": BY_ID_TAG_INDEX,
            "KeyConditionExpression": key_condition,
            "ScanIndexForward": False,
            **filters(clauses, names, values),
        }
        start = start_key(cursor, _BY_ID_TAG_KEY, {"idTag": id_tag})
        entries, last = read_page(self._client.query, request, limit, start, _BY_ID_TAG_KEY)
        # The index holds keys and status only (infra/catalog.py): the sessions, with their
        # live energy, come from the table, in the index's order.
        sessions = self._sessions([{k: e[k] for k in _SESSION_KEY} for e in entries])
        records = [sessions[key] for key in map(_session_key, entries) if key in sessions]
        return Page(records, encode_cursor(last))

    def recent(
        self, where: SessionFilter, limit: int, cursor: str | None
    ) -> Page[TransactionRecord]:
        if where.started_from is None or where.started_to is None:
            raise ValueError("the network's sessions are listed within a window")
        clauses: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {
            ":from": to_attr(where.started_from),
            ":to": to_attr(where.started_to),
        }
        self._status_filter(where, clauses, names, values)
        days = days_newest_first(where.started_from, where.started_to)
        start = start_key(cursor, BY_START_DAY_KEY)
        if start is not None:
            day = start["startedDay"].get("S")
            if day not in days:
                raise InvalidCursor("the cursor does not belong to this listing")
            days = days[days.index(day) :]
        entries: list[dict[str, Any]] = []
        last: dict[str, Any] | None = None
        # One query per day, newest first, until the page is full: the window (bounded by the
        # caller) bounds the reads, and no day's partition holds the whole network's history.
        for day in days:
            values[":day"] = to_attr(day)
            request = {
                "TableName": self._table,
                "IndexName": BY_START_DAY_INDEX,
                "KeyConditionExpression": "startedDay = :day AND startedAt BETWEEN :from AND :to",
                "ScanIndexForward": False,
                **filters(clauses, names, values),
            }
            wanted = limit - len(entries)
            found, last = read_page(self._client.query, request, wanted, start, BY_START_DAY_KEY)
            entries += found
            start = None
            if last is not None:  # the day holds more (or a filtered read stopped short)
                break
            if len(entries) == limit:
                last = {name: entries[-1][name] for name in BY_START_DAY_KEY}
                break
        sessions = self._sessions([{k: e[k] for k in _SESSION_KEY} for e in entries])
        records = [sessions[key] for key in map(_session_key, entries) if key in sessions]
        return Page(records, encode_cursor(last))

    def _sessions(self, keys: list[dict[str, Any]]) -> dict[tuple[str, str], TransactionRecord]:
        """The table's items for these keys (absent ones are left out)."""
        found: dict[tuple[str, str], TransactionRecord] = {}
        for first in range(0, len(keys), BATCH_GET_KEYS):
            pending: dict[str, Any] = {self._table: {"Keys": keys[first : first + BATCH_GET_KEYS]}}
            for attempt in range(BATCH_GET_ATTEMPTS):
                if attempt:
                    time.sleep(BATCH_GET_BACKOFF_S * 2**attempt)
                response = self._client.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self._table, []):
                    found[_session_key(item)] = transaction_from_item(item)
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
            else:
                raise RuntimeError("DynamoDB left session reads unprocessed; try again")
        return found

    @staticmethod
    def _status_filter(
        where: SessionFilter, clauses: list[str], names: dict[str, str], values: dict[str, Any]
    ) -> None:
        if where.status is not None:
            clauses.append("#status = :status")
            names["#status"] = "status"
            values[":status"] = to_attr(where.status)
