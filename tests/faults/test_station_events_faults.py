"""Odd NotifyEvent and SecurityEventNotification input through the real DynamoDB and
EventBridge adapters (over moto): stored, never an InternalError (docs/adr/0018, 0036)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.faults.conftest import Platform


def test_odd_event_data_is_stored_and_answered(platform: Platform) -> None:
    platform.clock = datetime.now(UTC)  # kept 90 days from receipt
    odd = {
        "eventId": 10**40,  # no id the platform can store: the key says "-"
        "timestamp": "2016-12-31T23:59:60Z",
        "trigger": "Alerting",
        "actualValue": "hot\ud800" + "x" * 2400,
        "techInfo": "\u0000\u001f control",
        "eventNotificationType": "HardWiredMonitor",
        "component": {"name": "Connector", "evse": {"id": 10**40, "connectorId": 1}},
        "variable": {"name": "AvailabilityState"},
    }
    far = {**odd, "eventId": 7, "timestamp": "9999-12-31T23:59:59.999Z"}
    early = {**odd, "eventId": 8, "timestamp": "0001-01-01T00:00:00+01:00"}
    message = {"generatedAt": "2026-06-01T10:00:00Z", "seqNo": 10**40, "eventData": [odd] * 2}
    assert platform.send("NotifyEvent", message, "ocpp2.0.1") == [3, "m1", {}]
    message = {"generatedAt": "2026-06-01T10:00:00Z", "seqNo": 1, "eventData": [far, early]}
    assert platform.send("NotifyEvent", message, "ocpp2.0.1")[0] == 3
    security = {"type": "Invalid\udfffType", "timestamp": "2016-12-31T23:59:60Z", "techInfo": ""}
    assert platform.send("SecurityEventNotification", security, "ocpp2.0.1")[0] == 3
    assert platform.send("SecurityEventNotification", security)[0] == 3  # 1.6
    log = platform.services.deps.charger_events
    stored = log.newest("CP1", "event", 10, None).items
    assert [e.event_key for e in stored] == [
        "9999-12-31T23:59:59.999Z#0000000007",
        "2016-12-31T23:59:59.999Z#-",
        "0001-01-01T00:00:00.000Z#0000000008",
    ]
    assert stored[1].detail["actualValue"].startswith("hot\ufffd")
    assert "evseId" not in stored[1].detail and "seqNo" not in stored[1].detail
    (security_event,) = log.newest("CP1", "security", 10, None).items
    assert security_event.detail["type"] == "Invalid\ufffdType"
    assert platform.published.ids("ChargerAlertRaised")
