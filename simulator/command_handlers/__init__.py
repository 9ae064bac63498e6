"""How a simulated charger answers the commands a CSMS sends, in OCPP 1.6 and 2.0.1.

Every command has an answer — what a working charger does: look at its state, answer, then
act (start or stop a session, reboot, send the requested message, report the progress of a
firmware update or a diagnostics upload) — and a refusal, the negative answer of a charger
that will not do it. `default_handlers()` (simulator/handlers.py) registers the answers, or
the refusals for the actions a test wants refused.

What commands read and change lives in `DeviceState` (`charger.device`). Progress reports are
accelerated (`job_step_s` between steps) and remote sessions end by themselves after
`remote_session_duration_s` (the driver unplugs), unless stopped first.

Modules, lowest first (each imports only those above it):
- device_state: DeviceState and what it holds (settings, reservations, remote sessions).
- charger_api: ChargerApi, the Protocol of what handlers use of a charger.
- command: Command (answer + refusal), Payload, refusal(), quietly().
- connectors: connector status, free connectors, availability changes.
- remote_sessions: sessions the CSMS starts and stops; resets.
- both_versions: what 1.6 and 2.0.1 commands share (settings, local list, triggered reports).
- charging_profiles: smart charging (1.6 and 2.0.1) and the limit a connector obeys.
- v16, v201: each version's handlers and its table; COMMANDS below joins them.
- v16_security: the 1.6 security extension's commands (certificates, GetLog, signed firmware).
"""

from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import V16, V201, Answer, Command, Payload, refusal
from simulator.command_handlers.device_state import (
    DeviceState,
    RemoteSession,
    Reservation,
    Setting,
)
from simulator.command_handlers.v16 import V16_COMMANDS
from simulator.command_handlers.v16_security import SECURITY_COMMANDS_16
from simulator.command_handlers.v201 import V201_COMMANDS

# Every command a simulated charger knows, by protocol and action.
COMMANDS: dict[str, dict[str, Command]] = {
    V16: {**V16_COMMANDS, **SECURITY_COMMANDS_16},
    V201: V201_COMMANDS,
}

__all__ = [
    "COMMANDS",
    "Answer",
    "ChargerApi",
    "Command",
    "DeviceState",
    "Payload",
    "RemoteSession",
    "Reservation",
    "Setting",
    "refusal",
]
