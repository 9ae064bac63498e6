"""The EnergyDaily table: energy per charger and UTC day, and the network's per UTC day and
hour, each session counted once.

The network's totals are items of the same table under a partition key no charger can have
('#' is not in a charge point identity): one item per UTC day, which also counts the day's
hours (hNNWh, hNNSessions for hour NN). A session's rollup thus adds one item for the network,
not two: a transaction writes each item twice, so that saves 2 write units per session.
"""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, to_attr
from shared.ports import EnergyDay, EnergyGranularity, EnergyPeriod
from shared.timeutil import iso_utc, utc_now

NETWORK_KEY = "#network"


def _hour_names(hh: str) -> tuple[str, str]:
    return f"h{hh}Wh", f"h{hh}Sessions"


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

        values = {":e": to_attr(energy_wh), ":one": to_attr(1), ":now": to_attr(now)}
        sums = {
            "TableName": self._energy,
            "Key": {"chargePointId": {"S": charge_point_id}, "day": {"S": day}},
            "UpdateExpression": "ADD energyWh :e, sessions :one SET updatedAt = :now",
            "ExpressionAttributeValues": values,
        }
        network: dict[str, Any] = {
            "TableName": self._energy,
            "Key": {"chargePointId": {"S": NETWORK_KEY}, "day": {"S": day}},
            "UpdateExpression": "ADD energyWh :e, sessions :one SET updatedAt = :now",
            "ExpressionAttributeValues": values,
        }
        if hour is not None and hour[:10] == day:
            energy_name, sessions_name = _hour_names(hour[11:13])
            network["UpdateExpression"] = (
                "ADD energyWh :e, sessions :one, #hourWh :e, #hourSessions :one "
                "SET updatedAt = :now"
            )
            network["ExpressionAttributeNames"] = {
                "#hourWh": energy_name,
                "#hourSessions": sessions_name,
            }
        # One transaction: the session's "rolled up" marker, its charger's day and the
        # network's day (and hour) move together, so a redelivered event cannot count the
        # energy twice. Two stops adding to the network's day at once may cancel one for a
        # conflict: that raises, and the event is delivered again.
        written = conditional(
            self._client.transact_write_items,
            TransactItems=[{"Update": marker}, {"Update": sums}, {"Update": network}],
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
        if granularity == "day":
            return self._periods(NETWORK_KEY, first, last)
        hours: list[EnergyPeriod] = []
        for item in self._items(NETWORK_KEY, first[:10], last[:10]):
            day = item["day"]["S"]
            for hh in (f"{n:02d}" for n in range(24)):
                energy_name, sessions_name = _hour_names(hh)
                period = f"{day}T{hh}:00:00Z"
                if energy_name in item and first <= period <= last:
                    energy = int(item[energy_name]["N"])
                    sessions = int(item.get(sessions_name, {}).get("N", "0"))
                    hours.append(EnergyPeriod(period, energy, sessions))
        return hours

    def _periods(self, partition: str, first: str, last: str) -> list[EnergyPeriod]:
        return [
            EnergyPeriod(
                period=item["day"]["S"],
                energy_wh=int(item.get("energyWh", {}).get("N", "0")),
                sessions=int(item.get("sessions", {}).get("N", "0")),
            )
            for item in self._items(partition, first, last)
        ]

    def _items(self, partition: str, first: str, last: str) -> list[dict[str, Any]]:
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
        items: list[dict[str, Any]] = []
        # Bounded: the callers limit a range to a year of days (a week, by hour).
        while True:
            response = self._client.query(**request)
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
