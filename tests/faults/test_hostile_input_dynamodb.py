"""Odd input through the real DynamoDB, Kinesis and EventBridge adapters (over moto): nothing a
schema lets through makes a write fail (docs/adr/0018-hostile-input-and-replays.md)."""

from __future__ import annotations

from tests.faults.conftest import Platform
from tests.faults.test_session_faults import START_16, STARTED_201, sessions


def test_unpaired_surrogates_and_oversized_numbers_are_stored(platform: Platform) -> None:
    start = {**START_16, "idTag": "TAG\ud800", "meterStart": 10**40}
    answer = platform.send("StartTransaction", start)
    assert answer[0] == 3, answer
    tx = answer[2]["transactionId"]
    stop = {"transactionId": tx, "meterStop": -(10**40), "timestamp": "2016-12-31T23:59:60Z"}
    assert platform.send("StopTransaction", stop)[0] == 3
    started = {
        **STARTED_201,
        "seqNo": 10**40,
        "transactionInfo": {"transactionId": "T\udfff", "remoteStartId": 10**40},
        "evse": {"id": 10**40, "connectorId": 1},
    }
    assert platform.send("TransactionEvent", started, "ocpp2.0.1")[0] == 3
    stored = {s["transactionId"]: s for s in sessions(platform)}
    assert stored[str(tx)]["idTag"] == "TAG\ufffd"
    assert stored[str(tx)]["anomaly"] == "MeterValueUnusable"
    assert stored[str(tx)]["stoppedAt"] == "2016-12-31T23:59:59.999Z"
    assert "evseId" not in stored["T\ufffd"]  # not an id the platform can store: left out
    assert platform.published.ids("TransactionStopped")
