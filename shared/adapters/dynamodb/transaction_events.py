"""The TransactionEvents table: (station, transactionId, seqNo) of 2.0.1 events seen (TTL)."""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional, to_item


class DynamoTransactionEventLog:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def first_time(
        self, charge_point_id: str, transaction_id: str, seq_no: int, expires_at: int
    ) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=to_item(
                    {
                        "transactionKey": f"{charge_point_id}#{transaction_id}",
                        "seqNo": seq_no,
                        "expiresAt": expires_at,
                    }
                ),
                ConditionExpression="attribute_not_exists(seqNo)",
            )
            is not None
        )
