"""What a 2.0.1 station is told about a session's price (docs/adr/0044-cost-on-the-station.md):
the tariff as text when the session starts (I01, updatedPersonalMessage) and the final cost when
it ends (I03, totalCost), both in the TransactionEventResponse. The running cost during the
session (I02, CostUpdated) is sent after the fact by shared/drivers/cost_updates.py.

A session is priced when the settlement would price it (shared/drivers/session_tariffs.py):
the version chosen at the start is stored on the session, and the settlement and the station
both price that version with the same usage, so the station shows what the receipt says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.drivers.session_tariffs import SessionTariffs
from shared.models.tariff import Tariff
from shared.models.transaction import TransactionRecord
from shared.ports import TransactionRepository
from shared.pricing.station import final_price, ocpp_amount, price_message


@dataclass
class StationCostService:
    transactions: TransactionRepository
    session_tariffs: SessionTariffs

    def tariff_of(self, session: TransactionRecord, driver_id: str) -> Tariff | None:
        return self.session_tariffs.of_driver(session, driver_id).tariff

    def answer_fields(
        self, charge_point_id: str, transaction_id: str, session: TransactionRecord | None
    ) -> dict[str, Any]:
        if session is None:
            session = self.transactions.get(charge_point_id, transaction_id)
        tariff = self.stored_tariff(session)
        if session is None or tariff is None:
            return {}
        if session.stopped:
            return {"totalCost": ocpp_amount(final_price(session, tariff).total_incl_tax)}
        return {"updatedPersonalMessage": price_message(tariff)}

    def stored_tariff(self, session: TransactionRecord | None) -> Tariff | None:
        """The version stored on the session at its start (None: the session is not priced)."""
        if session is None or session.tariff_id is None or session.tariff_version is None:
            return None
        return self.session_tariffs.tariffs.version(session.tariff_id, session.tariff_version)
