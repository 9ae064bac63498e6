"""The Drivers table: a driver's payment profile, one item per driver."""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item
from shared.models.driver import DriverRecord


def _record(values: dict[str, Any]) -> DriverRecord:
    return DriverRecord(
        driver_id=values["driverId"],
        customer_id=values.get("customerId"),
        default_payment_method_id=values.get("defaultPaymentMethodId"),
    )


class DynamoDriverRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, driver_id: str) -> dict[str, Any]:
        return {"driverId": {"S": driver_id}}

    def get(self, driver_id: str) -> DriverRecord | None:
        item = self._client.get_item(
            TableName=self._table, Key=self._key(driver_id), ConsistentRead=True
        ).get("Item")
        return _record(from_item(item)) if item else None

    def set_customer(self, driver_id: str, customer_id: str) -> DriverRecord:
        response = conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(driver_id),
            UpdateExpression="SET customerId = :c",
            ConditionExpression="attribute_not_exists(customerId)",
            ExpressionAttributeValues={":c": {"S": customer_id}},
            ReturnValues="ALL_NEW",
        )
        if response is not None:
            return _record(from_item(response["Attributes"]))
        stored = self.get(driver_id)
        assert stored is not None  # the condition failed: a customer is stored
        return stored

    def set_default_payment_method(
        self, driver_id: str, payment_method_id: str | None, only_if: str | None = None
    ) -> bool:
        kwargs: dict[str, Any] = {"TableName": self._table, "Key": self._key(driver_id)}
        values: dict[str, Any] = {}
        if payment_method_id is None:
            kwargs["UpdateExpression"] = "REMOVE defaultPaymentMethodId"
        else:
            kwargs["UpdateExpression"] = "SET defaultPaymentMethodId = :pm"
            values[":pm"] = {"S": payment_method_id}
        if only_if is not None:
            kwargs["ConditionExpression"] = "defaultPaymentMethodId = :was"
            values[":was"] = {"S": only_if}
        if values:
            kwargs["ExpressionAttributeValues"] = values
        return conditional(self._client.update_item, **kwargs) is not None
