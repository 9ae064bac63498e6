"""A station's own events through the local gateway (docs/adr/0036): NotifyEvent (OCPP 2.0.1
N07, N08) and SecurityEventNotification (A04, and 1.6's security extension), from a simulated
station to the ChargerEvents table, its connectors and the operator API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csms_cli.client import Client
from simulator import SimulatedCharger
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e


def api(platform) -> Client:
    return Client(platform.http_url, "dev-operator-token", timeout_s=30)


def at(seconds: int) -> str:
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def event_data(event_id: int, component: dict[str, Any], variable: str, value: str, **more):
    return {
        "eventId": event_id,
        "timestamp": at(event_id),
        "trigger": "Delta",
        "actualValue": value,
        "eventNotificationType": "HardWiredNotification",
        "component": component,
        "variable": {"name": variable},
        **more,
    }


def events(platform, cp_id: str, kind: str, **query: Any) -> Any:
    return api(platform).get(f"/chargers/{cp_id}/events", kind=kind, **query)


def test_N07_alerting_events_are_stored_and_the_connector_follows(platform):
    cp_id = f"EVT-{uuid.uuid4().hex[:8]}"
    connector = {"name": "Connector", "evse": {"id": 1, "connectorId": 1}}
    faulted = event_data(1, connector, "AvailabilityState", "Faulted", techCode="GFCI")
    cleared = event_data(2, connector, "AvailabilityState", "Available", cleared=True)

    async def scenario() -> None:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol="ocpp2.0.1") as cp:
            await cp.boot()
            message = {"generatedAt": at(1), "seqNo": 0, "eventData": [faulted]}
            assert await cp.call("NotifyEvent", message) == {}
            assert await cp.call("NotifyEvent", message) == {}  # a resend: stored once
            connectors = api(platform).get(f"/chargers/{cp_id}/connectors")["connectors"]
            assert [(c["evseId"], c["connectorId"], c["status"]) for c in connectors] == [
                (1, 1, "Faulted")
            ]
            await cp.call("NotifyEvent", {"generatedAt": at(2), "seqNo": 0, "eventData": [cleared]})

    run(scenario(), timeout=60)
    listed = events(platform, cp_id, "event")
    assert [(e["event"]["eventId"], e["event"]["actualValue"]) for e in listed["items"]] == [
        (2, "Available"),
        (1, "Faulted"),
    ]
    assert listed["items"][1]["event"]["techCode"] == "GFCI"
    assert listed["items"][0]["event"]["cleared"] is True
    connectors = api(platform).get(f"/chargers/{cp_id}/connectors")["connectors"]
    assert [c["status"] for c in connectors] == ["Available"]


def test_N08_periodic_multi_part_events_are_stored_as_they_come(platform):
    cp_id = f"EVT-{uuid.uuid4().hex[:8]}"
    evse = {"name": "EVSE", "evse": {"id": 1}}

    async def scenario() -> None:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol="ocpp2.0.1") as cp:
            await cp.boot()
            for part in range(2):
                data = [
                    event_data(10 * part + i, evse, "Power", str(7000 + i), trigger="Periodic")
                    for i in range(3)
                ]
                message = {"generatedAt": at(0), "seqNo": part, "tbc": part == 0, "eventData": data}
                assert await cp.call("NotifyEvent", message) == {}

    run(scenario(), timeout=60)
    first = events(platform, cp_id, "event", limit=4)
    rest = events(platform, cp_id, "event", limit=4, cursor=first["nextCursor"])
    listed = [e["event"] for e in first["items"] + rest["items"]]
    assert [(e["eventId"], e["seqNo"], e["tbc"]) for e in listed] == [
        (12, 1, False),
        (11, 1, False),
        (10, 1, False),
        (2, 0, True),
        (1, 0, True),
        (0, 0, True),
    ]
    assert rest["nextCursor"] is None


@pytest.mark.parametrize("protocol", ["ocpp2.0.1", "ocpp1.6"])
def test_A04_security_events_are_stored_and_listed(platform, protocol):
    cp_id = f"SEC-{uuid.uuid4().hex[:8]}"

    async def scenario() -> None:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=protocol) as cp:
            await cp.boot()
            tamper = {"type": "TamperDetectionActivated", "timestamp": at(1), "techInfo": "lid"}
            assert await cp.call("SecurityEventNotification", tamper) == {}
            startup = {"type": "StartupOfTheDevice", "timestamp": at(2), "techInfo": "boot"}
            assert await cp.call("SecurityEventNotification", startup) == {}

    run(scenario(), timeout=60)
    listed = [e["security"] for e in events(platform, cp_id, "security")["items"]]
    assert [(e["type"], e["alarmed"], e["protocol"]) for e in listed] == [
        ("StartupOfTheDevice", False, protocol),
        ("TamperDetectionActivated", True, protocol),
    ]
    assert listed[1]["techInfo"] == "lid"
    assert events(platform, cp_id, "event")["items"] == []
