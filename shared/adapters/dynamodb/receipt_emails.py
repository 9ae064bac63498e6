"""The e-mail state of a receipt, kept on the receipt's own item (the Receipts table):
`emailStatus`, `emailClaimId`, `emailClaimedAtMs`, `emailMessageId`, `emailSentAtMs`,
`emailSkipReason`. Every change is conditional on the state it comes from."""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional
from shared.ports.receipt_mail import EmailClaim

_STATUSES = ("sent", "skipped")


class DynamoReceiptEmailLog:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, charge_point_id: str, transaction_id: str) -> dict[str, Any]:
        return {"chargePointId": {"S": charge_point_id}, "transactionId": {"S": transaction_id}}

    def claim(
        self,
        charge_point_id: str,
        transaction_id: str,
        claim_id: str,
        now_ms: int,
        stale_before_ms: int,
    ) -> EmailClaim:
        key = self._key(charge_point_id, transaction_id)
        claimed = conditional(
            self._client.update_item,
            TableName=self._table,
            Key=key,
            UpdateExpression="SET emailStatus = :sending, emailClaimId = :claim, "
            "emailClaimedAtMs = :now",
            # The receipt must exist (an update would otherwise create a bare item), and no
            # attempt may hold a claim younger than the lease.
            ConditionExpression="attribute_exists(transactionId) AND "
            "(attribute_not_exists(emailStatus) OR "
            "(emailStatus = :sending AND emailClaimedAtMs < :stale))",
            ExpressionAttributeValues={
                ":sending": {"S": "sending"},
                ":claim": {"S": claim_id},
                ":now": {"N": str(now_ms)},
                ":stale": {"N": str(stale_before_ms)},
            },
        )
        if claimed is not None:
            return EmailClaim("claimed", claim_id)
        item = self._client.get_item(
            TableName=self._table,
            Key=key,
            ProjectionExpression="emailStatus",
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return EmailClaim("missing")
        status = item.get("emailStatus", {}).get("S")
        return EmailClaim(status if status in _STATUSES else "busy")

    def mark_sent(
        self, charge_point_id: str, transaction_id: str, claim_id: str, message_id: str, now_ms: int
    ) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=self._key(charge_point_id, transaction_id),
            UpdateExpression="SET emailStatus = :sent, emailMessageId = :message, "
            "emailSentAtMs = :now REMOVE emailClaimId, emailClaimedAtMs",
            ConditionExpression="emailClaimId = :claim",
            ExpressionAttributeValues={
                ":sent": {"S": "sent"},
                ":message": {"S": message_id},
                ":now": {"N": str(now_ms)},
                ":claim": {"S": claim_id},
            },
        )

    def mark_skipped(
        self, charge_point_id: str, transaction_id: str, claim_id: str, reason: str
    ) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id, transaction_id),
            UpdateExpression="SET emailStatus = :skipped, emailSkipReason = :reason "
            "REMOVE emailClaimId, emailClaimedAtMs",
            ConditionExpression="emailClaimId = :claim",
            ExpressionAttributeValues={
                ":skipped": {"S": "skipped"},
                ":reason": {"S": reason},
                ":claim": {"S": claim_id},
            },
        )

    def release(self, charge_point_id: str, transaction_id: str, claim_id: str) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id, transaction_id),
            UpdateExpression="REMOVE emailStatus, emailClaimId, emailClaimedAtMs",
            ConditionExpression="emailClaimId = :claim",
            ExpressionAttributeValues={":claim": {"S": claim_id}},
        )
