"""A session's receipt: what was charged, why, and how it was paid (docs/adr/0011)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How the price was paid: captured from the hold (and the rest charged), charged at once
# (card sessions, late starts), nothing to pay (the hold released), or still owed.
PaymentOutcome = Literal["captured", "charged", "released", "outstanding", "invoice"]


@dataclass(frozen=True)
class ReceiptLine:
    """One priced dimension: ENERGY (Wh), TIME / PARKING_TIME (s) or FLAT (1), at
    `unit_price` (minor units per kWh, per hour, per session), `amount` excluding tax."""

    dimension: str
    unit_price: int
    volume: int
    amount: int


@dataclass(frozen=True)
class Receipt:
    charge_point_id: str
    transaction_id: str
    driver_id: str
    issued_at: str  # ISO 8601 UTC
    started_at: str | None
    stopped_at: str | None
    energy_wh: int
    duration_s: int
    parking_s: int
    tariff_id: str
    tariff_version: int
    currency: str
    tax_rate_bp: int
    lines: tuple[ReceiptLine, ...]
    total_excl_tax: int
    tax: int
    total_incl_tax: int
    outcome: PaymentOutcome
    paid_minor: int  # captured plus charged
    outstanding_minor: int  # what could not be collected (declined): owed
    payment_ids: tuple[str, ...] = ()  # the provider's payments (hold, extra charge)
    start_request_id: str | None = None
