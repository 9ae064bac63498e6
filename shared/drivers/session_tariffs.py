"""Which tariff version prices a session: one rule for the settlement, the receipt and what the
station is told (docs/adr/0044-cost-on-the-station.md), so that they never disagree.

A session is priced when its id tag is a driver's (their app token or one of their cards).
The version is, in order: the one stored on the session when it started (2.0.1 sessions the
station is told the price of), the one the driver's start request recorded (app starts), or
the one valid at the start for the charger's connector on its location.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.admin.tariffs import TariffAdmin
from shared.models.start_request import StartRequest
from shared.models.tariff import Tariff
from shared.models.transaction import TransactionRecord
from shared.ports import IdTagRepository, StartRequestStore
from shared.timeutil import from_epoch_ms, parse_timestamp, to_epoch_ms

TariffOf = Callable[[str, int], str | None]


@dataclass(frozen=True)
class DriverSession:
    """A driver's session: whose it is, the app start behind it (if any), its tariff (None:
    no tariff applies, the session is free of charge and not settled)."""

    driver_id: str
    request: StartRequest | None
    tariff: Tariff | None


@dataclass
class SessionTariffs:
    id_tags: IdTagRepository
    requests: StartRequestStore
    tariffs: TariffAdmin
    tariff_of: TariffOf

    def driver_session(self, session: TransactionRecord) -> DriverSession | None:
        """The session as a driver's, or None when its id tag is nobody's."""
        if session.id_tag is None:
            return None
        tag = self.id_tags.get(session.id_tag)
        if tag is None or tag.owner_id is None:
            return None
        return self.of_driver(session, tag.owner_id)

    def of_driver(self, session: TransactionRecord, driver_id: str) -> DriverSession:
        """The session of a driver whose tag it is known to be (read with its answer)."""
        request = self.request_of(session)
        return DriverSession(driver_id, request, self.tariff(session, request))

    def tariff(self, session: TransactionRecord, request: StartRequest | None) -> Tariff | None:
        if session.tariff_id is not None and session.tariff_version is not None:
            return self.tariffs.version(session.tariff_id, session.tariff_version)
        if request is not None:
            return self.tariffs.version(request.tariff_id, request.tariff_version)
        tariff_id = self.tariff_of(session.charge_point_id, session.connector_id or 0)
        if tariff_id is None:
            return None
        started = from_epoch_ms(session.started_at_ms or 0)
        return self.tariffs.valid_at(tariff_id, started)

    def request_of(self, session: TransactionRecord) -> StartRequest | None:
        """The start request behind an app session (None for a card session)."""
        if not (session.id_tag or "").startswith("APP-"):
            return None
        # The request came before the session started: by the platform's clock (received),
        # or the charger's when that is earlier (a charger whose clock runs fast is not
        # taken for one that started long after its request).
        received = parse_timestamp(session.received_at)
        started_ms = min(
            session.started_at_ms or 0,
            to_epoch_ms(received) if received is not None else session.started_at_ms or 0,
        )
        since = started_ms - 3_600_000
        for request in self.requests.by_charger(session.charge_point_id, since):
            if request.id_tag != session.id_tag:
                continue
            if request.transaction_id in (None, session.transaction_id) and (
                request.remote_start_id is None
                or session.remote_start_id in (None, request.remote_start_id)
            ):
                return request
        return None
