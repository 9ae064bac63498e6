"""A fault at any AWS call of a session message: what is acknowledged is stored once, and what
is stored is published once (one event id) by the charger's retry or, failing that, by the
outbox relay; nothing stays half done."""

from __future__ import annotations

from typing import Any

import pytest

from shared.adapters.aws_clients import (
    ATTEMPT_MARGIN_S,
    CONNECT_TIMEOUT_S,
    READ_TIMEOUT_S,
    invocation_deadline,
)
from shared.adapters.dynamodb.items import from_item
from tests.fault_injection import NthCall, nth_call_fails
from tests.faults.conftest import Platform

START_16 = {
    "connectorId": 1,
    "idTag": "GOOD",
    "meterStart": 100,
    "timestamp": "2026-06-01T10:00:00Z",
}
STARTED_201 = {
    "eventType": "Started",
    "timestamp": "2026-06-01T10:00:00Z",
    "triggerReason": "Authorized",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "TX-1"},
    "idToken": {"idToken": "GOOD", "type": "ISO14443"},
    "evse": {"id": 1, "connectorId": 1},
    "meterValue": [
        {
            "timestamp": "2026-06-01T10:00:00Z",
            "sampledValue": [
                {"value": 100, "context": "Transaction.Begin", "unitOfMeasure": {"unit": "Wh"}}
            ],
        }
    ],
}
ENDED_201 = {
    **STARTED_201,
    "eventType": "Ended",
    "timestamp": "2026-06-01T11:00:00Z",
    "triggerReason": "EVCommunicationLost",
    "seqNo": 1,
    "transactionInfo": {"transactionId": "TX-1", "stoppedReason": "EVDisconnected"},
    "meterValue": [
        {
            "timestamp": "2026-06-01T11:00:00Z",
            "sampledValue": [
                {"value": 5100, "context": "Transaction.End", "unitOfMeasure": {"unit": "Wh"}}
            ],
        }
    ],
}


def stop_16(transaction_id: int) -> dict[str, Any]:
    return {
        "transactionId": transaction_id,
        "meterStop": 5100,
        "timestamp": "2026-06-01T11:00:00Z",
        "transactionData": [
            {
                "timestamp": "2026-06-01T11:00:00Z",
                "sampledValue": [{"value": "5100", "context": "Transaction.End"}],
            }
        ],
    }


def clients(platform: Platform) -> list[Any]:
    return [platform.client(name) for name in ("dynamodb", "kinesis", "events")]


def count_calls(platform: Platform, action: str, payload: dict[str, Any], version: str) -> int:
    """How many AWS calls the message makes when nothing fails (on a copy of the charger)."""
    probe = NthCall(n=10**6)
    with nth_call_fails(clients(platform), probe):
        platform.send(action, payload, version)
    return len(probe.calls)


def deliver(platform: Platform, action: str, payload: dict[str, Any], version: str) -> list[Any]:
    """Send until acknowledged, as a charger does (its retries carry new message ids)."""
    for _ in range(3):
        frame = platform.send(action, payload, version)
        if frame[0] == 3:
            return frame
        assert frame[2] == "InternalError", frame
    raise AssertionError("never acknowledged")


def sessions(platform: Platform) -> list[dict[str, Any]]:
    table = platform.services.settings.transactions_table
    items = platform.client("dynamodb").scan(TableName=table)["Items"]
    return [from_item(item) for item in items]


def assert_published_once(platform: Platform, detail_type: str) -> None:
    """Stored, so published: after the relay's next run, exactly one event id (a lost response
    may have it sent twice, under the same id) and the session's outbox is empty."""
    platform.relay()
    assert len(platform.published.ids(detail_type)) == 1, detail_type
    for session in sessions(platform):
        assert not {"unpublished", "outboxShard", "outboxSince"} & set(session), session


# Every AWS call of each message, by position (test_the_fault_positions_cover_every_call).
POSITIONS_16_START = range(1, 6)
POSITIONS_16_STOP = range(1, 6)
POSITIONS_201_STARTED = range(1, 9)
POSITIONS_201_ENDED = range(1, 10)  # the last: the connector's charging state


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
@pytest.mark.parametrize("n", POSITIONS_16_START)
def test_start_transaction_with_a_fault_at_any_call(platform: Platform, n: int, after: bool):
    fault = NthCall(n=n, after=after)
    with nth_call_fails(clients(platform), fault):
        first = platform.send("StartTransaction", START_16)
    answer = deliver(platform, "StartTransaction", START_16, "ocpp1.6")
    if first[0] == 3:
        assert first[2]["transactionId"] == answer[2]["transactionId"]
    (session,) = sessions(platform)
    assert session["transactionId"] == str(answer[2]["transactionId"])
    # The connector's active-session pointer is set, whatever call failed.
    pointer = platform.client("dynamodb").get_item(
        TableName=platform.services.settings.connectors_table,
        Key={"chargePointId": {"S": "CP1"}, "connectorKey": {"S": "1"}},
    )["Item"]
    assert pointer["activeTransactionId"]["S"] == session["transactionId"]
    assert_published_once(platform, "TransactionStarted")


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
@pytest.mark.parametrize("n", POSITIONS_16_STOP)
def test_stop_transaction_with_a_fault_at_any_call(platform: Platform, n: int, after: bool):
    tx = deliver(platform, "StartTransaction", START_16, "ocpp1.6")[2]["transactionId"]
    fault = NthCall(n=n, after=after)
    with nth_call_fails(clients(platform), fault):
        platform.send("StopTransaction", stop_16(tx))
    deliver(platform, "StopTransaction", stop_16(tx), "ocpp1.6")
    (session,) = sessions(platform)
    assert (session["status"], session["energyWh"]) == ("completed", 5000)
    assert_published_once(platform, "TransactionStopped")


