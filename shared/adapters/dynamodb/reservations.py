"""The Reservations table."""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, query_all, to_attr, to_item
from shared.models.reservation import ReservationRecord


def _from(values: dict[str, Any]) -> ReservationRecord:
    return ReservationRecord(
        charge_point_id=values["chargePointId"],
        reservation_id=int(values["reservationId"]),
        connector_id=int(values["connectorId"]),
        id_tag=values["idTag"],
        expiry_date=values["expiryDate"],
        status=values["status"],
        created_at=values["createdAt"],
        parent_id_tag=values.get("parentIdTag"),
        charger_status=values.get("chargerStatus"),
        transaction_id=values.get("transactionId"),
    )


class DynamoReservationStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, charge_point_id: str, reservation_id: int) -> dict[str, Any]:
        return {
            "chargePointId": {"S": charge_point_id},
            "reservationId": {"S": str(reservation_id)},
        }

    def create(self, record: ReservationRecord) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=to_item(
                    {
                        "chargePointId": record.charge_point_id,
                        "reservationId": str(record.reservation_id),
                        "connectorId": record.connector_id,
                        "idTag": record.id_tag,
                        "parentIdTag": record.parent_id_tag,
                        "expiryDate": record.expiry_date,
                        "status": record.status,
                        "createdAt": record.created_at,
                    }
                ),
                ConditionExpression="attribute_not_exists(reservationId)",
            )
            is not None
        )

    def get(self, charge_point_id: str, reservation_id: int) -> ReservationRecord | None:
        item = self._client.get_item(
            TableName=self._table,
            Key=self._key(charge_point_id, reservation_id),
            ConsistentRead=True,
        ).get("Item")
        return _from(from_item(item)) if item else None

    def update(
        self,
        charge_point_id: str,
        reservation_id: int,
        status: str,
        expected: tuple[str, ...],
        charger_status: str | None = None,
        transaction_id: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {":status": to_attr(status)}
        sets = ["#status = :status"]
        if charger_status is not None:
            sets.append("chargerStatus = :cs")
            values[":cs"] = to_attr(charger_status)
        if transaction_id is not None:
            sets.append("transactionId = :tx")
            values[":tx"] = to_attr(transaction_id)
        allowed = []
        for index, name in enumerate(expected):
            values[f":e{index}"] = to_attr(name)
            allowed.append(f":e{index}")
        return (
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key=self._key(charge_point_id, reservation_id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=f"#status IN ({', '.join(allowed)})",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
            is not None
        )

    def list_for(self, charge_point_id: str) -> list[ReservationRecord]:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="chargePointId = :c",
            ExpressionAttributeValues={":c": {"S": charge_point_id}},
        )
        return [_from(values) for values in items]
