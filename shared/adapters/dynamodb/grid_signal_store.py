"""A site's grid signals in the SiteLoads table (docs/adr/0050-grid-signals.md, "Wiring"), in
the site's partition `pk = SITE#<locationId>` beside its electrical model:

- `GRID#SCHEDULE`: the operator's schedule (`document`, JSON text) and `updatedAt`;
- `GRID#SOURCES`: the site's OpenADR and price-feed settings (a secret's name, never a
  secret); while it exists the site is also listed under `pk = GRID#POLLED`,
  `sk = SITE#<locationId>` (written in one transaction), so the poller reads one partition
  instead of scanning the table;
- `SIGNAL#<source>#<group>`: one group's signals (`signals`, JSON text), `receivedAtMs` and
  `expiresAt` (TTL, epoch seconds: a day after its last end; none while open-ended);
- `GRID#WEBHOOK`: the bearer token of the site's VTN notifications (`token`), put once;
- `GRID#LIMIT`: the last limit announced (`fingerprint`, JSON text), its `version`, and while
  its GridLimitChanged is not published yet, `pending` (the event's detail, JSON text): the
  outbox marker, written with the change and removed once published.

A group is written only over one received no later (`receivedAtMs`): a poll never undoes a
notification that overtook it, a redelivered or older notification changes nothing. Reads
leave out what has ended, whether or not TTL has removed it yet.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from shared.adapters.dynamodb.items import conditional, query_all
from shared.ports.grid_signal_store import (
    Document,
    LimitState,
    StoredGridDocument,
    expires_at,
    groups_of,
    signal_document,
    signal_of,
)
from shared.ports.grid_signals import GridSignal, SignalSnapshot, SignalUpdate

SCHEDULE = "GRID#SCHEDULE"
SOURCES = "GRID#SOURCES"
SIGNAL_PREFIX = "SIGNAL#"
POLLED_PK = "GRID#POLLED"
WEBHOOK = "GRID#WEBHOOK"
LIMIT = "GRID#LIMIT"


def site_pk(site_id: str) -> str:
    return f"SITE#{site_id}"


def signal_sk(source: str, group: str) -> str:
    return f"{SIGNAL_PREFIX}{source}#{group}"


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class DynamoGridSignalStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def _key(self, site_id: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": site_pk(site_id)}, "sk": {"S": sk}}

    def _get(self, site_id: str, sk: str) -> StoredGridDocument | None:
        item = self._client.get_item(
            TableName=self._table, Key=self._key(site_id, sk), ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        return StoredGridDocument(
            site_id, json.loads(item["document"]["S"]), item["updatedAt"]["S"]
        )

    def _document_item(
        self, site_id: str, sk: str, document: Document, updated_at: str
    ) -> tuple[dict[str, Any], StoredGridDocument]:
        text = _json(document)
        item = {
            **self._key(site_id, sk),
            "document": {"S": text},
            "updatedAt": {"S": updated_at},
        }
        return item, StoredGridDocument(site_id, json.loads(text), updated_at)

    def _delete(self, site_id: str, sk: str) -> bool:
        response = self._client.delete_item(
            TableName=self._table, Key=self._key(site_id, sk), ReturnValues="ALL_OLD"
        )
        return "Attributes" in response

    def get_schedule(self, site_id: str) -> StoredGridDocument | None:
        return self._get(site_id, SCHEDULE)

    def put_schedule(self, site_id: str, document: Document, updated_at: str) -> StoredGridDocument:
        item, stored = self._document_item(site_id, SCHEDULE, document, updated_at)
        self._client.put_item(TableName=self._table, Item=item)
        return stored

    def delete_schedule(self, site_id: str) -> bool:
        return self._delete(site_id, SCHEDULE)

    def get_sources(self, site_id: str) -> StoredGridDocument | None:
        return self._get(site_id, SOURCES)

    def _polled_key(self, site_id: str) -> dict[str, Any]:
        return {"pk": {"S": POLLED_PK}, "sk": {"S": site_pk(site_id)}}

    def put_sources(self, site_id: str, document: Document, updated_at: str) -> StoredGridDocument:
        item, stored = self._document_item(site_id, SOURCES, document, updated_at)
        self._client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": self._table, "Item": item}},
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {**self._polled_key(site_id), "siteId": {"S": site_id}},
                    }
                },
            ]
        )
        return stored

    def delete_sources(self, site_id: str) -> bool:
        existed = self.get_sources(site_id) is not None
        self._client.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": self._table, "Key": self._key(site_id, SOURCES)}},
                {"Delete": {"TableName": self._table, "Key": self._polled_key(site_id)}},
            ]
        )
        return existed

    def sites_with_sources(self) -> list[str]:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": POLLED_PK}},
        )
        return sorted(str(item["siteId"]) for item in items)

    def _groups(self, site_id: str) -> list[dict[str, Any]]:
        return query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :signal)",
            ExpressionAttributeValues={
                ":pk": {"S": site_pk(site_id)},
                ":signal": {"S": SIGNAL_PREFIX},
            },
            ConsistentRead=True,
        )

    def signals(self, site_id: str, now: datetime) -> list[GridSignal]:
        found: list[GridSignal] = []
        for item in self._groups(site_id):
            for data in json.loads(item["signals"]):
                signal = signal_of(data)
                if signal.end is None or signal.end > now:
                    found.append(signal)
        return found

    def _put_group(
        self,
        site_id: str,
        source: str,
        group: str,
        signals: list[GridSignal],
        received_at: datetime,
        condition: str,
    ) -> bool:
        item: dict[str, Any] = {
            **self._key(site_id, signal_sk(source, group)),
            "source": {"S": source},
            "group": {"S": group},
            "signals": {"S": _json([signal_document(s) for s in signals])},
            "receivedAtMs": {"N": str(_ms(received_at))},
        }
        expiry = expires_at(signals, received_at)
        if expiry is not None:
            item["expiresAt"] = {"N": str(expiry)}
        written = conditional(
            self._client.put_item,
            TableName=self._table,
            Item=item,
            ConditionExpression=f"attribute_not_exists(pk) OR {condition}",
            ExpressionAttributeValues={":at": {"N": str(_ms(received_at))}},
        )
        return written is not None

    def put_snapshot(self, site_id: str, snapshot: SignalSnapshot) -> None:
        fresh = groups_of(snapshot.signals)
        at = str(_ms(snapshot.received_at))
        for item in self._groups(site_id):
            if item["source"] == snapshot.source and item["group"] not in fresh:
                conditional(
                    self._client.delete_item,
                    TableName=self._table,
                    Key=self._key(site_id, str(item["sk"])),
                    ConditionExpression="receivedAtMs <= :at",
                    ExpressionAttributeValues={":at": {"N": at}},
                )
        for group, signals in fresh.items():
            self._put_group(
                site_id, snapshot.source, group, signals, snapshot.received_at,
                "receivedAtMs <= :at",
            )  # fmt: skip

    def put_update(self, site_id: str, update: SignalUpdate) -> bool:
        signals = [] if update.deleted else list(update.signals)
        return self._put_group(
            site_id, update.source, update.group, signals, update.received_at,
            "receivedAtMs < :at",
        )  # fmt: skip

    def webhook_token(self, site_id: str, create: bool = False) -> str | None:
        item = self._client.get_item(
            TableName=self._table, Key=self._key(site_id, WEBHOOK), ConsistentRead=True
        ).get("Item")
        if item is not None or not create:
            return None if item is None else str(item["token"]["S"])
        token = secrets.token_urlsafe(32)
        written = conditional(
            self._client.put_item,
            TableName=self._table,
            Item={**self._key(site_id, WEBHOOK), "token": {"S": token}},
            ConditionExpression="attribute_not_exists(pk)",
        )
        # Another caller made one first: theirs is the token.
        return token if written is not None else self.webhook_token(site_id)

    def limit_state(self, site_id: str) -> LimitState | None:
        item = self._client.get_item(
            TableName=self._table, Key=self._key(site_id, LIMIT), ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        pending = item.get("pending")
        return LimitState(
            json.loads(item["fingerprint"]["S"]),
            int(item["version"]["N"]),
            json.loads(pending["S"]) if pending else None,
        )

    def put_limit_state(
        self,
        site_id: str,
        fingerprint: dict[str, Any],
        pending: dict[str, Any],
        expected_version: int | None,
    ) -> LimitState | None:
        version = (expected_version or 0) + 1
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if expected_version is None
            else {
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            }
        )
        written = conditional(
            self._client.put_item,
            TableName=self._table,
            Item={
                **self._key(site_id, LIMIT),
                "fingerprint": {"S": _json(fingerprint)},
                "version": {"N": str(version)},
                "pending": {"S": _json(pending)},
            },
            **condition,
        )
        if written is None:
            return None
        return LimitState(json.loads(_json(fingerprint)), version, json.loads(_json(pending)))

    def clear_pending(self, site_id: str, version: int) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(site_id, LIMIT),
            UpdateExpression="REMOVE pending",
            ConditionExpression="version = :version",
            ExpressionAttributeValues={":version": {"N": str(version)}},
        )
