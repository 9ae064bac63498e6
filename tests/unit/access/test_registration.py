"""The registration rule (docs/adr/0040): what a charger not Accepted may send, B02/B03 and 1.6."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.access.registration import (
    RECENT_COMMANDS,
    REPORT_WINDOW_S,
    SOLICITABLE,
    TRIGGER_WINDOW_S,
    RegistrationGate,
    may_send,
)
from shared.adapters.memory.chargers import MemoryChargerRepository
from shared.adapters.memory.commands import MemoryCommandStore
from shared.models.charger import ChargerRecord
from shared.models.command import CommandRecord
from shared.ocpp.versions import OcppVersion
from shared.timeutil import iso_utc

V16, V201 = OcppVersion.V16, OcppVersion.V201
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
_ids = iter(range(1_000_000))


def command(
    action: str,
    payload: dict[str, Any],
    *,
    status: str = "answered",
    answer: str | None = "Accepted",
    age_s: float = 5,
    protocol: OcppVersion = V201,
    charger: str = "CP1",
) -> CommandRecord:
    return CommandRecord(
        charge_point_id=charger,
        message_id=f"m-{next(_ids):06d}",
        action=action,
        protocol=protocol.value,
        status=status,  # type: ignore[arg-type]
        created_at=iso_utc(NOW - timedelta(seconds=age_s)),
        deadline_ms=0,
        expires_at=0,
        payload=payload,
        result={"status": answer} if status == "answered" and answer else None,
    )


def trigger(message: str, **kw: Any) -> CommandRecord:
    return command("TriggerMessage", {"requestedMessage": message}, **kw)


def report(request_id: int, action: str = "GetBaseReport", **kw: Any) -> CommandRecord:
    return command(action, {"requestId": request_id, "reportBase": "FullInventory"}, **kw)


# The table


@pytest.mark.parametrize("version", [V16, V201])
@pytest.mark.parametrize("registration", ["Accepted", "Pending", "Rejected", None])
def test_boot_notification_is_always_served(version, registration):
    assert may_send(registration, version, "BootNotification", {}, [], NOW)


@pytest.mark.parametrize("action", ["StatusNotification", "NotifyEvent", "TransactionEvent"])
def test_an_accepted_charger_sends_anything(action):
    assert may_send("Accepted", V201, action, {}, [], NOW)


@pytest.mark.parametrize(
    "action", ["StatusNotification", "NotifyEvent", "Heartbeat", "NotifyReport", "Authorize"]
)
def test_B02_a_pending_charger_sends_nothing_unasked(action):
    assert not may_send("Pending", V201, action, {"requestId": 1}, [], NOW)


def test_B03_a_rejected_or_unknown_charger_sends_only_boot_even_when_asked():
    asked = [trigger("StatusNotification"), report(7)]
    for registration in ("Rejected", None):
        assert not may_send(registration, V201, "StatusNotification", {}, asked, NOW)
        assert not may_send(registration, V201, "NotifyReport", {"requestId": 7}, asked, NOW)


# Pending: what the central system asked for (B02.FR.09)


def test_B02_notify_report_of_a_get_base_report_or_get_report_with_its_request_id():
    for action in ("GetBaseReport", "GetReport"):
        asked = [report(7, action)]
        assert may_send("Pending", V201, "NotifyReport", {"requestId": 7}, asked, NOW)
        assert not may_send("Pending", V201, "NotifyReport", {"requestId": 8}, asked, NOW)


def test_B02_a_report_refused_or_empty_asks_for_nothing_one_still_pending_does():
    for answer in ("Rejected", "NotSupported", "EmptyResultSet"):
        refused = [report(7, answer=answer)]
        assert not may_send("Pending", V201, "NotifyReport", {"requestId": 7}, refused, NOW)
    for status in ("error", "timeout", "offline", "invalid_response"):
        failed = [report(7, status=status, answer=None)]
        assert not may_send("Pending", V201, "NotifyReport", {"requestId": 7}, failed, NOW)
    # The answer and the first part race on parallel invocations: pending counts.
    pending = [report(7, status="pending", answer=None)]
    assert may_send("Pending", V201, "NotifyReport", {"requestId": 7}, pending, NOW)


def test_B02_a_report_is_asked_for_within_its_window():
    assert may_send(
        "Pending", V201, "NotifyReport", {"requestId": 7}, [report(7, age_s=REPORT_WINDOW_S)], NOW
    )
    late = [report(7, age_s=REPORT_WINDOW_S + 1)]
    assert not may_send("Pending", V201, "NotifyReport", {"requestId": 7}, late, NOW)


@pytest.mark.parametrize("request_id", [None, "7", 7.0, True, [7], {"id": 7}])
def test_B02_a_malformed_request_id_matches_nothing(request_id):
    asked = [report(7), report(1)]
    payload = {} if request_id is None else {"requestId": request_id}
    assert not may_send("Pending", V201, "NotifyReport", payload, asked, NOW)


@pytest.mark.parametrize(
    ("requested", "action"),
    [
        ("BootNotification", "BootNotification"),
        ("StatusNotification", "StatusNotification"),
        ("Heartbeat", "Heartbeat"),
        ("MeterValues", "MeterValues"),
        ("TransactionEvent", "TransactionEvent"),
        ("LogStatusNotification", "LogStatusNotification"),
        ("FirmwareStatusNotification", "FirmwareStatusNotification"),
        ("PublishFirmwareStatusNotification", "PublishFirmwareStatusNotification"),
        ("SignChargingStationCertificate", "SignCertificate"),
        ("SignV2GCertificate", "SignCertificate"),
        ("SignCombinedCertificate", "SignCertificate"),
    ],
)
def test_B02_the_message_a_trigger_message_requested(requested, action):
    assert may_send("Pending", V201, action, {}, [trigger(requested)], NOW)


def test_B02_a_trigger_asks_for_its_message_only_and_only_soon_after():
    asked = [trigger("StatusNotification")]
    assert not may_send("Pending", V201, "Heartbeat", {}, asked, NOW)
    assert not may_send("Pending", V201, "NotifyEvent", {}, asked, NOW)
    assert may_send(
        "Pending", V201, "StatusNotification", {}, [trigger("StatusNotification", age_s=120)], NOW
    )
    late = [trigger("StatusNotification", age_s=TRIGGER_WINDOW_S + 1)]
    assert not may_send("Pending", V201, "StatusNotification", {}, late, NOW)
    refused = [trigger("StatusNotification", answer="Rejected")]
    assert not may_send("Pending", V201, "StatusNotification", {}, refused, NOW)
    assert not may_send("Pending", V201, "StatusNotification", {}, [trigger("Bogus")], NOW)


def test_commands_of_another_version_or_kind_ask_for_nothing():
    v16_trigger = trigger("StatusNotification", protocol=V16)
    assert not may_send("Pending", V201, "StatusNotification", {}, [v16_trigger], NOW)
    # A GetVariables or SetVariables is answered by its CALLRESULT, nothing follows it.
    others = [command("SetVariables", {"requestId": 7}), command("GetVariables", {"requestId": 7})]
    assert not may_send("Pending", V201, "NotifyReport", {"requestId": 7}, others, NOW)
    # NotifyMonitoringReport is not among what B02.FR.09 lets through.
    monitoring = [command("GetMonitoringReport", {"requestId": 7})]
    assert not may_send(
        "Pending", V201, "NotifyMonitoringReport", {"requestId": 7}, monitoring, NOW
    )


# OCPP 1.6 §4.2.1: Pending sends only what a TriggerMessage asked for; no reports.


def test_16_pending_sends_what_trigger_message_or_extended_trigger_message_requested():
    asked = [trigger("StatusNotification", protocol=V16)]
    assert may_send("Pending", V16, "StatusNotification", {}, asked, NOW)
    assert not may_send("Pending", V16, "MeterValues", {}, asked, NOW)
    diagnostics = [trigger("DiagnosticsStatusNotification", protocol=V16)]
    assert may_send("Pending", V16, "DiagnosticsStatusNotification", {}, diagnostics, NOW)
    extended = [
        command(
            "ExtendedTriggerMessage",
            {"requestedMessage": "SignChargePointCertificate"},
            protocol=V16,
        )
    ]
    assert may_send("Pending", V16, "SignCertificate", {}, extended, NOW)
    assert not may_send("Pending", V16, "StartTransaction", {}, [], NOW)
    assert "NotifyReport" not in SOLICITABLE[V16]


# The gate over the repositories


class CountingCommands(MemoryCommandStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[int] = []

    def by_charger(self, charge_point_id, limit, cursor, action=None):
        self.reads.append(limit)
        return super().by_charger(charge_point_id, limit, cursor, action)


@pytest.fixture
def gate() -> RegistrationGate:
    chargers = MemoryChargerRepository()
    chargers.create(ChargerRecord("CP1", registration_status="Pending"))
    chargers.create(ChargerRecord("CP2", registration_status="Rejected"))
    chargers.create(ChargerRecord("CP3", registration_status="Accepted"))
    return RegistrationGate(chargers, CountingCommands())


def test_the_gate_reads_commands_only_for_a_pending_charger_and_a_message_one_can_ask_for(gate):
    commands = gate.commands
    assert isinstance(commands, CountingCommands)
    commands.create(report(7))
    assert gate("CP1", V201, "NotifyReport", {"requestId": 7}, NOW)
    assert commands.reads == [RECENT_COMMANDS]
    assert not gate("CP1", V201, "NotifyEvent", {}, NOW)  # nothing can ask for it
    assert not gate("CP2", V201, "NotifyReport", {"requestId": 7}, NOW)  # Rejected
    assert gate("CP3", V201, "NotifyEvent", {}, NOW)  # accepted since it connected
    assert not gate("GONE", V201, "Heartbeat", {}, NOW)  # deleted meanwhile
    assert gate("GONE", V201, "BootNotification", {}, NOW)
    assert commands.reads == [RECENT_COMMANDS]


def test_the_gate_sees_only_the_chargers_own_newest_commands(gate):
    gate.commands.create(report(7, charger="CP2"))
    assert not gate("CP1", V201, "NotifyReport", {"requestId": 7}, NOW)
    gate.commands.create(report(7, age_s=60))
    for n in range(RECENT_COMMANDS):  # the report drops out of the newest commands
        gate.commands.create(command("SetVariables", {"n": n}, age_s=30 - n))
    assert not gate("CP1", V201, "NotifyReport", {"requestId": 7}, NOW)
