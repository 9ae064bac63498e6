"""Odd 2.0.1 notifications through the real DynamoDB and EventBridge adapters (over moto):
stored, answered, never an InternalError (docs/adr/0018, 0036 "Notifications")."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from shared.station.notifications import unpacked
from tests.faults.conftest import Platform


def test_odd_notifications_are_stored_and_answered(platform: Platform) -> None:
    platform.clock = datetime.now(UTC)  # kept 90 days from receipt
    huge = 10**40  # beyond DynamoDB's numbers
    schedule = {
        "id": huge,
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 1e308},
            {"startPeriod": 1, "limit": huge},
        ],
    }
    limit = {
        "chargingLimit": {"chargingLimitSource": "SO\ud800"},
        "evseId": huge,
        "chargingSchedule": [schedule],
    }
    refused = platform.send("NotifyChargingLimit", limit, "ocpp2.0.1")
    assert refused[:3] == [4, "m1", "PropertyConstraintViolation"]  # the schema's enum
    limit["chargingLimit"] = {"chargingLimitSource": "SO"}
    assert platform.send("NotifyChargingLimit", limit, "ocpp2.0.1")[0] == 3
    needs = {
        "evseId": 1,
        "chargingNeeds": {"requestedEnergyTransfer": "DC", "departureTime": "2016-12-31T23:59:60Z"},
    }
    assert platform.send("NotifyEVChargingNeeds", needs, "ocpp2.0.1")[2] == {"status": "Rejected"}
    timed = {"timeBase": "9999-12-31T23:59:59.999Z", "evseId": 1, "chargingSchedule": schedule}
    assert platform.send("NotifyEVChargingSchedule", timed, "ocpp2.0.1")[2] == {
        "status": "Accepted"
    }
    report = {
        "requestId": huge,
        "seqNo": huge,
        "generatedAt": "0001-01-01T00:00:00Z",
        "data": "\u0000x\udfff",
    }
    assert platform.send("NotifyCustomerInformation", report, "ocpp2.0.1")[0] == 3
    log = platform.services.deps.charger_events
    (stored_limit,) = log.newest("CP1", "charging-limit", 10, None).items
    assert stored_limit.event_key == "0000000000#SO"  # an unusable EVSE: the station
    assert unpacked(stored_limit.detail)[0]["chargingSchedulePeriod"][1]["limit"] == huge
    (stored_needs,) = log.newest("CP1", "ev-needs", 10, None).items
    assert stored_needs.detail["departureTime"] == "2016-12-31T23:59:59.999Z"
    (stored_schedule,) = log.newest("CP1", "ev-schedule", 10, None).items
    assert stored_schedule.timestamp == "9999-12-31T23:59:59.999Z"
    (part,) = log.newest("CP1", "customer", 10, None).items
    assert part.event_key == "-#-" and part.detail["generatedAt"] == "0001-01-01T00:00:00.000Z"
    assert unpacked(part.detail) == {"data": "\u0000x\ufffd"}
    json.dumps(
        [e.detail for e in (stored_limit, stored_needs, stored_schedule, part)], allow_nan=False
    )
    assert platform.published.ids("ChargingLimitChanged")
    assert platform.published.ids("EVChargingNeedsReceived")
