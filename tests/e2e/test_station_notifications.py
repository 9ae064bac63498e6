"""A 2.0.1 station's other notifications through the local gateway (docs/adr/0036,
"Notifications"): from a simulated station to the ChargerEvents table and the operator API
(GET /api/chargers/{id}/events?kind=..., GET /api/chargers/{id}/charging-limits)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csms_cli.client import ApiError, Client
from simulator import SimulatedCharger
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e

SCHEDULE = {
    "id": 1,
    "chargingRateUnit": "W",
    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.5}],
}
Scenario = Callable[[SimulatedCharger], Coroutine[Any, Any, None]]


def api(platform) -> Client:
    return Client(platform.http_url, "dev-operator-token", timeout_s=30)


def at(seconds: int) -> str:
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def with_station(platform, scenario: Scenario) -> str:
    cp_id = f"NTF-{uuid.uuid4().hex[:8]}"

    async def session() -> None:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol="ocpp2.0.1") as cp:
            await cp.boot()
            await scenario(cp)

    run(session(), timeout=60)
    return cp_id


def listed(platform, cp_id: str, kind: str) -> list[dict[str, Any]]:
    items = api(platform).get(f"/chargers/{cp_id}/events", kind=kind, limit=50)["items"]
    assert all(i["kind"] == kind and i["event"] is None for i in items)
    return [i["notification"] for i in items]


def test_K11_K12_K13_external_limits_are_kept_until_cleared(platform):
    async def scenario(cp: SimulatedCharger) -> None:
        limit = {"chargingLimitSource": "SO", "isGridCritical": True}
        message = {"evseId": 1, "chargingLimit": limit, "chargingSchedule": [SCHEDULE]}
        assert await cp.call("NotifyChargingLimit", message) == {}
        assert await cp.call("NotifyChargingLimit", message) == {}  # a resend
        station = {"chargingLimit": {"chargingLimitSource": "EMS"}}
        assert await cp.call("NotifyChargingLimit", station) == {}
        assert await cp.call("ClearedChargingLimit", {"chargingLimitSource": "EMS"}) == {}

    cp_id = with_station(platform, scenario)
    state = api(platform).get(f"/chargers/{cp_id}/charging-limits")
    (limit,) = state["externalLimits"]
    assert (limit["evseId"], limit["chargingLimitSource"], limit["isGridCritical"]) == (
        1,
        "SO",
        True,
    )
    assert limit["chargingSchedule"] == [SCHEDULE]
    history = listed(platform, cp_id, "charging-limit")
    assert [(n["evseId"], n["chargingLimitSource"], n["cleared"]) for n in history] == [
        (1, "SO", False),
        (0, "EMS", True),
    ]


def test_K15_ev_charging_needs_are_answered_rejected_and_kept_per_evse(platform):
    needs = {
        "requestedEnergyTransfer": "DC",
        "departureTime": at(3600),
        "dcChargingParameters": {"evMaxCurrent": 200, "evMaxVoltage": 800, "stateOfCharge": 40},
    }

    async def scenario(cp: SimulatedCharger) -> None:
        answer = await cp.call("NotifyEVChargingNeeds", {"evseId": 2, "chargingNeeds": needs})
        assert answer["status"] == "Rejected"  # no smart-charging engine yet: docs/adr/0036
        # An EVSE the platform never heard of is kept as reported.
        answer = await cp.call("NotifyEVChargingNeeds", {"evseId": 9, "chargingNeeds": needs})
        assert answer["status"] == "Rejected"

    cp_id = with_station(platform, scenario)
    state = api(platform).get(f"/chargers/{cp_id}/charging-limits")
    assert [(n["evseId"], n["answer"]) for n in state["evNeeds"]] == [
        (2, "Rejected"),
        (9, "Rejected"),
    ]
    assert state["evNeeds"][0]["chargingNeeds"]["dcChargingParameters"]["stateOfCharge"] == 40
    assert state["externalLimits"] == []


def test_K17_an_ev_charging_schedule_is_accepted_and_listed(platform):
    message = {"timeBase": at(0), "evseId": 1, "chargingSchedule": SCHEDULE}

    async def scenario(cp: SimulatedCharger) -> None:
        assert await cp.call("NotifyEVChargingSchedule", message) == {"status": "Accepted"}
        assert await cp.call("NotifyEVChargingSchedule", message) == {"status": "Accepted"}

    cp_id = with_station(platform, scenario)
    (schedule,) = listed(platform, cp_id, "ev-schedule")
    assert schedule["evseId"] == 1 and schedule["content"] == SCHEDULE


def test_K09_reported_charging_profiles_are_listed_per_profile(platform):
    profile = {
        "id": 21,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [SCHEDULE],
    }

    async def scenario(cp: SimulatedCharger) -> None:
        for part, evse in enumerate((1, 2)):
            message = {
                "requestId": 5,
                "chargingLimitSource": "CSO",
                "evseId": evse,
                "tbc": part == 0,
                "chargingProfile": [{**profile, "id": 20 + evse}],
            }
            assert await cp.call("ReportChargingProfiles", message) == {}

    cp_id = with_station(platform, scenario)
    profiles = listed(platform, cp_id, "charging-profiles")
    assert [(p["evseId"], p["profileId"], p["tbc"]) for p in profiles] == [
        (2, 22, False),
        (1, 21, True),
    ]


def test_N02_a_multi_part_monitoring_report_resent_is_stored_once_per_part(platform):
    monitor = {
        "component": {"name": "EVSE", "evse": {"id": 1}},
        "variable": {"name": "Power"},
        "variableMonitoring": [
            {"id": 1, "transaction": False, "value": 22000, "type": "UpperThreshold", "severity": 5}
        ],
    }

    async def scenario(cp: SimulatedCharger) -> None:
        for seq in (0, 0, 1):  # part 0 resent
            message = {
                "requestId": 3,
                "seqNo": seq,
                "tbc": seq == 0,
                "generatedAt": at(0),
                "monitor": [monitor],
            }
            assert await cp.call("NotifyMonitoringReport", message) == {}

    cp_id = with_station(platform, scenario)
    parts = listed(platform, cp_id, "monitoring")
    assert [(p["requestId"], p["seqNo"], p["tbc"]) for p in parts] == [(3, 1, False), (3, 0, True)]
    assert parts[0]["content"]["monitor"] == [monitor]


def test_N09_customer_information_is_listed(platform):
    async def scenario(cp: SimulatedCharger) -> None:
        message = {"data": "no data held", "seqNo": 0, "generatedAt": at(0), "requestId": 8}
        assert await cp.call("NotifyCustomerInformation", message) == {}

    cp_id = with_station(platform, scenario)
    (part,) = listed(platform, cp_id, "customer")
    assert part["content"] == {"data": "no data held"} and part["requestId"] == 8


def test_O04_display_messages_are_listed_per_message(platform):
    info = {
        "id": 1,
        "priority": "InFront",
        "message": {"format": "UTF8", "content": "0.35 EUR/kWh"},
    }

    async def scenario(cp: SimulatedCharger) -> None:
        message = {"requestId": 2, "messageInfo": [info, {**info, "id": 2}]}
        assert await cp.call("NotifyDisplayMessages", message) == {}

    cp_id = with_station(platform, scenario)
    messages = listed(platform, cp_id, "display")
    assert [m["messageId"] for m in messages] == [2, 1]
    assert messages[1]["content"]["message"]["content"] == "0.35 EUR/kWh"


def test_L03_firmware_publishing_status_is_listed(platform):
    async def scenario(cp: SimulatedCharger) -> None:
        for status in ("Downloading", "Published"):
            message: dict[str, Any] = {"status": status, "requestId": 4}
            if status == "Published":
                message["location"] = ["https://lc.local/fw.bin"]
            assert await cp.call("PublishFirmwareStatusNotification", message) == {}

    cp_id = with_station(platform, scenario)
    statuses = listed(platform, cp_id, "firmware-publish")
    assert [s["status"] for s in statuses] == ["Published", "Downloading"]
    assert statuses[0]["content"] == {"location": ["https://lc.local/fw.bin"]}


def test_charging_limits_of_an_unknown_charger_is_404(platform):
    with pytest.raises(ApiError) as error:
        api(platform).get("/chargers/NO-SUCH-CHARGER/charging-limits")
    assert error.value.status == 404
