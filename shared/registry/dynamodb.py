"""DynamoDB adapters of the registry ports.

The charger and id-tag adapters extend the repositories the WebSocket path uses (same item
format); sessions are read from the Transactions table (by charger) and through its ByIdTag
index (by id tag, newest first: the index names the sessions, the table gives them whole);
energy from EnergyDaily.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from shared.adapters.aws import error_code
from shared.adapters.dynamo_items import conditional, to_attr, to_item, update_expression
from shared.adapters.dynamodb import (
    DynamoChargerRepository,
    charger_from_item,
)
from shared.adapters.dynamodb_transactions import (
    DynamoIdTagRepository,
    encode_cursor,
    transaction_from_item,
)
from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord, TransactionRecord
from shared.registry.cursors import InvalidCursor, start_key
from shared.registry.ports import (
    ChargerChanges,
    ChargerFilter,
    EnergyDay,
    Page,
    SessionFilter,
)

# Reads per page at most: a filtered page may come back short rather than read on and on.
MAX_READS_PER_PAGE = 4
# BatchGetItem takes up to 100 keys; what DynamoDB leaves unprocessed is asked for again.
BATCH_GET_KEYS = 100
BATCH_GET_ATTEMPTS = 5
BATCH_GET_BACKOFF_S = 0.025
BY_ID_TAG_INDEX = "ByIdTag"
_CHARGER_KEY = ("chargePointId",)
_SESSION_KEY = ("chargePointId", "transactionId")
_BY_ID_TAG_KEY = ("idTag", "startedAt", "chargePointId", "transactionId")


def read_page(
    read: Callable[..., dict[str, Any]],
    request: dict[str, Any],
    limit: int,
    start: dict[str, Any] | None,
    key_names: Sequence[str],
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Up to `limit` items of a Query/Scan (with a filter) and the key to continue from."""
    items: list[dict[str, Any]] = []
    last = start
    for _ in range(MAX_READS_PER_PAGE):
        call = {**request, "Limit": limit}
        if last:
            call["ExclusiveStartKey"] = last
        try:
            response = read(**call)
        except Exception as exc:
            if last is start and start is not None and error_code(exc) == "ValidationException":
                raise InvalidCursor("the cursor does not belong to this listing") from exc
            raise
        items += response.get("Items", [])
        last = response.get("LastEvaluatedKey")
        if len(items) > limit:
            # Continue right after the last item handed out, not after the last one read.
            items = items[:limit]
            last = {name: items[-1][name] for name in key_names}
            break
        if not last or len(items) == limit:
            break
    return items, last


def _session_key(item: dict[str, Any]) -> tuple[str, str]:
    return item["chargePointId"]["S"], item["transactionId"]["S"]


def _filters(clauses: list[str], names: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {}
    if clauses:
        request["FilterExpression"] = " AND ".join(clauses)
    if names:
        request["ExpressionAttributeNames"] = names
    if values:
        request["ExpressionAttributeValues"] = values
    return request


class DynamoChargerDirectory(DynamoChargerRepository):
    def list_page(
        self, limit: int, cursor: str | None, where: ChargerFilter
    ) -> Page[ChargerRecord]:
        clauses: list[str] = []
        values: dict[str, Any] = {}
        if where.registration_status is not None:
            clauses.append("registrationStatus = :rs")
            values[":rs"] = to_attr(where.registration_status)
        if where.online is True:
            clauses.append("attribute_exists(connectionId)")
        elif where.online is False:
            clauses.append("attribute_not_exists(connectionId)")
        # A bounded page of a Scan: an operator listing, never a hot path.
        items, last = read_page(
            self._client.scan,
            {"TableName": self._table, **_filters(clauses, {}, values)},
            limit,
            start_key(cursor, _CHARGER_KEY),
            _CHARGER_KEY,
        )
        return Page([charger_from_item(item) for item in items], encode_cursor(last))

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


class DynamoIdTagCatalog(DynamoIdTagRepository):
    def create(self, record: IdTagRecord) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=to_item(
                    {
                        "idTag": record.id_tag,
                        "status": record.status,
                        "expiryDate": record.expiry_date,
                        "parentIdTag": record.parent_id_tag,
                        "ownerId": record.owner_id,
                        "tokenType": record.token_type,
                    }
                ),
                ConditionExpression="attribute_not_exists(idTag)",
            )
            is not None
        )

    def list_page(
        self, limit: int, cursor: str | None = None
    ) -> tuple[list[IdTagRecord], str | None]:
        start_key(cursor, ("idTag",))  # a cursor of another listing is refused, not sent on
        return super().list_page(limit, cursor)


class DynamoSessionQueries:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

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
            **_filters(clauses, names, values),
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
            **_filters(clauses, names, values),
        }
        start = start_key(cursor, _BY_ID_TAG_KEY, {"idTag": id_tag})
        entries, last = read_page(self._client.query, request, limit, start, _BY_ID_TAG_KEY)
        # The index holds keys and status only (infra/catalog.py): the sessions, with their
        # live energy, come from the table, in the index's order.
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


class DynamoEnergyReports:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def days(self, charge_point_id: str, first_day: str, last_day: str) -> list[EnergyDay]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "chargePointId = :cp AND #day BETWEEN :first AND :last",
            "ExpressionAttributeNames": {"#day": "day"},
            "ExpressionAttributeValues": {
                ":cp": to_attr(charge_point_id),
                ":first": to_attr(first_day),
                ":last": to_attr(last_day),
            },
        }
        days: list[EnergyDay] = []
        while True:  # bounded: the caller limits the range to a year of days
            response = self._client.query(**request)
            for item in response.get("Items", []):
                days.append(
                    EnergyDay(
                        day=item["day"]["S"],
                        energy_wh=int(item.get("energyWh", {}).get("N", "0")),
                        sessions=int(item.get("sessions", {}).get("N", "0")),
                    )
                )
            if "LastEvaluatedKey" not in response:
                return days
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
