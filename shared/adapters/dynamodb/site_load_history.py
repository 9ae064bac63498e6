"""A site's load history in the SiteLoads table (docs/adr/0053-console-site-view.md), beside
the site's model, live states and allocation (shared/adapters/dynamodb/site_loads.py), in the
site's partition `pk = SITE#<locationId>`:

- `sk = LOAD#<UTC minute>` (`LOAD#2026-12-07T09:20Z`): one item per site and minute, written
  with an unconditional PutItem, so a later allocation of the minute replaces the earlier one
  and a redelivered one writes the same item again;
- `nodes`: JSON text, one `[nodeId, [L1, L2, L3] limit or null, [L1, L2, L3] load]` per node
  (about 40 bytes a node: a 20-node site's day is 1,440 items of under 1 KB);
- `expiresAt`: epoch seconds 8 days after the minute, the table's TTL attribute.

The site's other items never start with `LOAD#`, so a range Query on the sort key reads
samples only, and only the site's own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from shared.adapters.dynamodb.items import query_all
from shared.ports.site_load_history import (
    RETENTION,
    AllocationLoads,
    LoadSample,
    NodeSample,
    minute_of,
    sample_of,
)

LOAD_PREFIX = "LOAD#"
MINUTE_FORMAT = "%Y-%m-%dT%H:%MZ"


def site_pk(site_id: str) -> str:
    return f"SITE#{site_id}"


def load_sk(minute: datetime) -> str:
    return f"{LOAD_PREFIX}{minute_of(minute).strftime(MINUTE_FORMAT)}"


def _phases(values: Any) -> tuple[float, float, float]:
    return (float(values[0]), float(values[1]), float(values[2]))


def encode_nodes(sample: LoadSample) -> str:
    return json.dumps(
        [
            [node.node_id, list(node.limit_a) if node.limit_a else None, list(node.load_a)]
            for node in sample.nodes
        ],
        separators=(",", ":"),
        allow_nan=False,
    )


def decode_sample(sk: str, nodes: str) -> LoadSample:
    at = datetime.strptime(sk[len(LOAD_PREFIX) :], MINUTE_FORMAT).replace(tzinfo=UTC)
    return LoadSample(
        at=at,
        nodes=tuple(
            NodeSample(str(node_id), _phases(limit) if limit is not None else None, _phases(load))
            for node_id, limit, load in json.loads(nodes)
        ),
    )


class DynamoSiteLoadHistory:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def record(self, site_id: str, view: AllocationLoads, at: datetime) -> None:
        sample = sample_of(view, at)
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": site_pk(site_id)},
                "sk": {"S": load_sk(sample.at)},
                "nodes": {"S": encode_nodes(sample)},
                "expiresAt": {"N": str(int((sample.at + RETENTION).timestamp()))},
            },
        )

    def samples(self, site_id: str, since: datetime, until: datetime) -> list[LoadSample]:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues={
                ":pk": {"S": site_pk(site_id)},
                ":first": {"S": load_sk(since)},
                ":last": {"S": load_sk(until)},
            },
        )
        return [decode_sample(str(values["sk"]), str(values["nodes"])) for values in items]
