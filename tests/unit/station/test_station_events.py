"""NotifyEvent (N07/N08) and SecurityEventNotification (A04, 1.6 security extension): the
AvailabilityState mapping, the alert rule, storage, and resends (docs/adr/0036)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.config import ConfigError
from shared.models.domain_events import (
    CHARGER_ALERT_CLEARED,
    CHARGER_ALERT_RAISED,
    CONNECTOR_STATUS_CHANGED,
    SECURITY_EVENT_RECEIVED,
)
from shared.ocpp.versions import OcppVersion
from shared.station.events import alert_of, connector_status_of
from tests.fakes import MemoryDeps, make_settings, memory_deps
from tests.unit.transactions.helpers import V16, V201, Station, make_deps, ts


def arriving_now(deps: MemoryDeps, version: OcppVersion) -> Station:
    """A station whose messages arrive now: events are kept 90 days from their receipt."""
    station = Station(deps, version)
    station.clock = datetime.now(UTC)
    return station


def entry(
    variable: str = "AvailabilityState",
    value: str = "Occupied",
    *,
    component: str = "Connector",
    evse: dict[str, int] | None = None,
    event_id: int = 1,
    trigger: str = "Delta",
    **more: Any,
) -> dict[str, Any]:
    component_type: dict[str, Any] = {"name": component}
    if evse is not None:
        component_type["evse"] = evse
    return {
        "eventId": event_id,
        "timestamp": ts(1),
        "trigger": trigger,
        "actualValue": value,
        "eventNotificationType": "HardWiredNotification",
        "component": component_type,
        "variable": {"name": variable},
        **more,
    }


def notify(events: list[dict[str, Any]], seq_no: int = 0, **more: Any) -> dict[str, Any]:
    return {"generatedAt": ts(1), "seqNo": seq_no, "eventData": events, **more}


# The AvailabilityState mapping


@pytest.mark.parametrize("state", ["Available", "Occupied", "Reserved", "Unavailable", "Faulted"])
def test_a_connector_availability_state_is_its_status(state):
    stored = {
        "component": "Connector",
        "variable": "AvailabilityState",
        "actualValue": state,
        "evseId": 2,
        "connectorId": 1,
        "timestamp": "2026-06-01T10:01:00.000Z",
    }
    status = connector_status_of("CP1", stored, 5)
    assert status is not None
    assert (status.evse_id, status.connector_id, status.status) == (2, 1, state)


@pytest.mark.parametrize(
    "change",
    [
        {"component": "EVSE"},
        {"variable": "Problem"},
        {"actualValue": "Charging"},  # not an AvailabilityState value
        {"connectorId": None},  # which connector is not said
        {"evseId": None},
    ],
)
def test_other_entries_leave_connectors_alone(change):
    stored = {
        "component": "Connector",
        "variable": "AvailabilityState",
        "actualValue": "Faulted",
        "evseId": 1,
        "connectorId": 1,
        "timestamp": "2026-06-01T10:01:00.000Z",
        **change,
    }
    assert connector_status_of("CP1", {k: v for k, v in stored.items() if v is not None}, 5) is None


# The alert rule


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({"variable": "Problem", "actualValue": "true", "trigger": "Delta"}, "raised"),
        ({"variable": "Problem", "actualValue": "TRUE", "trigger": "Delta"}, "raised"),
        ({"variable": "AvailabilityState", "actualValue": "Faulted", "trigger": "Delta"}, "raised"),
        ({"variable": "Temperature", "actualValue": "81", "trigger": "Alerting"}, "raised"),
        ({"variable": "Problem", "actualValue": "false", "cleared": True}, "cleared"),
        (
            {
                "variable": "Temperature",
                "actualValue": "40",
                "trigger": "Alerting",
                "cleared": True,
            },
            "cleared",
        ),
        ({"variable": "AvailabilityState", "actualValue": "Occupied", "trigger": "Delta"}, None),
        ({"variable": "Problem", "actualValue": "false", "trigger": "Delta"}, None),
        # A periodic reading is not a change, whatever its value.
        ({"variable": "Problem", "actualValue": "true", "trigger": "Periodic"}, None),
    ],
)
def test_alert_rule(stored, expected):
    assert alert_of(stored) == expected


# Through the router


def test_N07_an_availability_change_updates_the_connector_and_is_stored():
    deps = make_deps()
    station = arriving_now(deps, V201)
    answer = station.call("NotifyEvent", notify([entry(evse={"id": 1, "connectorId": 1})]))
    assert answer == {}
    (connector,) = deps.connectors.list_for("CP1")
    assert (connector.connector_key, connector.status) == ("1/1", "Occupied")
    assert len(deps.publisher.of_type(CONNECTOR_STATUS_CHANGED)) == 1
    (stored,) = deps.charger_events.newest("CP1", "event", 10, None).items
    assert stored.detail["actualValue"] == "Occupied"
    assert stored.detail["evseId"] == 1 and stored.detail["seqNo"] == 0
    assert stored.event_key == "2026-06-01T10:01:00.000Z#0000000001"


def test_N07_a_problem_raises_an_alert_and_its_clearing_clears_it():
    deps = make_deps()
    station = arriving_now(deps, V201)
    station.call(
        "NotifyEvent",
        notify([entry("Problem", "true", component="ChargingStation", techCode="E42")]),
    )
    station.call(
        "NotifyEvent",
        notify([entry("Problem", "false", component="ChargingStation", event_id=2, cleared=True)]),
    )
    (raised,) = deps.publisher.of_type(CHARGER_ALERT_RAISED)
    assert raised.detail["techCode"] == "E42" and raised.detail["variable"] == "Problem"
    assert raised.detail["stationEventId"] == 1
    assert raised.full_detail()["eventId"] == raised.event_id  # the domain event's own id
    (cleared,) = deps.publisher.of_type(CHARGER_ALERT_CLEARED)
    assert cleared.detail["cleared"] is True
    assert not deps.publisher.of_type(CONNECTOR_STATUS_CHANGED)


def test_N07_a_resend_overwrites_and_publishes_the_same_event_again():
    deps = make_deps()
    station = arriving_now(deps, V201)
    message = notify(
        [
            entry("AvailabilityState", "Faulted", evse={"id": 1, "connectorId": 1}),
            entry("Problem", "true", component="ChargingStation", event_id=2),
        ]
    )
    station.call("NotifyEvent", message)
    station.call("NotifyEvent", message)  # the charger saw no answer: a new message id
    assert len(deps.charger_events.events) == 2
    raised = deps.publisher.of_type(CHARGER_ALERT_RAISED)
    assert len(raised) == 4
    assert len({e.event_id for e in raised}) == 2  # a consumer sees repeats, not new alerts
    (connector,) = deps.connectors.list_for("CP1")
    assert connector.status == "Faulted"
    assert len(deps.publisher.of_type(CONNECTOR_STATUS_CHANGED)) == 1


def test_N08_multi_part_reports_are_stored_as_they_come():
    deps = make_deps()
    station = arriving_now(deps, V201)
    for part in range(3):
        events = [
            entry(
                "Power",
                str(100 * part + i),
                component="EVSE",
                event_id=10 * part + i,
                trigger="Periodic",
                evse={"id": 1},
            )
            for i in range(2)
        ]
        station.call("NotifyEvent", notify(events, seq_no=part, tbc=part < 2))
    page = deps.charger_events.newest("CP1", "event", 100, None)
    assert [(e.detail["seqNo"], e.detail["tbc"]) for e in page.items][::2] == [
        (2, False),
        (1, True),
        (0, True),
    ]
    assert not deps.publisher.of_type(CHARGER_ALERT_RAISED)


def test_events_are_listed_newest_first_in_pages():
    deps = make_deps()
    station = arriving_now(deps, V201)
    for minute in range(5):
        e = entry("Problem", "false", component="ChargingStation", event_id=minute)
        e["timestamp"] = ts(minute)
        station.call("NotifyEvent", notify([e]))
    first = deps.charger_events.newest("CP1", "event", 3, None)
    assert [e.detail["eventId"] for e in first.items] == [4, 3, 2]
    rest = deps.charger_events.newest("CP1", "event", 3, first.next_cursor)
    assert [e.detail["eventId"] for e in rest.items] == [1, 0]
    assert rest.next_cursor is None
    assert deps.charger_events.newest("CP1", "security", 3, None).items == []


def test_a_failed_write_is_not_acknowledged():
    deps = make_deps()
    station = arriving_now(deps, V201)

    def broken(events):
        raise RuntimeError("table unavailable")

    deps.charger_events.record = broken  # type: ignore[method-assign]
    frame = station.frame("NotifyEvent", notify([entry(evse={"id": 1, "connectorId": 1})]))
    assert frame[0] == 4  # a CALLERROR: the charger resends
    assert not deps.connectors.list_for("CP1")


@pytest.mark.parametrize("version", [V201, V16])
def test_A04_a_security_event_is_stored_published_and_critical_ones_counted(version, monkeypatch):
    counted: list[str] = []
    monkeypatch.setattr(
        "shared.station.events.count_metric", lambda name, dims: counted.append(name)
    )
    deps = make_deps()
    station = arriving_now(deps, version)
    critical = {"type": "TamperDetectionActivated", "timestamp": ts(2), "techInfo": "lid open"}
    assert station.call("SecurityEventNotification", critical) == {}
    station.call("SecurityEventNotification", critical)  # a resend
    station.call("SecurityEventNotification", {"type": "StartupOfTheDevice", "timestamp": ts(3)})
    page = deps.charger_events.newest("CP1", "security", 10, None)
    assert [e.detail["type"] for e in page.items] == [
        "StartupOfTheDevice",
        "TamperDetectionActivated",
    ]
    assert page.items[1].detail == {
        "type": "TamperDetectionActivated",
        "timestamp": "2026-06-01T10:02:00.000Z",
        "techInfo": "lid open",
        "alarmed": True,
        "protocol": version.value,
    }
    received = deps.publisher.of_type(SECURITY_EVENT_RECEIVED)
    assert [e.detail["alarmed"] for e in received] == [True, True, False]
    assert counted == ["CriticalSecurityEvents", "CriticalSecurityEvents"]


def test_a_schema_invalid_notify_event_gets_a_callerror_and_stores_nothing():
    deps = make_deps()
    station = arriving_now(deps, V201)
    frame = station.frame("NotifyEvent", {"generatedAt": ts(1), "seqNo": 0})
    assert frame[0] == 4
    assert not deps.charger_events.events


def test_events_are_kept_the_configured_days_from_their_receipt():
    assert make_settings().charger_events_retention_days == 90
    with pytest.raises(ConfigError):
        make_settings(CHARGER_EVENTS_RETENTION_DAYS="0")
    deps = memory_deps(CHARGER_EVENTS_RETENTION_DAYS="7")
    station = arriving_now(deps, V201)
    station.call("SecurityEventNotification", {"type": "ResetOrReboot", "timestamp": ts(1)})
    (stored,) = deps.charger_events.events.values()
    received = int(station.clock.timestamp())
    assert received + 7 * 86_400 <= stored.expires_at <= received + 7 * 86_400 + 1
