"""The Certificates table: one item per (station, CSR), keyed (chargePointId, requestKey).

Every write is conditional (docs/adr/0041): the request is put only where none exists, the
signature lands only on a `requested` item, the send counter moves by one from the value the
sender read, and an answer counts only for the send it answers.
"""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, query_all, to_attr, to_item
from shared.models.certificate import StationCertificate


def _item(record: StationCertificate) -> dict[str, Any]:
    return to_item(
        {
            "chargePointId": record.charge_point_id,
            "requestKey": record.request_key,
            "certificateType": record.certificate_type,
            "status": record.status,
            "csr": record.csr,
            "requestedAt": record.requested_at,
            "protocol": record.protocol,
            "sendAttempt": record.send_attempt,
        }
    )


def _record(values: dict[str, Any]) -> StationCertificate:
    return StationCertificate(
        charge_point_id=values["chargePointId"],
        request_key=values["requestKey"],
        certificate_type=values.get("certificateType", "ChargingStationCertificate"),
        status=values.get("status", "requested"),
        csr=values.get("csr", ""),
        requested_at=values.get("requestedAt", ""),
        protocol=values.get("protocol", "ocpp2.0.1"),
        serial=values.get("serialNumber"),
        subject=values.get("subject"),
        not_before=values.get("notBefore"),
        not_after=values.get("notAfter"),
        chain=values.get("chain"),
        issued_at=values.get("issuedAt"),
        send_attempt=int(values.get("sendAttempt", 0)),
        answered_at=values.get("answeredAt"),
    )


class DynamoCertificateStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @staticmethod
    def _key(charge_point_id: str, request_key: str) -> dict[str, Any]:
        return {"chargePointId": {"S": charge_point_id}, "requestKey": {"S": request_key}}

    def request(self, certificate: StationCertificate) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=_item(certificate),
                ConditionExpression="attribute_not_exists(requestKey)",
            )
            is not None
        )

    def get(self, charge_point_id: str, request_key: str) -> StationCertificate | None:
        item = self._client.get_item(
            TableName=self._table, Key=self._key(charge_point_id, request_key), ConsistentRead=True
        ).get("Item")
        return _record(from_item(item)) if item else None

    def issue(self, issued: StationCertificate) -> bool:
        values = {
            ":issued": to_attr("issued"),
            ":requested": to_attr("requested"),
            ":serial": to_attr(issued.serial or ""),
            ":subject": to_attr(issued.subject or ""),
            ":nb": to_attr(issued.not_before or ""),
            ":na": to_attr(issued.not_after or ""),
            ":chain": to_attr(issued.chain or ""),
            ":at": to_attr(issued.issued_at or ""),
        }
        return (
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key=self._key(issued.charge_point_id, issued.request_key),
                UpdateExpression="SET #status = :issued, serialNumber = :serial, "
                "subject = :subject, notBefore = :nb, notAfter = :na, chain = :chain, "
                "issuedAt = :at",
                ConditionExpression="#status = :requested",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
            is not None
        )

    def claim_send(self, charge_point_id: str, request_key: str, attempt: int) -> bool:
        return (
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key=self._key(charge_point_id, request_key),
                UpdateExpression="SET sendAttempt = :next",
                ConditionExpression="sendAttempt = :previous",
                ExpressionAttributeValues={
                    ":next": to_attr(attempt),
                    ":previous": to_attr(attempt - 1),
                },
            )
            is not None
        )

    def answered(
        self, charge_point_id: str, request_key: str, status: str, at: str, attempt: int
    ) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id, request_key),
            UpdateExpression="SET #status = :status, answeredAt = :at",
            ConditionExpression="sendAttempt = :attempt",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":status": to_attr(status),
                ":at": to_attr(at),
                ":attempt": to_attr(attempt),
            },
        )

    def list(self, charge_point_id: str) -> list[StationCertificate]:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="chargePointId = :c",
            ExpressionAttributeValues={":c": {"S": charge_point_id}},
        )
        records = [_record(values) for values in items]
        return sorted(records, key=lambda r: (r.requested_at, r.request_key), reverse=True)
