"""The IdTags table: RFID cards and app tokens."""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, to_item
from shared.adapters.dynamodb.paging import encode_cursor, start_key
from shared.models.transaction import IdTagRecord
from shared.ports import Page

_ID_TAG_KEY = ("idTag",)


def _item(record: IdTagRecord) -> dict[str, Any]:
    return to_item(
        {
            "idTag": record.id_tag,
            "status": record.status,
            "expiryDate": record.expiry_date,
            "parentIdTag": record.parent_id_tag,
            "ownerId": record.owner_id,
            "tokenType": record.token_type,
        }
    )


def _record(values: dict[str, Any]) -> IdTagRecord:
    return IdTagRecord(
        id_tag=values["idTag"],
        status=values.get("status", "Invalid"),
        expiry_date=values.get("expiryDate"),
        parent_id_tag=values.get("parentIdTag"),
        owner_id=values.get("ownerId"),
        token_type=values.get("tokenType"),
    )


class DynamoIdTagRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, id_tag: str) -> IdTagRecord | None:
        item = self._client.get_item(TableName=self._table, Key={"idTag": {"S": id_tag}}).get(
            "Item"
        )
        return _record(from_item(item)) if item else None

    def create(self, record: IdTagRecord) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=_item(record),
                ConditionExpression="attribute_not_exists(idTag)",
            )
            is not None
        )

    def put(self, record: IdTagRecord) -> None:
        self._client.put_item(TableName=self._table, Item=_item(record))

    def delete(self, id_tag: str) -> bool:
        response = self._client.delete_item(
            TableName=self._table, Key={"idTag": {"S": id_tag}}, ReturnValues="ALL_OLD"
        )
        return bool(response.get("Attributes"))

    def list_owned(self, owner_id: str) -> list[IdTagRecord]:
        records: list[IdTagRecord] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "ByOwner",
            "KeyConditionExpression": "ownerId = :owner",
            "ExpressionAttributeValues": {":owner": {"S": owner_id}},
        }
        while True:  # a driver has a handful of cards: the pages are for correctness only
            response = self._client.query(**kwargs)
            records.extend(_record(from_item(item)) for item in response.get("Items", []))
            if not response.get("LastEvaluatedKey"):
                return records
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def delete_owned(self, id_tag: str, owner_id: str) -> bool:
        return (
            conditional(
                self._client.delete_item,
                TableName=self._table,
                Key={"idTag": {"S": id_tag}},
                ConditionExpression="ownerId = :owner",
                ExpressionAttributeValues={":owner": {"S": owner_id}},
            )
            is not None
        )

    def list_page(self, limit: int, cursor: str | None = None) -> Page[IdTagRecord]:
        # A bounded page of a scan: an operator listing, never a hot path.
        kwargs: dict[str, Any] = {"TableName": self._table, "Limit": limit}
        start = start_key(cursor, _ID_TAG_KEY)  # another listing's cursor is refused here
        if start:
            kwargs["ExclusiveStartKey"] = start
        response = self._client.scan(**kwargs)
        records = [_record(from_item(item)) for item in response.get("Items", [])]
        return Page(records, encode_cursor(response.get("LastEvaluatedKey")))
