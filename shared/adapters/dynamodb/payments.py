"""The Payments table: one item per provider payment (PaymentIntent or SetupIntent id).

Every write is one conditional request. A provider event adds its id to `seenEvents` in the
same UpdateItem that applies it, so the dedupe marker exists exactly when the change does; a
state never moves to a lower `stateRank` (late events change nothing). Refunds live in a map
keyed by their idempotency key, written only while the map still holds the refunds the caller
saw: two operators refunding at once cannot both pass the "not above what is left" check.
"""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, to_attr, to_item
from shared.models.payment import STATUS_RANK, PaymentRecord, ProviderUpdate, RefundEntry

_FIELDS = {
    "status": "status",
    "currency": "currency",
    "amount_minor": "amountMinor",
    "captured_minor": "capturedMinor",
    "provider_refunded_minor": "providerRefundedMinor",
    "customer_id": "customerId",
    "driver_id": "driverId",
    "session_ref": "sessionRef",
    "payment_method_id": "paymentMethodId",
    "failure_code": "failureCode",
}
_ZEROED = ("amountMinor", "capturedMinor", "refundedMinor", "providerRefundedMinor")


def payment_item(record: PaymentRecord) -> dict[str, Any]:
    values: dict[str, Any] = {
        "paymentId": record.payment_id,
        "kind": record.kind,
        "stateRank": STATUS_RANK[record.status],
        "refundedMinor": record.refunded_minor,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
        "refunds": {
            entry.idempotency_key: _refund_values(entry, n)
            for n, entry in enumerate(record.refunds, 1)
        },
        "seenEvents": record.seen_events,
    }
    values.update({attr: getattr(record, name) for name, attr in _FIELDS.items()})
    return to_item(values)


def payment_from_values(values: dict[str, Any]) -> PaymentRecord:
    refunds = sorted(values.get("refunds", {}).items(), key=lambda kv: int(kv[1].get("n", 0)))
    return PaymentRecord(
        payment_id=values["paymentId"],
        kind=values["kind"],
        status=values["status"],
        currency=values.get("currency", ""),
        amount_minor=int(values.get("amountMinor", 0)),
        captured_minor=int(values.get("capturedMinor", 0)),
        refunded_minor=int(values.get("refundedMinor", 0)),
        provider_refunded_minor=int(values.get("providerRefundedMinor", 0)),
        customer_id=values.get("customerId"),
        driver_id=values.get("driverId"),
        session_ref=values.get("sessionRef"),
        payment_method_id=values.get("paymentMethodId"),
        failure_code=values.get("failureCode"),
        created_at=values.get("createdAt"),
        updated_at=values.get("updatedAt"),
        refunds=tuple(
            RefundEntry(
                idempotency_key=key,
                refund_id=entry["refundId"],
                amount_minor=int(entry["amountMinor"]),
                reason=entry.get("reason", ""),
                operator=entry.get("operator", ""),
                at=entry["at"],
                status=entry.get("status", "succeeded"),
            )
            for key, entry in refunds
        ),
        seen_events=values.get("seenEvents", frozenset()),
    )


def _refund_values(entry: RefundEntry, n: int) -> dict[str, Any]:
    return {
        "n": n,  # the map has no order: the refund's place in the payment's history
        "refundId": entry.refund_id,
        "amountMinor": entry.amount_minor,
        "reason": entry.reason,
        "operator": entry.operator,
        "at": entry.at,
        "status": entry.status,
    }


class DynamoPaymentRecords:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def create(self, record: PaymentRecord) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=payment_item(record),
                ConditionExpression="attribute_not_exists(paymentId)",
            )
            is not None
        )

    def get(self, payment_id: str) -> PaymentRecord | None:
        response = self._client.get_item(
            TableName=self._table, Key={"paymentId": {"S": payment_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        return payment_from_values(from_item(item)) if item else None

    def apply_update(self, update: ProviderUpdate) -> bool:
        names = {"#seen": "seenEvents", "#kind": "kind", "#created": "createdAt"}
        values: dict[str, Any] = {
            ":event": {"SS": [update.event_id]},
            ":eventId": {"S": update.event_id},
            ":kind": {"S": update.kind},
            ":at": {"S": update.at},
            ":zero": {"N": "0"},
            ":none": {"M": {}},
        }
        sets = [
            "#kind = if_not_exists(#kind, :kind)",
            "#created = if_not_exists(#created, :at)",
            "updatedAt = :at",
            "refunds = if_not_exists(refunds, :none)",
        ]
        given = {attr: getattr(update, name) for name, attr in _FIELDS.items()}
        for attr, value in given.items():
            if value is not None:
                names[f"#{attr}"] = attr
                values[f":{attr}"] = to_attr(value)
                sets.append(f"#{attr} = :{attr}")
            elif attr in _ZEROED:
                names[f"#{attr}"] = attr
                sets.append(f"#{attr} = if_not_exists(#{attr}, :zero)")
        names.setdefault("#refundedMinor", "refundedMinor")
        sets.append("#refundedMinor = if_not_exists(#refundedMinor, :zero)")
        conditions = ["(attribute_not_exists(#seen) OR NOT contains(#seen, :eventId))"]
        if update.status is None:
            # A record a refund event creates before any payment event: pending until one comes.
            names["#status"] = "status"
            values[":pending"] = {"S": "pending"}
            values[":rank"] = {"N": "0"}
            sets += [
                "#status = if_not_exists(#status, :pending)",
                "stateRank = if_not_exists(stateRank, :rank)",
            ]
        else:
            values[":rank"] = {"N": str(update.rank)}
            sets.append("stateRank = :rank")
            conditions.append("(attribute_not_exists(stateRank) OR stateRank <= :rank)")
        if update.provider_refunded_minor is not None:
            conditions.append(
                "(attribute_not_exists(#providerRefundedMinor) "
                "OR #providerRefundedMinor < :providerRefundedMinor)"
            )
        return (
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key={"paymentId": {"S": update.payment_id}},
                UpdateExpression="SET " + ", ".join(sets) + " ADD #seen :event",
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
            is not None
        )

    def add_refund(self, payment_id: str, entry: RefundEntry, refunds_before: int) -> bool:
        return (
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key={"paymentId": {"S": payment_id}},
                UpdateExpression="SET refunds.#key = :entry, updatedAt = :at, "
                "refundedMinor = if_not_exists(refundedMinor, :zero) + :amount",
                ConditionExpression="attribute_exists(paymentId) AND size(refunds) = :count "
                "AND attribute_not_exists(refunds.#key)",
                ExpressionAttributeNames={"#key": entry.idempotency_key},
                ExpressionAttributeValues={
                    ":entry": to_attr(_refund_values(entry, refunds_before + 1)),
                    ":at": {"S": entry.at},
                    ":zero": {"N": "0"},
                    ":amount": {"N": str(entry.amount_minor)},
                    ":count": {"N": str(refunds_before)},
                },
            )
            is not None
        )
