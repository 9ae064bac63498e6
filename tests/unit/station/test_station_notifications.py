"""A 2.0.1 station's other notifications (docs/adr/0036, "Notifications"): one test per message,
resends, multi-part reports and odd input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from shared.models.domain_events import (
    CHARGING_LIMIT_CHANGED,
    EV_CHARGING_NEEDS_RECEIVED,
    EV_CHARGING_SCHEDULE_RECEIVED,
    FIRMWARE_PUBLISH_STATUS_CHANGED,
)
from shared.models.event_catalogue import CATALOGUE
from shared.station.notifications import StationNotifications, unpacked
from tests.fakes import MemoryDeps
from tests.unit.transactions.helpers import V201, Station, make_deps, ts


def station() -> tuple[MemoryDeps, Station]:
    deps = make_deps()
    s = Station(deps, V201)
    s.clock = datetime.now(UTC)  # kept 90 days from receipt
    return deps, s


def stored(deps: MemoryDeps, kind: Any) -> list[Any]:
    return deps.charger_events.newest("CP1", kind, 100, None).items


def catalogued(event: Any) -> None:
    CATALOGUE[event.detail_type].model_validate(event.full_detail())


SCHEDULE = {
    "id": 1,
    "chargingRateUnit": "W",
    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400.5}],
}


def test_N02_monitoring_report_parts_are_stored_per_part_and_a_resend_overwrites():
    deps, s = station()
    monitor = {
        "component": {"name": "EVSE", "evse": {"id": 1}},
        "variable": {"name": "Power"},
        "variableMonitoring": [
            {
                "id": 3,
                "transaction": False,
                "value": 22000.5,
                "type": "UpperThreshold",
                "severity": 4,
            }
        ],
    }
    for seq in range(2):
        message = {
            "requestId": 7,
            "seqNo": seq,
            "tbc": seq == 0,
            "generatedAt": ts(1),
            "monitor": [monitor],
        }
        assert s.call("NotifyMonitoringReport", message) == {}
        assert s.call("NotifyMonitoringReport", message) == {}  # a resend
    parts = stored(deps, "monitoring")
    assert [(p.event_key, p.detail["tbc"]) for p in parts] == [
        ("0000000007#0000000001", False),
        ("0000000007#0000000000", True),
    ]
    assert unpacked(parts[0].detail)["monitor"][0]["variableMonitoring"][0]["value"] == 22000.5


def test_N09_customer_information_is_stored_per_part():
    deps, s = station()
    message = {"data": "card 1234: 3 sessions", "seqNo": 0, "generatedAt": ts(1), "requestId": 2}
    assert s.call("NotifyCustomerInformation", message) == {}
    (part,) = stored(deps, "customer")
    assert part.detail["requestId"] == 2 and part.detail["tbc"] is False
    assert unpacked(part.detail) == {"data": "card 1234: 3 sessions"}


def test_O04_display_messages_are_stored_per_message():
    deps, s = station()
    info = {"id": 5, "priority": "NormalCycle", "message": {"format": "UTF8", "content": "Hi"}}
    message = {"requestId": 9, "messageInfo": [info, {**info, "id": 6}]}
    assert s.call("NotifyDisplayMessages", message) == {}
    assert s.call("NotifyDisplayMessages", message) == {}
    assert [m.detail["messageId"] for m in stored(deps, "display")] == [6, 5]
    # A report without messages stores nothing and is still answered.
    assert s.call("NotifyDisplayMessages", {"requestId": 10}) == {}


def test_K11_K12_a_limit_is_kept_per_evse_and_source_and_a_clear_overwrites_it():
    deps, s = station()
    notify = {
        "evseId": 1,
        "chargingLimit": {"chargingLimitSource": "SO", "isGridCritical": True},
        "chargingSchedule": [SCHEDULE],
    }
    assert s.call("NotifyChargingLimit", notify) == {}
    assert s.call("NotifyChargingLimit", notify) == {}  # a resend: one item
    assert s.call("NotifyChargingLimit", {"chargingLimit": {"chargingLimitSource": "EMS"}}) == {}
    limits = {e.event_key: e.detail for e in stored(deps, "charging-limit")}
    assert set(limits) == {"0000000001#SO", "0000000000#EMS"}
    assert limits["0000000001#SO"]["isGridCritical"] is True
    assert unpacked(limits["0000000001#SO"]) == [SCHEDULE]
    assert s.call("ClearedChargingLimit", {"chargingLimitSource": "SO", "evseId": 1}) == {}
    limits = {e.event_key: e.detail for e in stored(deps, "charging-limit")}
    assert limits["0000000001#SO"]["cleared"] is True and "content" not in limits["0000000001#SO"]
    events = deps.publisher.of_type(CHARGING_LIMIT_CHANGED)
    assert [e.detail["cleared"] for e in events] == [False, False, False, True]
    assert events[0].detail["chargingSchedule"] == [SCHEDULE]
    for event in events:
        catalogued(event)


def test_K15_ev_charging_needs_are_kept_per_evse_and_rejected_without_an_engine():
    deps, s = station()
    needs = {
        "requestedEnergyTransfer": "AC_three_phase",
        "departureTime": ts(120),
        "acChargingParameters": {
            "energyAmount": 30000,
            "evMinCurrent": 6,
            "evMaxCurrent": 32,
            "evMaxVoltage": 400,
        },
    }
    answer = s.call("NotifyEVChargingNeeds", {"evseId": 1, "chargingNeeds": needs})
    assert answer == {"status": "Rejected"}
    newer = {**needs, "requestedEnergyTransfer": "DC"}
    s.call("NotifyEVChargingNeeds", {"evseId": 1, "chargingNeeds": newer, "maxScheduleTuples": 3})
    (latest,) = stored(deps, "ev-needs")
    assert latest.detail["requestedEnergyTransfer"] == "DC"
    assert latest.detail["maxScheduleTuples"] == 3 and latest.detail["answer"] == "Rejected"
    events = deps.publisher.of_type(EV_CHARGING_NEEDS_RECEIVED)
    assert events[0].detail["chargingNeeds"]["acChargingParameters"]["energyAmount"] == 30000
    for event in events:
        catalogued(event)


def test_K15_the_answer_is_the_policy_s():
    deps, s = station()
    notifications = StationNotifications(deps.charger_events, deps.publisher, 90)
    notifications.needs_answer = lambda cp, evse, needs: "Processing"
    notifications.register(s.router)  # replaces the routes bootstrap registered
    needs = {"requestedEnergyTransfer": "DC"}
    answer = s.call("NotifyEVChargingNeeds", {"evseId": 2, "chargingNeeds": needs})
    assert answer == {"status": "Processing"}
    # evseId 0 names the station, not an EV: rejected whatever the policy.
    answer = s.call("NotifyEVChargingNeeds", {"evseId": 0, "chargingNeeds": needs})
    assert answer == {"status": "Rejected"}


def test_K17_an_ev_charging_schedule_is_accepted_stored_and_published():
    deps, s = station()
    message = {"timeBase": ts(1), "evseId": 1, "chargingSchedule": SCHEDULE}
    assert s.call("NotifyEVChargingSchedule", message) == {"status": "Accepted"}
    assert s.call("NotifyEVChargingSchedule", message) == {"status": "Accepted"}
    (schedule,) = stored(deps, "ev-schedule")
    assert schedule.event_key == "2026-06-01T10:01:00.000Z#0000000001"
    assert unpacked(schedule.detail) == SCHEDULE
    for event in deps.publisher.of_type(EV_CHARGING_SCHEDULE_RECEIVED):
        catalogued(event)


def test_K09_reported_charging_profiles_are_stored_per_profile():
    deps, s = station()
    profile = {
        "id": 11,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [SCHEDULE],
    }
    message = {
        "requestId": 4,
        "chargingLimitSource": "CSO",
        "evseId": 1,
        "tbc": True,
        "chargingProfile": [profile, {**profile, "id": 12}],
    }
    assert s.call("ReportChargingProfiles", message) == {}
    assert s.call("ReportChargingProfiles", message) == {}
    items = stored(deps, "charging-profiles")
    assert [i.detail["profileId"] for i in items] == [12, 11]
    assert unpacked(items[1].detail)["chargingSchedule"] == [SCHEDULE]


def test_L03_firmware_publishing_status_is_stored_per_request_and_status():
    deps, s = station()
    published = {"status": "Published", "requestId": 3, "location": ["https://lc/fw.bin"]}
    assert (
        s.call("PublishFirmwareStatusNotification", {"status": "Downloading", "requestId": 3}) == {}
    )
    assert s.call("PublishFirmwareStatusNotification", published) == {}
    assert s.call("PublishFirmwareStatusNotification", published) == {}
    items = stored(deps, "firmware-publish")
    assert [i.detail["status"] for i in items] == ["Published", "Downloading"]
    events = deps.publisher.of_type(FIRMWARE_PUBLISH_STATUS_CHANGED)
    assert events[-1].detail["locations"] == ["https://lc/fw.bin"]
    for event in events:
        catalogued(event)


def test_odd_numbers_are_kept_as_json_can_carry_them():
    deps, s = station()
    big = 10**40  # beyond what DynamoDB's numbers hold
    schedule = {**SCHEDULE, "chargingSchedulePeriod": [{"startPeriod": 0, "limit": big}]}
    s.call(
        "NotifyEVChargingSchedule", {"timeBase": ts(1), "evseId": 1, "chargingSchedule": schedule}
    )
    (item,) = stored(deps, "ev-schedule")
    assert unpacked(item.detail)["chargingSchedulePeriod"][0]["limit"] == big
    json.dumps(item.detail, allow_nan=False)


def test_a_failed_write_is_not_acknowledged():
    deps, s = station()

    def broken(events):
        raise RuntimeError("table unavailable")

    deps.charger_events.record = broken  # type: ignore[method-assign]
    frame = s.frame("NotifyChargingLimit", {"chargingLimit": {"chargingLimitSource": "SO"}})
    assert frame[0] == 4
    assert not deps.publisher.of_type(CHARGING_LIMIT_CHANGED)


def test_odd_text_is_kept_within_the_message_s_size():
    deps, s = station()
    content = "Prix \ud800 " + "é" * 400  # a lone surrogate, and text ASCII escapes would grow
    info = {"id": 1, "priority": "NormalCycle", "message": {"format": "UTF8", "content": content}}
    assert s.call("NotifyDisplayMessages", {"requestId": 1, "messageInfo": [info]}) == {}
    (item,) = stored(deps, "display")
    kept = unpacked(item.detail)["message"]["content"]
    assert kept == "Prix \ufffd " + "é" * 400
    assert len(item.detail["content"]) < 500
    item.detail["content"].encode("utf-8")
