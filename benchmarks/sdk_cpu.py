"""CPU the AWS SDK itself spends per API call on this machine: building, serialising and
signing the request and parsing the answer (botocore), with the HTTP exchange answered
in-process by a canned response of the service's shape (no network, no moto).

The handlers' own CPU (benchmarks.cpu) runs over in-memory adapters, and the AWS-call run
takes the calls' CPU out of its samples: on Lambda this is billed on top, per call, at the
memory size's share of a vCPU. Requests and answers are the size of the platform's own (a
charger record, a session update with its condition, a page of a query).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

# An item the size of the platform's records: a dozen attributes.
_ITEM = {
    "chargePointId": {"S": "CP-000123"},
    "connectionId": {"S": "Kx2e8dWYoAMCKdQ="},
    "protocol": {"S": "ocpp1.6"},
    "connectedAtMs": {"N": "1796576931455"},
    "vendor": {"S": "Acme"},
    "model": {"S": "AC22"},
    "firmwareVersion": {"S": "2.1.0"},
    "lastSeenMs": {"N": "1796576931455"},
    "registrationStatus": {"S": "Accepted"},
    "passwordHash": {"S": "scrypt$16384$8$1$" + "a" * 64},
    "status": {"S": "Available"},
    "updatedAt": {"S": "2026-11-25T10:00:00.000Z"},
}
_KEY = {"chargePointId": {"S": "CP-000123"}}
_UPDATE = {
    "TableName": "csms-transactions",
    "Key": {"chargePointId": {"S": "CP-000123"}, "transactionId": {"S": "1234567"}},
    "UpdateExpression": "SET lastMeterWh = :wh, lastMeterAt = :at, #s = :active",
    "ConditionExpression": "attribute_exists(chargePointId) AND (attribute_not_exists(lastMeterAt) "
    "OR lastMeterAt < :at)",
    "ExpressionAttributeNames": {"#s": "status"},
    "ExpressionAttributeValues": {
        ":wh": {"N": "15000"},
        ":at": {"S": "2026-11-25T10:05:00.000Z"},
        ":active": {"S": "active"},
    },
    "ReturnValues": "ALL_NEW",
}

# "service:Operation" -> (client method, its parameters, the service's answer).
CALLS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "dynamodb:GetItem": (
        "get_item",
        {"TableName": "csms-chargers", "Key": _KEY, "ConsistentRead": True},
        {"Item": _ITEM},
    ),
    "dynamodb:PutItem": (
        "put_item",
        {
            "TableName": "csms-chargers",
            "Item": _ITEM,
            "ConditionExpression": "attribute_not_exists(chargePointId)",
        },
        {},
    ),
    "dynamodb:UpdateItem": ("update_item", _UPDATE, {"Attributes": _ITEM}),
    "dynamodb:DeleteItem": ("delete_item", {"TableName": "csms-connections", "Key": _KEY}, {}),
    "dynamodb:Query": (
        "query",
        {
            "TableName": "csms-transactions",
            "IndexName": "ByIdTag",
            "KeyConditionExpression": "idTag = :t AND startedAtMs >= :from",
            "ExpressionAttributeValues": {":t": {"S": "TAG"}, ":from": {"N": "0"}},
            "Limit": 10,
        },
        {"Items": [_ITEM, _ITEM], "Count": 2, "ScannedCount": 2},
    ),
    "dynamodb:BatchGetItem": (
        "batch_get_item",
        {"RequestItems": {"csms-chargers": {"Keys": [_KEY, _KEY]}}},
        {"Responses": {"csms-chargers": [_ITEM, _ITEM]}, "UnprocessedKeys": {}},
    ),
    "dynamodb:TransactWriteItems": (
        "transact_write_items",
        {
            "TransactItems": [
                {"Update": {k: v for k, v in _UPDATE.items() if k != "ReturnValues"}},
                {"Put": {"TableName": "csms-energy-daily", "Item": _ITEM}},
            ]
        },
        {},
    ),
    "events:PutEvents": (
        "put_events",
        {
            "Entries": [
                {
                    "Source": "csms.ocpp",
                    "DetailType": "TransactionStarted",
                    "Detail": json.dumps({"chargePointId": "CP-000123", "x": "y" * 300}),
                    "EventBusName": "csms-events",
                }
            ]
        },
        {"FailedEntryCount": 0, "Entries": [{"EventId": "11710aed-b79e-4468-a20b-bb3c0c3b4860"}]},
    ),
    "kinesis:PutRecord": (
        "put_record",
        {"StreamName": "csms-telemetry", "Data": b"x" * 375, "PartitionKey": "CP-000123"},
        {"ShardId": "shardId-000000000000", "SequenceNumber": "4" * 56},
    ),
    "apigatewaymanagementapi:PostToConnection": (
        "post_to_connection",
        {"ConnectionId": "Kx2e8dWYoAMCKdQ=", "Data": b'[2,"m1","Reset",{"type":"Soft"}]'},
        {},
    ),
}
_CONTENT_TYPES = {
    "dynamodb": "application/x-amz-json-1.0",
    "events": "application/x-amz-json-1.1",
    "kinesis": "application/x-amz-json-1.1",
    "apigatewaymanagementapi": "application/json",
}


class _Body:
    """A response body botocore can read and stream."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *_: Any, **__: Any) -> bytes:
        return self._body


def _answering(body: bytes, content_type: str) -> Callable[..., Any]:
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    headers = HTTPHeaders()
    headers["content-type"] = content_type
    headers["x-amzn-requestid"] = "bench"

    def send(request: Any, **_: Any) -> Any:
        return AWSResponse(request.url, 200, headers, _Body(body))

    return send


def _client(service: str) -> Any:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106  (signs requests answered in-process)
        region_name="us-east-1",
    )
    endpoint = "https://bench.execute-api.us-east-1.amazonaws.com/prod"
    extra = {"endpoint_url": endpoint} if service == "apigatewaymanagementapi" else {}
    return session.client(service, **extra)  # type: ignore[call-overload]


def run(iterations: int = 500) -> dict[str, float]:
    """Median µs of CPU per call, by "service:Operation"."""
    results: dict[str, float] = {}
    clients: dict[str, Any] = {}
    for name, (method, params, answer) in CALLS.items():
        service, operation = name.split(":")
        client = clients.setdefault(service, _client(service))
        body = json.dumps(answer).encode()
        client.meta.events.register(
            f"before-send.{client.meta.service_model.service_id.hyphenize()}.{operation}",
            _answering(body, _CONTENT_TYPES[service]),
        )
        call = getattr(client, method)
        for _ in range(min(50, iterations)):  # warm: models loaded, caches filled
            call(**params)
        samples = []
        for _ in range(iterations):
            begun = time.process_time_ns()
            call(**params)
            samples.append(time.process_time_ns() - begun)
        results[name] = round(statistics.median(samples) / 1000, 1)
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
