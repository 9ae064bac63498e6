"""The EnergyDaily table: energy per charger and UTC day, each session counted once."""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, to_attr
from shared.ports import EnergyDay
from shared.timeutil import iso_utc, utc_now


class DynamoEnergyLedger:
    def __init__(self, client: Any, transactions_table: str, energy_table: str) -> None:
        self._client = client
        self._transactions = transactions_table
        self._energy = energy_table

    def add_session_once(
        self, charge_point_id: str, transaction_id: str, day: str, energy_wh: int
    ) -> bool:
        now = iso_utc(utc_now())
        marker = {
            "TableName": self._transactions,
            "Key": {
                "chargePointId": {"S": charge_point_id},
                "transactionId": {"S": transaction_id},
            },
            "UpdateExpression": "SET rolledUpAt = :now",
            "ConditionExpression": (
                "attribute_exists(transactionId) AND attribute_not_exists(rolledUpAt)"
            ),
            "ExpressionAttributeValues": {":now": to_attr(now)},
        }
        sums = {
            "TableName": self._energy,
            "Key": {"chargePointId": {"S": charge_point_id}, "day": {"S": day}},
            "UpdateExpression": "ADD energyWh :e, sessions :one SET updatedAt = :now",
            "ExpressionAttributeValues": {
                ":e": to_attr(energy_wh),
                ":one": to_attr(1),
                ":now": to_attr(now),
            },
        }
        # One transaction: the session's "rolled up" marker and the day's sums move together,
        # so a redelivered event cannot count the energy twice.
        written = conditional(
            self._client.transact_write_items,
            TransactItems=[{"Update": marker}, {"Update": sums}],
        )
        return written is not None

    def day_total(self, charge_point_id: str, day: str) -> tuple[int, int]:
        """(energy Wh, sessions) of a charger's day."""
        item = self._client.get_item(
            TableName=self._energy,
            Key={"chargePointId": {"S": charge_point_id}, "day": {"S": day}},
            ConsistentRead=True,
        ).get("Item")
        values = from_item(item) if item else {}
        return int(values.get("energyWh", 0)), int(values.get("sessions", 0))

    def days(self, charge_point_id: str, first_day: str, last_day: str) -> list[EnergyDay]:
        request: dict[str, Any] = {
            "TableName": self._energy,
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
