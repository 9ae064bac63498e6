"""Settling a finished session (SettleSession, started by TransactionStopped; docs/adr/0011).

A session is settled when its id tag is a driver's: their app token (a start from the app,
paid from the start request's hold) or one of their cards (charged at once to their default
payment method, or left to invoice when they have none). The price comes from the tariff
version the request recorded, or the one valid at the start for the charger's location.

Idempotent end to end: every payment call carries a key derived from the session
(`settle:{chargePointId}:{transactionId}:{step}`), so a second run, or two runs at once, get
the provider's first answer instead of a second payment; the receipt is written once
(conditional), and the request's last transition is conditional too.

    price = 0                  -> the hold is released
    price <= hold              -> exactly the price is captured (the rest of the hold released)
    price > hold               -> the hold is captured, the rest charged off session, or owed
    hold expired / not capturable -> the whole price is charged off session, or owed
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.admin.errors import Conflict
from shared.admin.tariffs import TariffAdmin
from shared.drivers.payment_methods import DriverPaymentMethods
from shared.models.domain_events import RECEIPT_ISSUED, DomainEvent
from shared.models.receipt import PaymentOutcome, Receipt, ReceiptLine
from shared.models.start_request import StartRequest
from shared.models.tariff import Tariff
from shared.models.transaction import TransactionRecord
from shared.payments.keys import settle_key
from shared.ports import (
    EventPublisher,
    IdTagRepository,
    ReceiptStore,
    StartRequestStore,
    TransactionRepository,
)
from shared.ports.payments import (
    AuthenticationRequired,
    CaptureFailed,
    PaymentDeclined,
    PaymentProvider,
    PaymentRequest,
)
from shared.ports.publishing import publish_safely
from shared.pricing.sessions import SessionPrice, UsagePeriod, price_session
from shared.timeutil import from_epoch_ms, iso_utc, parse_timestamp, to_epoch_ms

logger = logging.getLogger("csms.settlement")

TariffOf = Callable[[str, int], str | None]


@dataclass(frozen=True)
class Collected:
    outcome: PaymentOutcome
    paid_minor: int
    outstanding_minor: int
    payment_ids: tuple[str, ...]


@dataclass
class Settlement:
    transactions: TransactionRepository
    id_tags: IdTagRepository
    requests: StartRequestStore
    receipts: ReceiptStore
    payment_methods: DriverPaymentMethods
    provider: PaymentProvider
    tariffs: TariffAdmin
    tariff_of: TariffOf
    publisher: EventPublisher
    now: Callable[[], datetime]

    def settle(self, charge_point_id: str, transaction_id: str) -> dict[str, Any]:
        session = self.transactions.get(charge_point_id, transaction_id)
        if session is None or not session.stopped or session.id_tag is None:
            return {"status": "not-settleable"}
        existing = self.receipts.get(charge_point_id, transaction_id)
        if existing is not None:
            return self._finish(existing, None)  # a repeat: finish what may be left
        tag = self.id_tags.get(session.id_tag)
        if tag is None or tag.owner_id is None:
            return {"status": "not-a-driver-session"}
        request = self._request_of(session)
        tariff = self._tariff(session, request)
        if tariff is None:
            return {"status": "no-tariff"}
        price = price_session(tariff, [_usage(session)])
        collected = self._collect(session, tag.owner_id, request, price)
        receipt = _receipt(session, tag.owner_id, price, collected, request, self.now())
        if not self.receipts.create(receipt):
            stored = self.receipts.get(charge_point_id, transaction_id)
            assert stored is not None
            receipt = stored  # a concurrent run wrote it first (with the same payments)
        return self._finish(receipt, request)

    def _finish(self, receipt: Receipt, request: StartRequest | None) -> dict[str, Any]:
        if request is None and receipt.start_request_id is not None:
            request = self.requests.get(receipt.charge_point_id, receipt.start_request_id)
        if request is not None and request.status != "settled":
            self.requests.transition(
                request,
                frozenset({"sent", "claimed", "released"}),
                {
                    "status": "settled",
                    "transaction_id": receipt.transaction_id,
                    "captured_minor": receipt.paid_minor,
                    "due_at_ms": None,
                },
            )
        if not publish_safely(self.publisher, _receipt_event(receipt)):
            # Nothing else publishes a receipt later: fail the run, and SettleSession's retry
            # finds the receipt stored and publishes it (the same event id).
            raise ReceiptNotPublished(f"{receipt.charge_point_id}/{receipt.transaction_id}")
        return {"status": "settled", "outcome": receipt.outcome, "total": receipt.total_incl_tax}

    def _request_of(self, session: TransactionRecord) -> StartRequest | None:
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

    def _tariff(self, session: TransactionRecord, request: StartRequest | None) -> Tariff | None:
        if request is not None:
            return self.tariffs.version(request.tariff_id, request.tariff_version)
        tariff_id = self.tariff_of(session.charge_point_id, session.connector_id or 0)
        if tariff_id is None:
            return None
        started = from_epoch_ms(session.started_at_ms or 0)
        return self.tariffs.valid_at(tariff_id, started)

    def _collect(
        self,
        session: TransactionRecord,
        driver_id: str,
        request: StartRequest | None,
        price: SessionPrice,
    ) -> Collected:
        total = price.total_incl_tax
        cp, tx = session.charge_point_id, session.transaction_id
        held = request is not None and request.status in ("sent", "claimed", "settled")
        if held and request is not None and request.payment_intent_id:
            intent_id = request.payment_intent_id
            if total == 0:
                self.provider.cancel(intent_id, idempotency_key=settle_key(cp, tx, "cancel"))
                return Collected("released", 0, 0, (intent_id,))
            capture = min(total, request.hold_minor)
            try:
                self.provider.capture(
                    intent_id, capture, idempotency_key=settle_key(cp, tx, "capture")
                )
            except CaptureFailed:
                logger.warning("hold of %s/%s not capturable: charging instead", cp, tx)
                return self._charge(session, driver_id, price.currency, total, "charged")
            if total == capture:
                return Collected("captured", capture, 0, (intent_id,))
            rest = self._charge(session, driver_id, price.currency, total - capture, "captured")
            return Collected(
                rest.outcome,
                capture + rest.paid_minor,
                rest.outstanding_minor,
                (intent_id, *rest.payment_ids),
            )
        if total == 0:
            return Collected("released", 0, 0, ())
        # A card session, or an app start that came after its hold was released.
        return self._charge(session, driver_id, price.currency, total, "charged")

    def _charge(
        self,
        session: TransactionRecord,
        driver_id: str,
        currency: str,
        amount: int,
        outcome: PaymentOutcome,
    ) -> Collected:
        try:
            profile = self.payment_methods.profile(driver_id)
        except Conflict:
            return Collected("invoice", 0, amount, ())
        payment = PaymentRequest(
            amount_minor=amount,
            currency=currency,
            customer_id=profile.customer_id,
            payment_method_id=profile.payment_method_id,
            metadata={
                "driverId": driver_id,
                "session": f"{session.charge_point_id}/{session.transaction_id}",
            },
        )
        key = settle_key(session.charge_point_id, session.transaction_id, "charge")
        try:
            intent = self.provider.charge(payment, idempotency_key=key)
        except (PaymentDeclined, AuthenticationRequired) as exc:
            logger.warning("off-session charge declined (%s): %s owed", exc.code, amount)
            return Collected("outstanding", 0, amount, ())
        return Collected(outcome, amount, 0, (intent.payment_intent_id,))


class ReceiptNotPublished(Exception):
    """The receipt is stored but the bus did not take ReceiptIssued: run the settlement again."""


def _usage(session: TransactionRecord) -> UsagePeriod:
    """The session as one charging period: energy spread evenly over its duration (the
    platform keeps no per-interval readings on the session); an unknown energy (a meter that
    went backwards) is priced as none."""
    started_ms = session.started_at_ms or session.stopped_at_ms or 0
    duration_s = session.duration_s
    if duration_s is None:
        duration_s = max(0, ((session.stopped_at_ms or started_ms) - started_ms) // 1000)
    return UsagePeriod(
        start=from_epoch_ms(started_ms),
        duration_s=max(0, duration_s),
        energy_wh=max(0, session.energy_wh or 0),
    )


def _receipt(
    session: TransactionRecord,
    driver_id: str,
    price: SessionPrice,
    collected: Collected,
    request: StartRequest | None,
    now: datetime,
) -> Receipt:
    return Receipt(
        charge_point_id=session.charge_point_id,
        transaction_id=session.transaction_id,
        driver_id=driver_id,
        issued_at=iso_utc(now),
        started_at=session.started_at,
        stopped_at=session.stopped_at,
        energy_wh=price.energy_wh,
        duration_s=price.charging_s + price.parking_s,
        parking_s=price.parking_s,
        tariff_id=price.tariff_id,
        tariff_version=price.tariff_version,
        currency=price.currency,
        tax_rate_bp=price.tax_rate_bp,
        lines=tuple(
            ReceiptLine(line.dimension, line.unit_price, line.volume, line.amount)
            for line in price.lines
        ),
        total_excl_tax=price.total_excl_tax,
        tax=price.tax,
        total_incl_tax=price.total_incl_tax,
        outcome=collected.outcome,
        paid_minor=collected.paid_minor,
        outstanding_minor=collected.outstanding_minor,
        payment_ids=collected.payment_ids,
        start_request_id=request.request_id if request is not None else None,
    )


def _receipt_event(receipt: Receipt) -> DomainEvent:
    return DomainEvent(
        RECEIPT_ISSUED,
        receipt.charge_point_id,
        datetime.fromisoformat(receipt.issued_at.replace("Z", "+00:00")),
        {
            "transactionId": receipt.transaction_id,
            "driverId": receipt.driver_id,
            "currency": receipt.currency,
            "totalInclTax": receipt.total_incl_tax,
            "totalExclTax": receipt.total_excl_tax,
            "tax": receipt.tax,
            "energyWh": receipt.energy_wh,
            "outcome": receipt.outcome,
            "paidMinor": receipt.paid_minor,
            "outstandingMinor": receipt.outstanding_minor,
            "startRequestId": receipt.start_request_id,
        },
    )
