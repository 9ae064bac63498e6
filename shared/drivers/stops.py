"""A driver stops their own running session: the charger is asked to, through the command
engine, in its OCPP version's terms."""

from __future__ import annotations

from dataclasses import dataclass

from shared.admin.errors import Conflict
from shared.commands.engine import CommandEngine
from shared.drivers.sessions import DriverSessions
from shared.models.command import CommandRecord

# How long the API waits for the charger's answer before it answers "pending".
STOP_WAIT_S = 10.0


@dataclass
class DriverStops:
    sessions: DriverSessions
    engine: CommandEngine
    wait_s: float = STOP_WAIT_S

    def stop(self, driver_id: str, session_id: str) -> CommandRecord:
        record = self.sessions.get(driver_id, session_id)  # NotFound unless it is theirs
        if record.stopped or record.status != "active":
            raise Conflict("the session is not running")
        if record.protocol == "ocpp1.6":
            action = "RemoteStopTransaction"
            payload: dict[str, object] = {"transactionId": int(record.transaction_id)}
        else:
            action = "RequestStopTransaction"
            payload = {"transactionId": record.transaction_id}
        command = self.engine.send(
            record.charge_point_id, action, payload, requested_by=f"driver:{driver_id}"
        )
        answered = self.engine.wait(record.charge_point_id, command.message_id, self.wait_s)
        return answered or command
