"""Firmware images in the Firmware table (docs/adr/0045): `IMAGE#<id>` / `IMAGE`, with
`kind`="image" and `createdAt` for the ByKind index (newest first). Created once
(conditional put); awaiting_upload -> available is one conditional update, a no-op again."""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, to_attr, to_item
from shared.adapters.dynamodb.paging import encode_cursor, read_page, start_key
from shared.models.firmware import FirmwareImage
from shared.ports.paging import Page

KIND = "image"
_SK = "IMAGE"
_INDEX_KEYS = ("pk", "sk", "kind", "createdAt")


def image_key(image_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"IMAGE#{image_id}"}, "sk": {"S": _SK}}


def _item(image: FirmwareImage) -> dict[str, Any]:
    return to_item(
        {
            "pk": f"IMAGE#{image.image_id}",
            "sk": _SK,
            "kind": KIND,
            "imageId": image.image_id,
            "version": image.version,
            "fileName": image.file_name,
            "sha256": image.sha256,
            "status": image.status,
            "createdAt": image.created_at,
            "vendor": image.vendor,
            "model": image.model,
            "sizeBytes": image.size_bytes,
            "signingCertificate": image.signing_certificate,
            "signature": image.signature,
            "createdBy": image.created_by,
        }
    )


def _image(values: dict[str, Any]) -> FirmwareImage:
    size = values.get("sizeBytes")
    return FirmwareImage(
        image_id=values["imageId"],
        version=values["version"],
        file_name=values["fileName"],
        sha256=values["sha256"],
        status=values.get("status", "awaiting_upload"),
        created_at=values["createdAt"],
        vendor=values.get("vendor"),
        model=values.get("model"),
        size_bytes=int(size) if size is not None else None,
        signing_certificate=values.get("signingCertificate"),
        signature=values.get("signature"),
        created_by=values.get("createdBy"),
    )


class DynamoFirmwareImages:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def create(self, image: FirmwareImage) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=_item(image),
                ConditionExpression="attribute_not_exists(pk)",
            )
            is not None
        )

    def get(self, image_id: str) -> FirmwareImage | None:
        item = self._client.get_item(
            TableName=self._table, Key=image_key(image_id), ConsistentRead=True
        ).get("Item")
        return _image(from_item(item)) if item else None

    def mark_available(self, image_id: str, size_bytes: int) -> FirmwareImage | None:
        response = conditional(
            self._client.update_item,
            TableName=self._table,
            Key=image_key(image_id),
            UpdateExpression="SET #status = :available, sizeBytes = :size",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":available": to_attr("available"),
                ":size": to_attr(size_bytes),
            },
            ReturnValues="ALL_NEW",
        )
        if response is None:
            return None
        return _image(from_item(response["Attributes"]))

    def list(self, limit: int, cursor: str | None = None) -> Page[FirmwareImage]:
        start = start_key(cursor, _INDEX_KEYS, {"kind": KIND})
        request = {
            "TableName": self._table,
            "IndexName": "ByKind",
            "KeyConditionExpression": "kind = :kind",
            "ExpressionAttributeValues": {":kind": to_attr(KIND)},
            "ScanIndexForward": False,
        }
        items, last = read_page(self._client.query, request, limit, start, _INDEX_KEYS)
        return Page([_image(from_item(item)) for item in items], encode_cursor(last))
