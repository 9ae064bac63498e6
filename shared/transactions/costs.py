"""What the transaction handlers ask about a session's price (OCPP 2.0.1 block I;
docs/adr/0044-cost-on-the-station.md). Implemented where tariffs and drivers are known
(shared/drivers/station_costs.py); None in TransactionHandlers: the station is told no price."""

from __future__ import annotations

from typing import Any, Protocol

from shared.models.tariff import Tariff
from shared.models.transaction import TransactionRecord


class StationCosts(Protocol):
    def tariff_of(self, session: TransactionRecord, driver_id: str) -> Tariff | None:
        """The tariff version a starting session of the driver's is priced with (None: it is
        not priced)."""
        ...

    def answer_fields(
        self, charge_point_id: str, transaction_id: str, session: TransactionRecord | None
    ) -> dict[str, Any]:
        """What a TransactionEventResponse adds for the session (`session`: as the event left
        it; None: read the stored one): the price text while it runs
        (updatedPersonalMessage), the final cost once it ended (totalCost); nothing for a
        session without a tariff."""
        ...
