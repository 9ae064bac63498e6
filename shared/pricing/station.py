"""What a charging station is told about price and cost (OCPP 2.0.1 block I; docs/adr/0044).

Pure functions, no I/O:

- `session_usage`: a session as one charging period, the usage the settlement prices. The
  running cost (CostUpdated) and the final cost (TransactionEventResponse.totalCost) price the
  same usage with the same function, so the station never shows another amount than the
  receipt: a running session is priced up to its latest reading, a finished one to its stop.
- `ocpp_amount`: minor units as the decimal number OCPP carries (12.34 in the tariff's
  currency, tax included).
- `tariff_text` / `price_message`: the tariff in one line of text for the display
  ("0.35 EUR/kWh, 0.10 EUR/min after 2 h"), prices with tax as a driver pays them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from shared.models.tariff import DAYS_OF_WEEK, PriceComponent, Restrictions, Tariff
from shared.models.transaction import TransactionRecord
from shared.pricing.sessions import SessionPrice, UsagePeriod, price_session, with_tax
from shared.timeutil import from_epoch_ms, to_epoch_ms

MINOR_DIGITS = 2  # every tariff currency has cents (shared/models/tariff.py)
# MessageContentType.content holds at most 512 characters in OCPP 2.0.1.
MAX_MESSAGE_CHARACTERS = 512
DEFAULT_LANGUAGE = "en"


def session_usage(session: TransactionRecord, at: datetime | None = None) -> UsagePeriod:
    """The session as one charging period, energy spread evenly over its duration (the
    platform keeps no per-interval readings on the session). A finished session runs to its
    stop with its stored energy; a running one to `at` (its latest reading) with the energy
    of that reading. An unknown energy (a meter that went backwards) is priced as none."""
    started_ms = session.started_at_ms or session.stopped_at_ms or 0
    if session.stopped or at is None:
        duration_s = session.duration_s
        if duration_s is None:
            duration_s = max(0, ((session.stopped_at_ms or started_ms) - started_ms) // 1000)
        energy_wh = session.energy_wh or 0
    else:
        duration_s = (to_epoch_ms(at) - started_ms) // 1000
        energy_wh = running_energy_wh(session)
    return UsagePeriod(
        start=from_epoch_ms(started_ms),
        duration_s=max(0, duration_s),
        energy_wh=max(0, energy_wh),
    )


def final_price(session: TransactionRecord, tariff: Tariff) -> SessionPrice:
    """A finished session's price: what the settlement charges, the receipt shows and the
    station is told at the end (totalCost)."""
    return price_session(tariff, [session_usage(session)])


def running_price(session: TransactionRecord, tariff: Tariff, at: datetime) -> SessionPrice:
    """A running session's price up to its latest reading at `at` (CostUpdated)."""
    return price_session(tariff, [session_usage(session, at)])


def running_energy_wh(session: TransactionRecord) -> int:
    """Energy delivered so far by the latest reading (0 when unknown or below the start)."""
    if session.last_meter_wh is None or session.meter_start_wh is None:
        return 0
    return max(0, session.last_meter_wh - session.meter_start_wh)


def ocpp_amount(minor: int) -> float:
    """Minor units as OCPP's decimal: a JSON number with at most two decimals (a float whose
    shortest representation is exactly the decimal)."""
    return float(Decimal(minor).scaleb(-MINOR_DIGITS))


def price_message(tariff: Tariff, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """OCPP 2.0.1 MessageContentType with the tariff's prices."""
    return {"format": "UTF8", "language": language, "content": tariff_text(tariff)}


def tariff_text(tariff: Tariff) -> str:
    """One line: each element's prices (with tax) and when they apply, in the tariff's order
    (the first element that applies prices a dimension)."""
    parts = []
    for element in tariff.elements:
        prices = [_component_text(tariff, c) for c in _ordered(element.components)]
        when = _restrictions_text(element.restrictions)
        parts.append(", ".join(prices) + (f" {when}" if when else ""))
    text = ", ".join(parts)
    if len(text) > MAX_MESSAGE_CHARACTERS:
        text = text[: MAX_MESSAGE_CHARACTERS - 1] + "\u2026"
    return text


_ORDER = ("FLAT", "ENERGY", "TIME", "PARKING_TIME")


def _ordered(components: tuple[PriceComponent, ...]) -> list[PriceComponent]:
    return sorted(components, key=lambda c: _ORDER.index(c.type))


def _money(tariff: Tariff, minor: int) -> str:
    return f"{Decimal(minor).scaleb(-MINOR_DIGITS):.2f} {tariff.currency}"


def _component_text(tariff: Tariff, component: PriceComponent) -> str:
    hourly = with_tax(component.price, tariff.tax_rate_bp)
    if component.type == "FLAT":
        return f"{_money(tariff, hourly)} per session"
    if component.type == "ENERGY":
        return f"{_money(tariff, hourly)}/kWh"
    # Time is quoted per minute when that is a whole number of cents, else per hour.
    rate = (
        f"{_money(tariff, hourly // 60)}/min" if hourly % 60 == 0 else f"{_money(tariff, hourly)}/h"
    )
    if component.type == "TIME":
        return rate
    idle = f"{rate} idle"
    return f"{idle} after {_duration(component.grace_s)}" if component.grace_s else idle


def _restrictions_text(r: Restrictions) -> str:
    words = []
    if r.start_time is not None and r.end_time is not None:
        words.append(f"{r.start_time:%H:%M}-{r.end_time:%H:%M}")
    if r.days_of_week:
        days = [d[:3].title() for d in DAYS_OF_WEEK if d in r.days_of_week]
        words.append("/".join(days))
    if r.min_duration_s:
        words.append(f"after {_duration(r.min_duration_s)}")
    if r.max_duration_s is not None:
        words.append(f"for the first {_duration(r.max_duration_s)}")
    if r.min_wh:
        words.append(f"above {_kwh(r.min_wh)}")
    if r.max_wh is not None:
        words.append(f"up to {_kwh(r.max_wh)}")
    if r.min_power_w is not None:
        words.append(f"from {_kw(r.min_power_w)}")
    if r.max_power_w is not None:
        words.append(f"below {_kw(r.max_power_w)}")
    return " ".join(words)


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _kwh(wh: int) -> str:
    return f"{Decimal(wh).scaleb(-3).normalize():f} kWh"


def _kw(w: int) -> str:
    return f"{Decimal(w).scaleb(-3).normalize():f} kW"
