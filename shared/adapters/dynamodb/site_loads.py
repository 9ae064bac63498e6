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
    AllocationWithoutTime,
    EvseAddress,
    LiveState,
    SiteSnapshot,
    StoredSite,
    model_document,
)
from shared.smart_charging.allocation import Allocation
from shared.smart_charging.site import EvseLive, Site
from shared.timeutil import to_epoch_ms

MODEL = "MODEL"
ALLOCATION = "ALLOCATION"
EVSE_PREFIX = "EVSE#"


def site_pk(site_id: str) -> str:
    return f"SITE#{site_id}"


def live_sk(address: EvseAddress) -> str:
    return f"{EVSE_PREFIX}{address[0]}#{address[1]}"


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _stored_site(values: dict[str, Any]) -> StoredSite:
    return StoredSite(
        site=Site.from_dict(json.loads(values["document"])),
        revision=int(values["revision"]),
        updated_at=str(values["updatedAt"]),
    )


class DynamoSiteLoadStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def _key(self, site_id: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": site_pk(site_id)}, "sk": {"S": sk}}

    def snapshot(self, site_id: str) -> SiteSnapshot:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": site_pk(site_id)}},
            ConsistentRead=True,
        )
        model: StoredSite | None = None
        allocation: Allocation | None = None
        live: dict[EvseAddress, LiveState] = {}
        for values in items:
            sk = values["sk"]
            if sk == MODEL:
                model = _stored_site(values)
            elif sk == ALLOCATION:
                allocation = Allocation.from_dict(json.loads(values["document"]))
            elif sk.startswith(EVSE_PREFIX):
                address = (str(values["chargePointId"]), int(values["evseId"]))
                live[address] = LiveState(
                    EvseLive.from_dict(json.loads(values["live"])), int(values["eventAtMs"])
                )
        return SiteSnapshot(model, live, allocation)

    def get_model(self, site_id: str) -> StoredSite | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(site_id, MODEL), ConsistentRead=True
        )
        item = response.get("Item")
        if item is None:
            return None
        return _stored_site(from_item(item))

    def put_model(
        self, site: Site, expected_revision: int | None, updated_at: str
    ) -> StoredSite | None:
        revision = 1 if expected_revision is None else expected_revision + 1
        item = {
            **self._key(site.id, MODEL),
            "siteId": {"S": site.id},
            "document": {"S": _json(model_document(site))},
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
        return StoredSite(Site.from_dict(model_document(site)), revision, updated_at)

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
        self, site_id: str, address: EvseAddress, live: EvseLive, event_at_ms: int
    ) -> bool:
        item = {
            **self._key(site_id, live_sk(address)),
            "chargePointId": {"S": address[0]},
            "evseId": {"N": str(address[1])},
            "live": {"S": _json(live.to_dict())},
            "eventAtMs": {"N": str(event_at_ms)},
        }
        written = conditional(
            self._client.put_item,
            TableName=self._table,
            Item=item,
            ConditionExpression="attribute_not_exists(pk) OR eventAtMs < :at",
            ExpressionAttributeValues={":at": {"N": str(event_at_ms)}},
        )
        return written is not None

    def put_allocation(self, site_id: str, allocation: Allocation) -> bool:
        if allocation.at is None:
            raise AllocationWithoutTime("an allocation is stored with its time")
        at_ms = to_epoch_ms(allocation.at)
        item = {
            **self._key(site_id, ALLOCATION),
            "document": {"S": _json(allocation.to_dict())},
            "atMs": {"N": str(at_ms)},
        }
        written = conditional(
            self._client.put_item,
            TableName=self._table,
            Item=item,
            ConditionExpression="attribute_not_exists(pk) OR atMs < :at",
            ExpressionAttributeValues={":at": {"N": str(at_ms)}},
        )
        return written is not None
