"""Energy per charger and UTC day, and the network's per UTC day and hour, from
TransactionStopped events, exactly once per session: a session counts in the day and hour it
stopped.

EventBridge delivers at least once; the ledger's marker on the session makes a redelivery a
no-op. Sessions without a trustworthy energy figure (meter anomalies) are not added: they are
flagged on the session for the operator instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from shared.ports import EnergyLedger
from shared.telemetry.network_energy import stop_periods

logger = logging.getLogger("csms.telemetry.energy_rollup")


@dataclass
class EnergyRollup:
    ledger: EnergyLedger

    def on_transaction_stopped(self, charge_point_id: str, detail: dict[str, Any]) -> bool:
        """Add the session's energy to its day; False if there was nothing (more) to add."""
        energy = detail.get("energyWh")
        stopped_at = detail.get("stoppedAt")
        transaction_id = detail.get("transactionId")
        if energy is None or not stopped_at or not transaction_id:
            logger.info(
                "session without energy figure not rolled up",
                extra={
                    "chargePointId": charge_point_id,
                    "transactionId": transaction_id,
                    "anomaly": detail.get("anomaly"),
                },
            )
            return False
        day, hour = stop_periods(str(stopped_at))
        added = self.ledger.add_session_once(
            charge_point_id, str(transaction_id), day, int(energy), hour=hour
        )
        if not added:
            logger.info(
                "session already rolled up",
                extra={"chargePointId": charge_point_id, "transactionId": transaction_id},
            )
        return added
