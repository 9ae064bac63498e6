"""The Tariffs table: one item per tariff version, written once."""

from __future__ import annotations

import json
from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, query_all, to_item
from shared.adapters.dynamodb.paging import encode_cursor, start_key
from shared.models.tariff import Tariff, elements_document, elements_from_document
from shared.ports import Page
from shared.timeutil import iso_utc, parse_timestamp

_TARIFF_KEY = ("tariffId", "version")


def tariff_item(tariff: Tariff) -> dict[str, Any]:
    return to_item(
        {
            "tariffId": tariff.tariff_id,
            "version": tariff.version,
            "currency": tariff.currency,
            "taxRateBp": tariff.tax_rate_bp,
            "timeZone": tariff.time_zone,
            "validFrom": iso_utc(tariff.valid_from),
            # JSON text: elements are lists of maps the item codec does not need to know.
            "elements": json.dumps(elements_document(tariff.elements), separators=(",", ":")),
        }
    )


def tariff_from_values(values: dict[str, Any]) -> Tariff:
    valid_from = parse_timestamp(values["validFrom"])
    if valid_from is None:
        raise ValueError(f"tariff {values['tariffId']} has an unreadable validFrom")
    return Tariff(
        tariff_id=values["tariffId"],
        version=int(values["version"]),
        currency=values["currency"],
        tax_rate_bp=int(values["taxRateBp"]),
        time_zone=values["timeZone"],
        elements=elements_from_document(json.loads(values["elements"])),
        valid_from=valid_from,
    )


class DynamoTariffRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add_version(self, tariff: Tariff) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=tariff_item(tariff),
                ConditionExpression="attribute_not_exists(version)",
            )
            is not None
        )

    def versions(self, tariff_id: str) -> list[Tariff]:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="tariffId = :t",
            ExpressionAttributeValues={":t": {"S": tariff_id}},
            ConsistentRead=True,
        )
        return [tariff_from_values(values) for values in items]

    def list_page(self, limit: int, cursor: str | None) -> Page[Tariff]:
        # A bounded page of a scan: an operator listing of a small table, never a hot path.
        kwargs: dict[str, Any] = {"TableName": self._table, "Limit": limit}
        start = start_key(cursor, _TARIFF_KEY)
        if start:
            kwargs["ExclusiveStartKey"] = start
        response = self._client.scan(**kwargs)
        tariffs = [tariff_from_values(from_item(item)) for item in response.get("Items", [])]
        return Page(tariffs, encode_cursor(response.get("LastEvaluatedKey")))
