"""The TransactionEvents table: (station, transactionId, seqNo) of 2.0.1 events done (TTL)."""

from __future__ import annotations

import time
from typing import Any

from shared.adapters.dynamodb.items import to_item


class DynamoTransactionEventLog:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @staticmethod
    def _key(charge_point_id: str, transaction_id: str, seq_no: int) -> dict[str, Any]:
        return {
            "transactionKey": {"S": f"{charge_point_id}#{transaction_id}"},
            "seqNo": {"N": str(seq_no)},
        }

    def seen(self, charge_point_id: str, transaction_id: str, seq_no: int) -> bool:
        item = self._client.get_item(
            TableName=self._table,
            Key=self._key(charge_point_id, transaction_id, seq_no),
            ConsistentRead=True,
        ).get("Item")
        # TTL deletion is lazy: an expired marker is absent.
        return bool(item) and int(item.get("expiresAt", {}).get("N", "0")) > time.time()

    def record(
        self, charge_point_id: str, transaction_id: str, seq_no: int, expires_at: int
    ) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "transactionKey": f"{charge_point_id}#{transaction_id}",
                    "seqNo": seq_no,
                    "expiresAt": expires_at,
                }
            ),
        )
