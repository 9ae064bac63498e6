"""Schema-valid is not safe: odd strings, timestamps and numbers never give InternalError, a stop
is always acknowledged, and a replay keeps its identity
(docs/adr/0018-hostile-input-and-replays.md)."""

from __future__ import annotations

import json

import pytest

from shared.models.telemetry import TelemetryRecord
from shared.models.transaction import ANOMALY_METER_UNUSABLE
from shared.ocpp.framing import REPLACEMENT_CHARACTER
from tests.unit.transactions.helpers import V16, V201, Station, make_deps

LONE = "\ud800"  # an unpaired UTF-16 surrogate: json.dumps writes it as the escape "\ud800"


def start_16(**fields: object) -> dict[str, object]:
    return {
        "connectorId": 1,
        "idTag": "GOOD",
        "meterStart": 100,
        "timestamp": "2026-06-01T10:00:00Z",
        **fields,
    }


def started_201(transaction_id: str, **fields: object) -> dict[str, object]:
    return {
        "eventType": "Started",
        "timestamp": "2026-06-01T10:00:00Z",
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": transaction_id},
        "evse": {"id": 1, "connectorId": 1},
        **fields,
    }


# Unpaired surrogates


def test_a_lone_surrogate_in_a_start_is_replaced_and_the_replay_keeps_its_id() -> None:
    deps = make_deps()
    station = Station(deps)
    first = station.call("StartTransaction", start_16(idTag=f"TAG{LONE}"))
    again = station.call("StartTransaction", start_16(idTag=f"TAG{LONE}"))
    assert first["transactionId"] == again["transactionId"]
    assert first["idTagInfo"]["status"] == "Invalid"
    stored = deps.transactions.get("CP1", str(first["transactionId"]))
    assert stored.id_tag == f"TAG{REPLACEMENT_CHARACTER}"
    # Every stored string can be written as UTF-8 (DynamoDB, logs, events).
    json.dumps(deps.publisher.events[0].full_detail(), ensure_ascii=False).encode("utf-8")


def test_stops_and_transaction_events_with_lone_surrogates_are_acknowledged() -> None:
    deps = make_deps()
    v16 = Station(deps)
    tx = v16.call("StartTransaction", start_16())["transactionId"]
    stop = {
        "transactionId": tx,
        "meterStop": 600,
        "timestamp": "2026-06-01T11:00:00Z",
        "idTag": f"GOOD{LONE}",
        "reason": "Other",
    }
    assert v16.frame("StopTransaction", stop)[0] == 3
    assert deps.transactions.get("CP1", str(tx)).stop_id_tag == f"GOOD{REPLACEMENT_CHARACTER}"

    v201 = Station(deps, V201)
    assert v201.frame("TransactionEvent", started_201(f"T{LONE}"))[0] == 3
    assert deps.transactions.get("CP1", f"T{REPLACEMENT_CHARACTER}") is not None


def test_a_message_id_with_a_lone_surrogate_gets_its_answer_with_the_same_id() -> None:
    station = Station(make_deps())
    message_id = f"id{LONE}"
    frame = station.frame("Heartbeat", {}, message_id=message_id)  # the answer encodes as UTF-8
    assert frame[0] == 3
    assert frame[1] == message_id


# Timestamps at the edges


@pytest.mark.parametrize(
    ("timestamp", "stored"),
    [
        ("0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00.000Z"),
        ("9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59.999Z"),
        ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.999Z"),
    ],
)
def test_edge_timestamps_are_stored_and_a_replayed_start_keeps_its_id(timestamp, stored) -> None:
    deps = make_deps()
    station = Station(deps)
    first = station.call("StartTransaction", start_16(timestamp=timestamp))["transactionId"]
    assert station.call("StartTransaction", start_16(timestamp=timestamp))["transactionId"] == first
    assert deps.transactions.get("CP1", str(first)).started_at == stored
    stop = {"transactionId": first, "meterStop": 600, "timestamp": timestamp}
    assert station.frame("StopTransaction", stop)[0] == 3
    status = {
        "connectorId": 1,
        "errorCode": "NoError",
        "status": "Available",
        "timestamp": timestamp,
    }
    assert station.frame("StatusNotification", status)[0] == 3
    ended = {**started_201("T-EDGE"), "eventType": "Ended", "seqNo": 1, "timestamp": timestamp}
    assert Station(deps, V201).frame("TransactionEvent", ended)[0] == 3


