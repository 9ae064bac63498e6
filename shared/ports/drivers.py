"""The Drivers table: a driver's payment profile."""

from __future__ import annotations

from typing import Protocol

from shared.models.driver import DriverRecord


class DriverRepository(Protocol):
    def get(self, driver_id: str) -> DriverRecord | None: ...

    def set_customer(self, driver_id: str, customer_id: str) -> DriverRecord:
        """Store the driver's customer id unless one is stored; the stored record either way
        (two first calls racing keep the first customer)."""
        ...

    def set_default_payment_method(
        self, driver_id: str, payment_method_id: str | None, only_if: str | None = None
    ) -> bool:
        """Make `payment_method_id` the default (None: no default). With `only_if`, only
        while that one is the default; False (nothing written) when it is not."""
        ...
