"""The Locations table (docs/adr/0022-locations-and-geo-search.md).

Two kinds of item share the partition key `locationId`:

- a location: its whole OCPI-shaped document as JSON text, its `version`, and the geo index
  attributes (`geoCell`, `geohash`, `latitude`, `longitude`, `offers`, `publish`);
- a charger's claim, `locationId = "@charger:<chargePointId>"`, `claimedBy = <location id>`:
  one per charger, so a charger belongs to one location at most. Location ids cannot start
  with "@", and claims hold no `geoCell`, so they stay out of the geo index.

A location and the claims it takes or gives up are written in one TransactWriteItems:
the location conditional on its version, each claim conditional on being free or already its.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from shared.adapters.aws_clients import error_code
from shared.adapters.dynamodb.items import TRANSACTION_CANCELED, from_item, query_all
from shared.adapters.dynamodb.paging import encode_cursor, filters, read_page, start_key
from shared.models.location import Location, location_document, location_from_document
from shared.ports import Page
from shared.ports.locations import (
    GEOHASH_PRECISION,
    INDEX_CELL_PRECISION,
    GeoEntry,
    SaveOutcome,
)
from shared.timeutil import iso_utc, utc_now

GEO_INDEX = "ByGeoCell"
CLAIM_PREFIX = "@charger:"
_KEY = ("locationId",)


def claim_key(charge_point_id: str) -> dict[str, Any]:
    return {"locationId": {"S": CLAIM_PREFIX + charge_point_id}}


def location_item(location: Location, geohash: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "locationId": {"S": location.location_id},
        "version": {"N": str(location.version)},
        "document": {"S": json.dumps(location_document(location), separators=(",", ":"))},
        "geoCell": {"S": geohash[:INDEX_CELL_PRECISION]},
        "geohash": {"S": geohash[:GEOHASH_PRECISION]},
        "latitude": {"N": repr(float(location.coordinates.latitude))},
        "longitude": {"N": repr(float(location.coordinates.longitude))},
        "publish": {"BOOL": location.publish},
    }
    offers = location.offers()
    if offers:  # a string set is never empty
        item["offers"] = {"SS": sorted(f"{s}={w}" for s, w in offers.items())}
    return item


def geo_entry(values: dict[str, Any]) -> GeoEntry:
    offers: dict[str, int] = {}
    for offer in values.get("offers", ()):
        standard, _, power = offer.partition("=")
        offers[standard] = int(power)
    return GeoEntry(
        location_id=values["locationId"],
        latitude=float(values["latitude"]),
        longitude=float(values["longitude"]),
        offers=offers,
        publish=bool(values.get("publish", True)),
    )


class DynamoLocationRepository:
    def __init__(
        self, client: Any, table_name: str, encode_geohash: Callable[[float, float, int], str]
    ) -> None:
        # The geohash function is handed in (shared.locations.geohash.encode): adapters do
        # not import the domain.
        self._client = client
        self._table = table_name
        self._geohash = encode_geohash

    def get(self, location_id: str) -> Location | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={"locationId": {"S": location_id}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        if not item or "document" not in item:
            return None
        return location_from_document(json.loads(item["document"]["S"]))

    def save(self, location: Location, previous: Location | None) -> SaveOutcome:
        point = location.coordinates
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": location_item(
                location, self._geohash(point.latitude, point.longitude, GEOHASH_PRECISION)
            ),
        }
        if previous is None:
            put["ConditionExpression"] = "attribute_not_exists(locationId)"
        else:
            put["ConditionExpression"] = "version = :v"
            put["ExpressionAttributeValues"] = {":v": {"N": str(previous.version)}}
        before = previous.charger_ids if previous else frozenset()
        return self._transact(
            {"Put": put},
            location.location_id,
            claim=sorted(location.charger_ids - before),
            release=sorted(before - location.charger_ids),
        )

    def delete(self, location: Location) -> SaveOutcome:
        remove = {
            "TableName": self._table,
            "Key": {"locationId": {"S": location.location_id}},
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(location.version)}},
        }
        return self._transact(
            {"Delete": remove},
            location.location_id,
            claim=[],
            release=sorted(location.charger_ids),
        )

    def _transact(
        self, first: dict[str, Any], location_id: str, claim: list[str], release: list[str]
    ) -> SaveOutcome:
        mine = {":me": {"S": location_id}}
        free_or_mine = "attribute_not_exists(locationId) OR claimedBy = :me"
        actions: list[dict[str, Any]] = [first]
        stamp = iso_utc(utc_now())
        for charge_point_id in claim:
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {
                            **claim_key(charge_point_id),
                            "claimedBy": {"S": location_id},
                            "claimedAt": {"S": stamp},
                        },
                        "ConditionExpression": free_or_mine,
                        "ExpressionAttributeValues": mine,
                    }
                }
            )
        for charge_point_id in release:
            actions.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": claim_key(charge_point_id),
                        "ConditionExpression": free_or_mine,
                        "ExpressionAttributeValues": mine,
                    }
                }
            )
        try:
            self._client.transact_write_items(TransactItems=actions)
        except Exception as exc:
            if error_code(exc) != TRANSACTION_CANCELED:
                raise
            return self._why_cancelled(exc, location_id, claim)
        return SaveOutcome(saved=True)

    def _why_cancelled(self, exc: Exception, location_id: str, claim: list[str]) -> SaveOutcome:
        reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
        codes = [str(reason.get("Code", "None")) for reason in reasons]
        if not codes or not set(codes) <= {"ConditionalCheckFailed", "None"}:
            raise exc  # a conflict or throttling: the caller retries, nothing is known
        if codes[0] == "ConditionalCheckFailed":
            return SaveOutcome(saved=False, stale=True)
        for index, code in enumerate(codes[1 : 1 + len(claim)]):
            if code == "ConditionalCheckFailed":
                charge_point_id = claim[index]
                return SaveOutcome(
                    saved=False, taken=(charge_point_id, self.owner_of(charge_point_id) or "?")
                )
        # A release found the claim held by another location: the data drifted; refuse.
        return SaveOutcome(saved=False, stale=True)

    def owner_of(self, charge_point_id: str) -> str | None:
        response = self._client.get_item(
            TableName=self._table, Key=claim_key(charge_point_id), ConsistentRead=True
        )
        item = response.get("Item")
        return str(from_item(item)["claimedBy"]) if item else None

    def in_cell(self, cell: str) -> list[GeoEntry]:
        values: dict[str, Any] = {":p": {"S": cell[:INDEX_CELL_PRECISION]}}
        condition = "geoCell = :p"
        if len(cell) > INDEX_CELL_PRECISION:
            condition += " AND begins_with(geohash, :c)"
            values[":c"] = {"S": cell}
        items = query_all(
            self._client,
            TableName=self._table,
            IndexName=GEO_INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
        )
        return [geo_entry(values) for values in items]

    def list_page(self, limit: int, cursor: str | None) -> Page[Location]:
        # A bounded page of a scan: an operator listing, never a hot path. Claims are skipped.
        items, last = read_page(
            self._client.scan,
            {
                "TableName": self._table,
                **filters(["attribute_exists(#d)"], {"#d": "document"}, {}),
            },
            limit,
            start_key(cursor, _KEY),
            _KEY,
        )
        return Page(
            [location_from_document(json.loads(item["document"]["S"])) for item in items],
            encode_cursor(last),
        )