def test_a_telemetry_outage_never_holds_up_a_stop(platform: Platform):
    tx = deliver(platform, "StartTransaction", START_16, "ocpp1.6")[2]["transactionId"]
    kinesis_down = NthCall(n=1)
    with nth_call_fails([platform.client("kinesis")], kinesis_down):
        answer = platform.send("StopTransaction", stop_16(tx))
    assert answer[0] == 3, answer  # acknowledged on the first try
    assert kinesis_down.failed == "kinesis:PutRecord"
    (session,) = sessions(platform)
    assert session["status"] == "completed"
    assert platform.published.ids("TransactionStopped")


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
@pytest.mark.parametrize("n", POSITIONS_201_STARTED)
def test_transaction_event_started_with_a_fault_at_any_call(
    platform: Platform, n: int, after: bool
):
    fault = NthCall(n=n, after=after)
    with nth_call_fails(clients(platform), fault):
        platform.send("TransactionEvent", STARTED_201, "ocpp2.0.1")
    deliver(platform, "TransactionEvent", STARTED_201, "ocpp2.0.1")
    (session,) = sessions(platform)
    assert (session["status"], session["startedAt"], session["meterStartWh"]) == (
        "active",
        "2026-06-01T10:00:00.000Z",
        100,
    )
    assert_published_once(platform, "TransactionStarted")


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
@pytest.mark.parametrize("n", POSITIONS_201_ENDED)
def test_transaction_event_ended_with_a_fault_at_any_call(platform: Platform, n: int, after: bool):
    deliver(platform, "TransactionEvent", STARTED_201, "ocpp2.0.1")
    fault = NthCall(n=n, after=after)
    with nth_call_fails(clients(platform), fault):
        platform.send("TransactionEvent", ENDED_201, "ocpp2.0.1")
    deliver(platform, "TransactionEvent", ENDED_201, "ocpp2.0.1")
    (session,) = sessions(platform)
    assert (session["status"], session["energyWh"]) == ("completed", 5000)
    assert_published_once(platform, "TransactionStopped")


def test_the_fault_positions_cover_every_call(platform: Platform):
    """The position ranges above reach the last AWS call of each message: a new call must
    extend them, or this fails."""
    start = count_calls(platform, "StartTransaction", START_16, "ocpp1.6")
    tx = platform.send("StartTransaction", START_16)[2]["transactionId"]  # a replay
    stop = count_calls(platform, "StopTransaction", stop_16(tx), "ocpp1.6")
    started = count_calls(platform, "TransactionEvent", STARTED_201, "ocpp2.0.1")
    ended = count_calls(platform, "TransactionEvent", ENDED_201, "ocpp2.0.1")
    assert (start, stop, started, ended) == (
        max(POSITIONS_16_START),
        max(POSITIONS_16_STOP),
        max(POSITIONS_201_STARTED),
        max(POSITIONS_201_ENDED),
    )


class NearlyOver:
    """A Lambda context with `left_ms` of its invocation left."""

    def __init__(self, left_ms: int) -> None:
        self.left_ms = left_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.left_ms


def test_a_message_near_the_end_of_its_invocation_gets_a_clean_error(platform: Platform):
    enough = int(ATTEMPT_MARGIN_S * 1000) - 100
    with invocation_deadline(NearlyOver(enough)):
        frame = platform.send("StartTransaction", START_16)
    # Refused before the first AWS call: a clean CALLERROR, nothing half written.
    assert frame[0] == 4
    assert frame[2] == "InternalError"
    assert sessions(platform) == []
    with invocation_deadline(NearlyOver(10_000)):
        assert platform.send("StartTransaction", START_16)[0] == 3


def test_an_attempt_always_fits_the_websocket_functions_timeout() -> None:
    from infra.catalog import FUNCTIONS

    attempt = CONNECT_TIMEOUT_S + READ_TIMEOUT_S
    for function in FUNCTIONS:
        if function.name.startswith("ws_"):
            # The last attempt starts with at least ATTEMPT_MARGIN_S left and takes at most
            # `attempt`: it ends before Lambda's timeout, with time to answer.
            assert attempt < ATTEMPT_MARGIN_S
            assert function.timeout_s > ATTEMPT_MARGIN_S
