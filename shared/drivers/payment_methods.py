"""A driver's payment methods: cards saved at the payment provider for off-session payments.

The app adds a card by confirming a SetupIntent with the provider's SDK (the card never passes
through the platform); the platform keeps the driver's customer id and default method. A
method is the driver's when the provider lists it under their customer: any other id is "not
found", so that guessed ids tell nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from shared.admin.errors import Conflict, NotFound, Unavailable
from shared.payments.keys import customer_key, idempotency_key
from shared.ports import DriverRepository
from shared.ports.payments import PaymentError, PaymentMethod, PaymentProvider, SetupIntent

T = TypeVar("T")


@dataclass(frozen=True)
class PaymentProfile:
    customer_id: str
    payment_method_id: str


@dataclass
class DriverPaymentMethods:
    drivers: DriverRepository
    provider: PaymentProvider

    def setup(self, driver_id: str) -> tuple[str, SetupIntent]:
        """(customer id, a SetupIntent the app confirms to save a card)."""
        customer_id = self._customer(driver_id)
        # A new SetupIntent per request: an unused one expires at the provider, harmlessly.
        key = idempotency_key("setup", driver_id, uuid.uuid4().hex)
        intent = self._provider(
            lambda: self.provider.create_setup_intent(customer_id, idempotency_key=key)
        )
        return customer_id, intent

    def methods(self, driver_id: str) -> tuple[list[PaymentMethod], str | None]:
        """The driver's saved methods and the default (the first one if none is chosen)."""
        record = self.drivers.get(driver_id)
        if record is None or record.customer_id is None:
            return [], None
        customer_id = record.customer_id
        found = self._provider(lambda: self.provider.list_payment_methods(customer_id))
        ids = [m.payment_method_id for m in found]
        default = record.default_payment_method_id
        return found, default if default in ids else (ids[0] if ids else None)

    def set_default(self, driver_id: str, payment_method_id: str) -> None:
        self._own(driver_id, payment_method_id)
        self.drivers.set_default_payment_method(driver_id, payment_method_id)

    def remove(self, driver_id: str, payment_method_id: str) -> None:
        self._own(driver_id, payment_method_id)
        key = idempotency_key("detach", payment_method_id)
        self._provider(
            lambda: self.provider.detach_payment_method(payment_method_id, idempotency_key=key)
        )
        self.drivers.set_default_payment_method(driver_id, None, only_if=payment_method_id)

    def profile(self, driver_id: str) -> PaymentProfile:
        """What a payment of the driver's uses: their customer and default method."""
        record = self.drivers.get(driver_id)
        _, default = self.methods(driver_id)
        if record is None or record.customer_id is None or default is None:
            raise Conflict("add a payment method first")
        return PaymentProfile(record.customer_id, default)

    def _own(self, driver_id: str, payment_method_id: str) -> None:
        methods, _ = self.methods(driver_id)
        if payment_method_id not in {m.payment_method_id for m in methods}:
            raise NotFound(f"no payment method {payment_method_id!r}")

    def _customer(self, driver_id: str) -> str:
        record = self.drivers.get(driver_id)
        if record is not None and record.customer_id is not None:
            return record.customer_id
        key = customer_key(driver_id)
        # No e-mail: the access token carries none; receipts go out from the platform.
        customer_id = self._provider(
            lambda: self.provider.create_customer(driver_id, "", idempotency_key=key)
        )
        stored = self.drivers.set_customer(driver_id, customer_id).customer_id
        assert stored is not None
        return stored

    @staticmethod
    def _provider(call: Callable[[], T]) -> T:
        try:
            return call()
        except PaymentError as exc:
            raise Unavailable(f"the payment provider did not answer: {exc.message}") from None
