"""What the platform keeps about a driver beside the user pool."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DriverRecord:
    driver_id: str  # the user pool's `sub`
    customer_id: str | None = None  # the payment provider's customer
    default_payment_method_id: str | None = None
