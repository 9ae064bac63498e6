"""The SiteLoads table (docs/adr/0047-site-electrical-model-storage.md): one partition per site,
`pk = SITE#<locationId>`, items told apart by their sort key:

- `MODEL`: the electrical model's plain form as JSON text (`document`, EVSEs without live
  state), its `revision` and `updatedAt`;
- `EVSE#<chargePointId>#<evseNumber>`: an EVSE's live state (`live`, JSON text) and the time
  of the event it came from (`eventAtMs`), plus the address as attributes;
- `ALLOCATION`: the last allocation's plain form (`document`) and its time (`atMs`).

JSON text keeps the amperes exactly as written (31.7 stays 31.7) without Decimal
conversions. Every write is conditional: the model on its revision, a live state and the
allocation on being newer than what is stored, so a redelivered or late event changes
nothing. One Query reads a whole site.
"""

from __future__ import annotations

import json
from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, query_all
from shared.ports.site_loads import (
    Document,
    EvseAddress,
    SiteRecords,
    StoredAllocation,
    StoredLive,
    StoredModel,
)

MODEL = "MODEL"
ALLOCATION = "ALLOCATION"
EVSE_PREFIX = "EVSE#"


def site_pk(site_id: str) -> str:
    return f"SITE#{site_id}"


def live_sk(address: EvseAddress) -> str:
    return f"{EVSE_PREFIX}{address[0]}#{address[1]}"


def _json(value: Document) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _model(site_id: str, values: dict[str, Any]) -> StoredModel:
    return StoredModel(
        site_id=site_id,
        document=json.loads(values["document"]),
        revision=int(values["revision"]),
        updated_at=str(values["updatedAt"]),
    )


class DynamoSiteLoadStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def _key(self, site_id: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": site_pk(site_id)}, "sk": {"S": sk}}

    def snapshot(self, site_id: str) -> SiteRecords:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": site_pk(site_id)}},
            ConsistentRead=True,
        )
        model: StoredModel | None = None
        allocation: StoredAllocation | None = None
        live: dict[EvseAddress, StoredLive] = {}
        for values in items:
            sk = values["sk"]
            if sk == MODEL:
                model = _model(site_id, values)
            elif sk == ALLOCATION:
                allocation = StoredAllocation(json.loads(values["document"]), int(values["atMs"]))
            elif sk.startswith(EVSE_PREFIX):
                address = (str(values["chargePointId"]), int(values["evseId"]))
                live[address] = StoredLive(json.loads(values["live"]), int(values["eventAtMs"]))
        return SiteRecords(model, live, allocation)

    def get_model(self, site_id: str) -> StoredModel | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(site_id, MODEL), ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else _model(site_id, from_item(item))

    def put_model(
        self, site_id: str, document: Document, expected_revision: int | None, updated_at: str
    ) -> StoredModel | None:
        revision = 1 if expected_revision is None else expected_revision + 1
        text = _json(document)
        item = {
            **self._key(site_id, MODEL),
            "document": {"S": text},
            "revision": {"N": str(revision)},
            "updatedAt": {"S": updated_at},
        }
        condition: dict[str, Any]
        if expected_revision is None:
            condition = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "revision = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(expected_revision)}},
            }
        written = conditional(self._client.put_item, TableName=self._table, Item=item, **condition)
        if written is None:
            return None
        return StoredModel(site_id, json.loads(text), revision, updated_at)

    def delete_model(self, site_id: str, expected_revision: int) -> bool:
        done = conditional(
            self._client.transact_write_items,
            TransactItems=[
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": self._key(site_id, MODEL),
                        "ConditionExpression": "revision = :expected",
                        "ExpressionAttributeValues": {":expected": {"N": str(expected_revision)}},
                    }
                },
                {"Delete": {"TableName": self._table, "Key": self._key(site_id, ALLOCATION)}},
            ],
        )
        return done is not None

    def put_live(
        self, site_id: str, address: EvseAddress, live: Document, event_at_ms: int
    ) -> bool:
        item = {
            **self._key(site_id, live_sk(address)),
            "chargePointId": {"S": address[0]},
            "evseId": {"N": str(address[1])},
            "live": {"S": _json(live)},
            "eventAtMs": {"N": str(event_at_ms)},
        }
        return self._put_if_newer(item, "eventAtMs", event_at_ms)

    def put_allocation(self, site_id: str, document: Document, at_ms: int) -> bool:
        item = {
            **self._key(site_id, ALLOCATION),
            "document": {"S": _json(document)},
            "atMs": {"N": str(at_ms)},
        }
        return self._put_if_newer(item, "atMs", at_ms)

    def _put_if_newer(self, item: dict[str, Any], time_attribute: str, at_ms: int) -> bool:
        written = conditional(
            self._client.put_item,
            TableName=self._table,
            Item=item,
            ConditionExpression=f"attribute_not_exists(pk) OR {time_attribute} < :at",
            ExpressionAttributeValues={":at": {"N": str(at_ms)}},
        )
        return written is not None
