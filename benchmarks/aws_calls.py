"""AWS API calls per OCPP message, through the real handlers and adapters against moto.

Counted at botocore's lowest level (every API call a client makes, retries excluded), per
(service, operation), for one representative message of each action after the charger has
connected and booted. Deterministic: the same code path makes the same calls.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from benchmarks.frames import TIMESTAMP

SCENARIO_16: list[tuple[str, list[Any]]] = [
    (
        "BootNotification",
        [2, "b", "BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "AC22"}],
    ),
    ("Heartbeat", [2, "h", "Heartbeat", {}]),
    (
        "StatusNotification",
        [
            2,
            "s",
            "StatusNotification",
            {
                "connectorId": 1,
                "errorCode": "NoError",
                "status": "Preparing",
                "timestamp": TIMESTAMP,
            },
        ],
    ),
    ("Authorize", [2, "a", "Authorize", {"idTag": "BENCH-TAG"}]),
    (
        "StartTransaction",
        [
            2,
            "st",
            "StartTransaction",
            {"connectorId": 1, "idTag": "BENCH-TAG", "meterStart": 1000, "timestamp": TIMESTAMP},
        ],
    ),
    (
        "MeterValues",
        [
            2,
            "mv",
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": "{tx}",
                "meterValue": [
                    {
                        "timestamp": TIMESTAMP,
                        "sampledValue": [
                            {"value": "1500", "measurand": "Energy.Active.Import.Register"},
                            {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
                        ],
                    }
                ],
            },
        ],
    ),
    (
        "StopTransaction",
        [
            2,
            "sp",
            "StopTransaction",
            {
                "transactionId": "{tx}",
                "meterStop": 9000,
                "timestamp": "2026-11-25T11:00:00Z",
                "reason": "EVDisconnected",
            },
        ],
    ),
]

_EVSE = {"id": 1, "connectorId": 1}
_TX_INFO = {"transactionId": "bench-tx-1"}


def _sample(kwh: float, context: str) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": TIMESTAMP,
            "sampledValue": [{"value": kwh, "context": context, "unitOfMeasure": {"unit": "kWh"}}],
        }
    ]


SCENARIO_201: list[tuple[str, list[Any]]] = [
    (
        "Authorize",
        [2, "a2", "Authorize", {"idToken": {"idToken": "BENCH-TAG", "type": "ISO14443"}}],
    ),
    (
        "TransactionEvent Started",
        [
            2,
            "t0",
            "TransactionEvent",
            {
                "eventType": "Started",
                "timestamp": TIMESTAMP,
                "triggerReason": "Authorized",
                "seqNo": 0,
                "transactionInfo": _TX_INFO,
                "evse": _EVSE,
                "idToken": {"idToken": "BENCH-TAG", "type": "ISO14443"},
                "meterValue": _sample(1.0, "Transaction.Begin"),
            },
        ],
    ),
    (
        "TransactionEvent Updated",
        [
            2,
            "t1",
            "TransactionEvent",
            {
                "eventType": "Updated",
                "timestamp": TIMESTAMP,
                "triggerReason": "MeterValuePeriodic",
                "seqNo": 1,
                "transactionInfo": _TX_INFO,
                "meterValue": _sample(1.5, "Sample.Periodic"),
            },
        ],
    ),
    (
        "TransactionEvent Ended",
        [
            2,
            "t2",
            "TransactionEvent",
            {
                "eventType": "Ended",
                "timestamp": "2026-11-25T11:00:00Z",
                "triggerReason": "EVDeparted",
                "seqNo": 2,
                "transactionInfo": {**_TX_INFO, "stoppedReason": "EVDisconnected"},
                "meterValue": _sample(9.0, "Transaction.End"),
            },
        ],
    ),
]


@contextmanager
def counting() -> Iterator[Counter[str]]:
    """Count every botocore API call made inside the block as 'service:Operation'."""
    import botocore.client

    calls: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def counted(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        calls[f"{self.meta.service_model.service_name}:{operation_name}"] += 1
        return original(self, operation_name, api_params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", counted):
        yield calls


def _environment() -> dict[str, str]:
    from local.resources import local_environment

    env = {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        **local_environment(),
        "TELEMETRY_STREAM_NAME": "csms-telemetry",
    }
    env.pop("AWS_ENDPOINT_URL", None)
    return env


def run() -> dict[str, dict[str, Any]]:
    """{"ocpp1.6 Heartbeat": {"total": 0, "calls": {...}}, ...}"""
    import boto3
    from moto import mock_aws

    from shared import config
    from shared.adapters import aws
    from shared.models.charger import ChargerRecord
    from shared.models.transaction import IdTagRecord
    from shared.websocket import message
    from shared.wiring import aws_dependencies, build_router
    from tests.fakes import message_event

    results: dict[str, dict[str, Any]] = {}
    with mock.patch.dict(os.environ, _environment()), mock_aws():
        from local.resources import create_resources

        create_resources(boto3.session.Session(region_name="us-east-1"))
        kinesis = boto3.client("kinesis", region_name="us-east-1")
        if "csms-telemetry" not in kinesis.list_streams()["StreamNames"]:
            kinesis.create_stream(StreamName="csms-telemetry", ShardCount=1)
        config.get_settings.cache_clear()
        aws.client.cache_clear()
        deps = aws_dependencies(config.get_settings())
        router = build_router(deps)
        deps.chargers.create(ChargerRecord("BENCH-CP"))
        deps.id_tags.put(IdTagRecord("BENCH-TAG", "Accepted"))
        for version, scenario in (("ocpp1.6", SCENARIO_16), ("ocpp2.0.1", SCENARIO_201)):
            authorizer = {
                "chargePointId": "BENCH-CP",
                "protocol": version,
                "validationMode": "strict",
            }
            transaction_id = ""
            for name, frame in scenario:
                text = json.dumps(frame).replace('"{tx}"', transaction_id or "0")
                with counting() as calls:
                    response = message(message_event("bench=", text, authorizer), deps, router)
                reply = json.loads(response["body"])
                if reply[0] != 3:
                    raise RuntimeError(f"{version} {name} failed: {reply}")
                if name == "StartTransaction":
                    transaction_id = str(reply[2]["transactionId"])
                results[f"{version} {name}"] = {
                    "total": sum(calls.values()),
                    "calls": dict(sorted(calls.items())),
                }
        aws.client.cache_clear()
        config.get_settings.cache_clear()
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
