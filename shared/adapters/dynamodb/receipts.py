"""The Receipts table: one item per settled session, keyed like the session."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from shared.adapters.dynamodb.items import camel, conditional, from_item, to_item
from shared.models.receipt import Receipt, ReceiptLine

_FIELDS = {f.name: camel(f.name) for f in dataclasses.fields(Receipt)}


def _item(receipt: Receipt) -> dict[str, Any]:
    values: dict[str, Any] = {
        _FIELDS[f.name]: getattr(receipt, f.name) for f in dataclasses.fields(Receipt)
    }
    values["lines"] = json.dumps([dataclasses.asdict(line) for line in receipt.lines])
    values["paymentIds"] = frozenset(receipt.payment_ids)
    return to_item(values)


def _receipt(values: dict[str, Any]) -> Receipt:
    names = {attribute: name for name, attribute in _FIELDS.items()}
    fields = {names[k]: v for k, v in values.items() if k in names}
    fields["lines"] = tuple(ReceiptLine(**line) for line in json.loads(values["lines"]))
    fields["payment_ids"] = tuple(sorted(values.get("paymentIds", ())))
    return Receipt(**fields)


class DynamoReceiptStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def create(self, receipt: Receipt) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=_item(receipt),
                ConditionExpression="attribute_not_exists(transactionId)",
            )
            is not None
        )

    def get(self, charge_point_id: str, transaction_id: str) -> Receipt | None:
        item = self._client.get_item(
            TableName=self._table,
            Key={"chargePointId": {"S": charge_point_id}, "transactionId": {"S": transaction_id}},
            ConsistentRead=True,
        ).get("Item")
        return _receipt(from_item(item)) if item else None
