"""Settling a finished session (SettleSession, started by TransactionStopped; docs/adr/0011).

A session is settled when its id tag is a driver's: their app token (a start from the app,
paid from the start request's hold) or one of their cards (charged at once to their default
payment method, or left to invoice when they have none). The tariff version is chosen by
shared/drivers/session_tariffs.py, the rule that also prices what the station is told.

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
from shared.drivers.session_tariffs import SessionTariffs, TariffOf
from shared.models.domain_events import RECEIPT_ISSUED, DomainEvent
from shared.models.receipt import PaymentOutcome, Receipt, ReceiptLine
from shared.models.start_request import StartRequest
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
from shared.pricing.sessions import SessionPrice
from shared.pricing.station import final_price
from shared.timeutil import iso_utc

logger = logging.getLogger("csms.settlement")


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

    @property
    def session_tariffs(self) -> SessionTariffs:
        """Which tariff prices a session: the same rule as what the station is told."""
        return SessionTariffs(self.id_tags, self.requests, self.tariffs, self.tariff_of)

    def settle(self, charge_point_id: str, transaction_id: str) -> dict[str, Any]:
        session = self.transactions.get(charge_point_id, transaction_id)
        if session is None or not session.stopped or session.id_tag is None:
            return {"status": "not-settleable"}
        existing = self.receipts.get(charge_point_id, transaction_id)
        if existing is not None:
            return self._finish(existing, None)  # a repeat: finish what may be left
        driver = self.session_tariffs.driver_session(session)
        if driver is None:
            return {"status": "not-a-driver-session"}
        request, tariff = driver.request, driver.tariff
        if tariff is None:
            return {"status": "no-tariff"}
        # The function the station's final cost (totalCost) is priced with.
        price = final_price(session, tariff)
        collected = self._collect(session, driver.driver_id, request, price)
        receipt = _receipt(session, driver.driver_id, price, collected, request, self.now())
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
