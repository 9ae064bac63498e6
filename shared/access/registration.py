"""What a charger whose registration is not Accepted may send (docs/adr/0040).

A connection carries the registration the charger had when it connected. An Accepted one is
served without a look here (a change of registration away from Accepted closes the connection).
On any other connection BootNotification is always served, and every other CALL asks this
module, with the charger's registration as stored now:

| registration | the charger may send                                                        |
|--------------|-----------------------------------------------------------------------------|
| Accepted     | anything (an operator accepted it while it was connected)                   |
| Pending      | BootNotification, and what the central system asked for (B02.FR.09; 1.6     |
|              | §4.2.1): the message a TriggerMessage (1.6 also ExtendedTriggerMessage)     |
|              | requested, and on 2.0.1 the NotifyReport of a GetBaseReport or GetReport    |
|              | with the same requestId                                                     |
| Rejected     | BootNotification only (B03.FR.07; 1.6 §4.2.1)                               |

"Asked for" is read from the charger's newest commands: a command record is written before its
CALL goes out, so it is there before the charger can act on it. A command still pending counts
(the charger's answer and the message it causes arrive on parallel invocations, in any order);
an answered one only if the charger said Accepted. The answers to our commands are CALLRESULTs
and never reach this module: a Pending charger is configured through them.

Cost: nothing for an Accepted connection; for a CALL other than BootNotification on any other
connection one GetItem, and if the message is one a command can ask for, one index Query and one
BatchGetItem of at most RECENT_COMMANDS commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.models.charger import RegistrationStatus
from shared.models.command import CommandRecord
from shared.ocpp.versions import OcppVersion
from shared.ports import ChargerRepository, CommandStore
from shared.timeutil import parse_timestamp

BOOT = "BootNotification"

# TriggerMessage's requestedMessage -> the action the charger then sends.
_TRIGGERED_V16: dict[str, str] = {
    "BootNotification": "BootNotification",
    "DiagnosticsStatusNotification": "DiagnosticsStatusNotification",
    "FirmwareStatusNotification": "FirmwareStatusNotification",
    "Heartbeat": "Heartbeat",
    "MeterValues": "MeterValues",
    "StatusNotification": "StatusNotification",
}
# The 1.6 security extension's ExtendedTriggerMessage.
_EXTENDED_TRIGGERED_V16: dict[str, str] = {
    "BootNotification": "BootNotification",
    "LogStatusNotification": "LogStatusNotification",
    "FirmwareStatusNotification": "FirmwareStatusNotification",
    "Heartbeat": "Heartbeat",
    "MeterValues": "MeterValues",
    "SignChargePointCertificate": "SignCertificate",
    "StatusNotification": "StatusNotification",
}
_TRIGGERED_V201: dict[str, str] = {
    "BootNotification": "BootNotification",
    "LogStatusNotification": "LogStatusNotification",
    "FirmwareStatusNotification": "FirmwareStatusNotification",
    "Heartbeat": "Heartbeat",
    "MeterValues": "MeterValues",
    "SignChargingStationCertificate": "SignCertificate",
    "SignV2GCertificate": "SignCertificate",
    "SignCombinedCertificate": "SignCertificate",
    "StatusNotification": "StatusNotification",
    "TransactionEvent": "TransactionEvent",
    "PublishFirmwareStatusNotification": "PublishFirmwareStatusNotification",
}

# Per version: command action -> (requestedMessage -> the action it makes the charger send).
TRIGGERS: dict[OcppVersion, dict[str, Mapping[str, str]]] = {
    OcppVersion.V16: {
        "TriggerMessage": _TRIGGERED_V16,
        "ExtendedTriggerMessage": _EXTENDED_TRIGGERED_V16,
    },
    OcppVersion.V201: {"TriggerMessage": _TRIGGERED_V201},
}
# Per version: the commands whose report comes back as NotifyReport with their requestId.
REPORTS: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.V16: frozenset(),
    OcppVersion.V201: frozenset({"GetBaseReport", "GetReport"}),
}
REPORT_ACTION = "NotifyReport"

# How long after the command its messages are taken as asked for. A triggered message follows
# the answer at once (one per connector at most); a report's parts may take minutes, and its
# requestId already ties them to the command.
TRIGGER_WINDOW_S = 120
REPORT_WINDOW_S = 3600
# The charger's newest commands read to find the one that asked (one page, one BatchGetItem).
RECENT_COMMANDS = 20


def _solicitable(version: OcppVersion) -> frozenset[str]:
    actions = {action for table in TRIGGERS[version].values() for action in table.values()}
    if REPORTS[version]:
        actions.add(REPORT_ACTION)
    return frozenset(actions)


# What any command can ask a charger to send: other actions need no command lookup.
SOLICITABLE: dict[OcppVersion, frozenset[str]] = {v: _solicitable(v) for v in OcppVersion}


def _still_valid(command: CommandRecord) -> bool:
    """Pending (its answer may be on its way) or answered Accepted."""
    if command.status == "pending":
        return True
    return command.status == "answered" and (command.result or {}).get("status") == "Accepted"


def asks_for(
    command: CommandRecord,
    version: OcppVersion,
    action: str,
    payload: Mapping[str, Any],
    now: datetime,
) -> bool:
    """Whether `command` asked the charger to send this CALL (checked before the CALL's schema:
    `payload` may be anything)."""
    if command.protocol != version.value or not _still_valid(command):
        return False
    sent = parse_timestamp(command.created_at)
    if sent is None:
        return False
    age_s = (now - sent).total_seconds()
    triggered = TRIGGERS[version].get(command.action)
    if triggered is not None:
        requested = command.payload.get("requestedMessage")
        return (
            isinstance(requested, str)
            and triggered.get(requested) == action
            and age_s <= TRIGGER_WINDOW_S
        )
    if command.action in REPORTS[version] and action == REPORT_ACTION:
        request_id = payload.get("requestId")
        # bool is an int too: a report's requestId is a number, never true/false.
        return (
            isinstance(request_id, int)
            and not isinstance(request_id, bool)
            and command.payload.get("requestId") == request_id
            and age_s <= REPORT_WINDOW_S
        )
    return False


def may_send(
    registration: RegistrationStatus | None,
    version: OcppVersion,
    action: str,
    payload: Mapping[str, Any],
    recent_commands: list[CommandRecord],
    now: datetime,
) -> bool:
    """The rule of the table above for one CALL (`registration` None: the charger is gone)."""
    if action == BOOT or registration == "Accepted":
        return True
    if registration != "Pending" or action not in SOLICITABLE[version]:
        return False
    return any(asks_for(c, version, action, payload, now) for c in recent_commands)


@dataclass
class RegistrationGate:
    """The router's check for a connection opened while its charger was not Accepted."""

    chargers: ChargerRepository
    commands: CommandStore

    def __call__(
        self,
        charge_point_id: str,
        version: OcppVersion,
        action: str,
        payload: Mapping[str, Any],
        now: datetime,
    ) -> bool:
        if action == BOOT:
            return True
        record = self.chargers.get(charge_point_id)
        registration = record.registration_status if record is not None else None
        recent: list[CommandRecord] = []
        if registration == "Pending" and action in SOLICITABLE[version]:
            recent = self.commands.by_charger(charge_point_id, RECENT_COMMANDS, None).items
        return may_send(registration, version, action, payload, recent, now)
