"""The EnergyDaily table: energy per charger and UTC day, and the network's per UTC day and
hour, each session counted once.

The network's totals are items of the same table under partition keys no charger can have
('#' is not in a charge point identity): one item per day, one per hour, their sort key the
period ("YYYY-MM-DD", "YYYY-MM-DDTHH:00:00Z").
"""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, to_attr
from shared.ports import EnergyDay, EnergyGranularity, EnergyPeriod
from shared.timeutil import iso_utc, utc_now

NETWORK_KEYS: dict[EnergyGranularity, str] = {"day": "#network/day", "hour": "#network/hour"}


class DynamoEnergyLedger:
    def __init__(self, client: Any, transactions_table: str, energy_table: str) -> None:
        self._client = client
        self._transactions = transactions_table
        self._energy = energy_table

    def add_session_once(
        self,
        charge_point_id: str,
        transaction_id: str,
        day: str,
        energy_wh: int,
        hour: str | None = None,
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

        def sums(partition: str, period: str) -> dict[str, Any]:
            return {
                "TableName": self._energy,
                "Key": {"chargePointId": {"S": partition}, "day": {"S": period}},
                "UpdateExpression": "ADD energyWh :e, sessions :one SET updatedAt = :now",
                "ExpressionAttributeValues": {
                    ":e": to_attr(energy_wh),
                    ":one": to_attr(1),
                    ":now": to_attr(now),
                },
            }

        updates = [marker, sums(charge_point_id, day), sums(NETWORK_KEYS["day"], day)]
        if hour is not None:
            updates.append(sums(NETWORK_KEYS["hour"], hour))
        # One transaction: the session's "rolled up" marker and every period's sums move
        # together, so a redelivered event cannot count the energy twice. Two stops updating
        # the network's period at once may cancel one for a conflict: that raises, and the
        # event is delivered again.
        written = conditional(
            self._client.transact_write_items,
            TransactItems=[{"Update": update} for update in updates],
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
        return [
            EnergyDay(day=p.period, energy_wh=p.energy_wh, sessions=p.sessions)
            for p in self._periods(charge_point_id, first_day, last_day)
        ]

    def network(self, granularity: EnergyGranularity, first: str, last: str) -> list[EnergyPeriod]:
        return self._periods(NETWORK_KEYS[granularity], first, last)

    def _periods(self, partition: str, first: str, last: str) -> list[EnergyPeriod]:
        request: dict[str, Any] = {
            "TableName": self._energy,
            "KeyConditionExpression": "chargePointId = :cp AND #day BETWEEN :first AND :last",
            "ExpressionAttributeNames": {"#day": "day"},
            "ExpressionAttributeValues": {
                ":cp": to_attr(partition),
                ":first": to_attr(first),
                ":last": to_attr(last),
            },
        }
        periods: list[EnergyPeriod] = []
        # Bounded: the callers limit a range to a year of days or a week of hours.
        while True:
            response = self._client.query(**request)
            for item in response.get("Items", []):
                periods.append(
                    EnergyPeriod(
                        period=item["day"]["S"],
                        energy_wh=int(item.get("energyWh", {}).get("N", "0")),
                        sessions=int(item.get("sessions", {}).get("N", "0")),
                    )
                )
            if "LastEvaluatedKey" not in response:
                return periods
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
