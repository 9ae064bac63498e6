"""The chargers' file tokens and upload jobs in the Firmware table (docs/adr/0045):
`FILE#<token>` / `FILE` (TTL `expiresAt`; an expired one is absent on read), and
`CHARGER#<cp>` / `UPLOAD#<requestId, 10 digits>` (sorted oldest to newest).

Writes: a token is put once under a new random name; a job is put only where none exists;
a status is appended only when it differs from the job's latest (a replayed report changes
nothing) and only on an existing job; the file's key and size are set (a repeated upload
sets the same values)."""

from __future__ import annotations

import time
from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, to_attr, to_item
from shared.models.files import FileToken, UploadJob, UploadStatus

_FILE_SK = "FILE"


def _token_key(token: str) -> dict[str, Any]:
    return {"pk": {"S": f"FILE#{token}"}, "sk": {"S": _FILE_SK}}


def _job_key(charge_point_id: str, request_id: int) -> dict[str, Any]:
    return {"pk": {"S": f"CHARGER#{charge_point_id}"}, "sk": {"S": f"UPLOAD#{request_id:010d}"}}


def _job(values: dict[str, Any]) -> UploadJob:
    size = values.get("sizeBytes")
    return UploadJob(
        charge_point_id=values["chargePointId"],
        request_id=int(values["requestId"]),
        kind=values["uploadKind"],
        requested_at=values["requestedAt"],
        key_prefix=values["keyPrefix"],
        requested_by=values.get("requestedBy"),
        file_name=values.get("fileName"),
        status=values.get("status"),
        status_at=values.get("statusAt"),
        statuses=tuple(
            UploadStatus(entry["status"], entry["at"]) for entry in values.get("statuses", [])
        ),
        object_key=values.get("objectKey"),
        size_bytes=int(size) if size is not None else None,
        uploaded_at=values.get("uploadedAt"),
    )


class DynamoFileTokens:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put_token(self, token: FileToken) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": f"FILE#{token.token}",
                    "sk": _FILE_SK,
                    "tokenKind": token.kind,
                    "objectKey": token.key,
                    "expiresAt": token.expires_at,
                    "chargePointId": token.charge_point_id,
                    "requestId": token.request_id,
                }
            ),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get_token(self, token: str) -> FileToken | None:
        item = self._client.get_item(TableName=self._table, Key=_token_key(token)).get("Item")
        if not item:
            return None
        values = from_item(item)
        found = FileToken(
            token=token,
            kind=values["tokenKind"],
            key=values["objectKey"],
            expires_at=int(values["expiresAt"]),
            charge_point_id=values.get("chargePointId"),
            request_id=values.get("requestId"),
        )
        # TTL deletion is lazy: an expired token is absent.
        return None if found.expired(time.time()) else found


class DynamoUploadJobs:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def create(self, job: UploadJob) -> bool:
        item = to_item(
            {
                "pk": f"CHARGER#{job.charge_point_id}",
                "sk": f"UPLOAD#{job.request_id:010d}",
                "chargePointId": job.charge_point_id,
                "requestId": job.request_id,
                "uploadKind": job.kind,
                "requestedAt": job.requested_at,
                "keyPrefix": job.key_prefix,
                "requestedBy": job.requested_by,
            }
        )
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
            )
            is not None
        )

    def get(self, charge_point_id: str, request_id: int) -> UploadJob | None:
        item = self._client.get_item(
            TableName=self._table, Key=_job_key(charge_point_id, request_id), ConsistentRead=True
        ).get("Item")
        return _job(from_item(item)) if item else None

    def _query(self, charge_point_id: str, limit: int) -> list[UploadJob]:
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :upload)",
            ExpressionAttributeValues={
                ":pk": to_attr(f"CHARGER#{charge_point_id}"),
                ":upload": to_attr("UPLOAD#"),
            },
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )
        return [_job(from_item(item)) for item in response.get("Items", [])]

    def latest(self, charge_point_id: str) -> UploadJob | None:
        found = self._query(charge_point_id, 1)
        return found[0] if found else None

    def list(self, charge_point_id: str, limit: int) -> list[UploadJob]:
        return self._query(charge_point_id, limit)

    def answered(self, charge_point_id: str, request_id: int, file_name: str | None) -> None:
        if file_name is None:
            return
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=_job_key(charge_point_id, request_id),
            UpdateExpression="SET fileName = :name",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":name": to_attr(file_name)},
        )

    def record_status(self, charge_point_id: str, request_id: int, status: str, at: str) -> bool:
        return (
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key=_job_key(charge_point_id, request_id),
                UpdateExpression="SET #status = :status, statusAt = :at, "
                "statuses = list_append(if_not_exists(statuses, :none), :entry)",
                ConditionExpression="attribute_exists(pk) AND "
                "(attribute_not_exists(#status) OR #status <> :status)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":status": to_attr(status),
                    ":at": to_attr(at),
                    ":none": {"L": []},
                    ":entry": to_attr([{"status": status, "at": at}]),
                },
            )
            is not None
        )

    def record_file(
        self, charge_point_id: str, request_id: int, key: str, size_bytes: int, at: str
    ) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=_job_key(charge_point_id, request_id),
            UpdateExpression="SET objectKey = :key, sizeBytes = :size, uploadedAt = :at",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={
                ":key": to_attr(key),
                ":size": to_attr(size_bytes),
                ":at": to_attr(at),
            },
        )
