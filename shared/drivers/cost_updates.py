"""The running cost of a priced 2.0.1 session, sent to its station during the session
(OCPP 2.0.1 I02, CostUpdated; docs/adr/0044-cost-on-the-station.md).

A charger's message handler cannot send a CALL before its own answer, so the cost goes out after
the fact, from the telemetry consumer that already writes each session's latest reading
(shared/telemetry/session_progress.py): when that write returns the session, this decides
whether a cost update is due. Nothing is read or written for a session without a tariff (the
session record says so), or for one sent a cost less than the interval before (the record says
that too); otherwise one conditional write on the session claims the update for this reading,
so that of two copies of a redelivered batch only one sends, at most one per interval.

The command goes through the command engine (one command in flight per charger). A charger
busy with another command, or offline, skips this update: the next reading after the interval
sends the then current cost.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from shared.admin.tariffs import TariffAdmin
from shared.commands.engine import CommandEngine, CommandError
from shared.models.tariff import Tariff
from shared.models.transaction import TransactionRecord
from shared.observability import count_metric
from shared.ocpp.versions import OcppVersion
from shared.ports import TransactionRepository
from shared.pricing.station import ocpp_amount, running_price
from shared.timeutil import to_epoch_ms

logger = logging.getLogger("csms.drivers.cost_updates")

COST_UPDATE_ACTION = "CostUpdated"
REQUESTED_BY = "cost-updates"
# A CostUpdated is a display refresh: a short deadline keeps the charger's command slot free.
COST_UPDATE_TIMEOUT_S = 30
# Tariff versions never change: a consumer keeps the ones it priced with.
REMEMBERED_TARIFFS = 256


@dataclass
class CostUpdates:
    transactions: TransactionRepository
    tariffs: TariffAdmin
    engine: CommandEngine
    # At most one CostUpdated per session per this many seconds of its readings; 0: none.
    interval_s: int
    _tariffs: OrderedDict[tuple[str, int], Tariff] = field(
        default_factory=OrderedDict, init=False, repr=False
    )

    def due(self, session: TransactionRecord, at: datetime) -> bool:
        """Whether the session read at `at` may need a cost update, from the record alone."""
        if not self.interval_s or session.tariff_id is None or session.tariff_version is None:
            return False
        if session.stopped or session.protocol != OcppVersion.V201.value:
            return False
        last = session.cost_updated_at_ms
        return last is None or to_epoch_ms(at) - last >= self.interval_s * 1000

    def session_progressed(self, session: TransactionRecord, at: datetime) -> bool:
        """After the session's latest reading (at `at`) is stored: send its running cost if
        due. True if a CostUpdated was sent."""
        if not self.due(session, at) or session.tariff_id is None or session.tariff_version is None:
            return False
        cp, tx = session.charge_point_id, session.transaction_id
        if not self.transactions.claim_cost_update(cp, tx, to_epoch_ms(at), self.interval_s * 1000):
            return False  # another copy of this batch sent it, or the session stopped
        tariff = self._tariff(session.tariff_id, session.tariff_version)
        price = running_price(session, tariff, at)
        payload = {"totalCost": ocpp_amount(price.total_incl_tax), "transactionId": tx}
        try:
            self.engine.send(
                cp,
                COST_UPDATE_ACTION,
                payload,
                timeout_s=COST_UPDATE_TIMEOUT_S,
                requested_by=REQUESTED_BY,
            )
        except CommandError as exc:
            logger.info(
                "running cost not sent (%s): the next reading after the interval sends it",
                exc.code,
                extra={"chargePointId": cp, "transactionId": tx},
            )
            count_metric("CostUpdatesSkipped", {})
            return False
        count_metric("CostUpdatesSent", {})
        return True

    def _tariff(self, tariff_id: str, version: int) -> Tariff:
        key = (tariff_id, version)
        tariff = self._tariffs.get(key)
        if tariff is None:
            tariff = self._tariffs[key] = self.tariffs.version(tariff_id, version)
            while len(self._tariffs) > REMEMBERED_TARIFFS:
                self._tariffs.popitem(last=False)
        return tariff