# Numbers beyond what is stored


def test_meter_values_beyond_any_meter_are_flagged_and_the_stop_is_acknowledged() -> None:
    deps = make_deps()
    station = Station(deps)
    tx = station.call("StartTransaction", start_16())["transactionId"]
    stop = {"transactionId": tx, "meterStop": 10**40, "timestamp": "2026-06-01T11:00:00Z"}
    assert station.frame("StopTransaction", stop)[0] == 3
    record = deps.transactions.get("CP1", str(tx))
    assert (record.status, record.energy_wh, record.anomaly) == (
        "completed",
        None,
        ANOMALY_METER_UNUSABLE,
    )
    start = station.call("StartTransaction", start_16(connectorId=2, meterStart=-5))
    assert deps.transactions.get("CP1", str(start["transactionId"])).anomaly == (
        ANOMALY_METER_UNUSABLE
    )


def test_an_id_beyond_32_bits_is_a_property_constraint_violation() -> None:
    frame = Station(make_deps()).frame("StartTransaction", start_16(connectorId=10**40))
    assert frame[0] == 4
    assert frame[2] == "PropertyConstraintViolation"


@pytest.mark.parametrize("multiplier", [1_000_000, -1_000_000, 10])
def test_a_reading_with_an_absurd_multiplier_is_no_reading(multiplier: int) -> None:
    deps = make_deps()
    reading = {
        "timestamp": "2026-06-01T10:00:00Z",
        "sampledValue": [
            {
                "value": 5,
                "context": "Transaction.Begin",
                "unitOfMeasure": {"unit": "Wh", "multiplier": multiplier},
            }
        ],
    }
    station = Station(deps, V201)
    assert station.frame("TransactionEvent", started_201("T-M", meterValue=[reading]))[0] == 3
    assert deps.transactions.get("CP1", "T-M").meter_start_wh is None


def test_a_poison_reading_is_skipped_and_never_holds_up_another_sessions_reading() -> None:
    deps = make_deps()
    station = Station(deps)
    poisoned = str(station.call("StartTransaction", start_16())["transactionId"])
    healthy = str(station.call("StartTransaction", start_16(connectorId=2))["transactionId"])

    def reading(tx: str, sample: dict[str, object], at: str) -> TelemetryRecord:
        entry = {"timestamp": at, "sampledValue": [sample]}
        return TelemetryRecord("CP1", "ocpp1.6", "MeterValues", at, [entry], transaction_id=tx)

    batch = [
        ("s1", reading(poisoned, {"value": "1e999999999"}, "2026-06-01T10:05:00Z")),
        ("s2", reading(poisoned, {"value": "900"}, "0001-01-01T00:00:00+01:00")),
        ("s3", reading(healthy, {"value": "700"}, "2026-06-01T10:06:00Z")),
    ]
    assert station.services.session_progress.apply(batch, station.clock) == []
    assert deps.transactions.get("CP1", healthy).last_meter_wh == 700
    assert deps.transactions.get("CP1", poisoned).last_meter_at == "0001-01-01T00:00:00.000Z"


# Lenient chargers


def test_lenient_mode_never_hands_a_wrongly_typed_value_to_the_logic() -> None:
    deps = make_deps()
    station = Station(deps, lenient=True)
    tx = station.call("StartTransaction", start_16(meterStart="12.5", connectorId="1"))
    record = deps.transactions.get("CP1", str(tx["transactionId"]))
    assert (record.connector_id, record.meter_start_wh, record.anomaly) == (
        1,
        None,
        ANOMALY_METER_UNUSABLE,
    )
    wrong = station.frame("StartTransaction", start_16(connectorId="one"))
    assert wrong[0] == 4
    assert wrong[2] == "TypeConstraintViolation"  # a clear error, not InternalError
    stop = {"transactionId": tx["transactionId"], "meterStop": "a lot", "timestamp": 7}
    assert station.frame("StopTransaction", stop)[0] == 3  # a stop is always acknowledged
    status = {"connectorId": "2", "errorCode": "NoError", "status": "Available"}
    assert station.frame("StatusNotification", status)[0] == 3
    assert station.frame("StatusNotification", {**status, "connectorId": [2]})[2] == (
        "TypeConstraintViolation"
    )
    boot = {"chargePointVendor": 7, "chargePointModel": None}
    assert station.frame("BootNotification", boot)[0] == 3
    assert V16 is station.version
