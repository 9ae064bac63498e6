"""A session's charging needs and the profile that schedules them
(docs/adr/0054-price-and-carbon-aware-scheduling.md). Pure: values in, payloads out.

Needs come from the driver app (a departure time and an energy need given at the start) or
from the car over ISO 15118 (2.0.1 NotifyEVChargingNeeds, K15). `schedule_for` is what the
per-site loop calls for an EVSE in session with needs: it plans with
shared/load_management/scheduling.py and returns the SetChargingProfile that carries the plan.

The plan is a TxProfile with the EVSE's dynamic profile id and stack level (ADR 0048), so it
replaces the site's dynamic limit instead of stacking on it, and the site's dynamic limit
replaces it again when the loop stops scheduling. It is Absolute from the plan's start (the
slots are moments in time), and its last period holds past departure until replaced.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from shared.load_management.profiles import (
    DYNAMIC_STACK_LEVEL,
    V16,
    V201,
    ProfileError,
    Version,
    dynamic_profile_id,
)
from shared.load_management.scheduling import (
    MAX_HORIZON,
    CarLimits,
    Headroom,
    Plan,
    Request,
    Valued,
    plan_session,
)
from shared.models.start_request import MAX_ENERGY_WH, StartRequest
from shared.smart_charging.site import DEFAULT_VOLTAGE_V, Evse, quantise_down

Payload = dict[str, Any]
NeedsSource = Literal["driver", "iso15118"]

# OCPP 2.0.1 K15: "the CSMS SHALL NOT send more periods than maxScheduleTuples"; a station that
# reports no ChargingScheduleMaxPeriods gets this many (OCPP's recommended minimum is 24).
DEFAULT_MAX_PERIODS = 24


@dataclass(frozen=True)
class ChargingNeeds:
    """When the car leaves, how much energy it needs by then, and what it can take."""

    departure: datetime
    energy_wh: float
    source: NeedsSource
    car: CarLimits = field(default_factory=CarLimits)
    max_periods: int | None = None  # the car's maxScheduleTuples (ISO 15118)


def driver_needs(request: StartRequest) -> ChargingNeeds | None:
    """The needs a driver gave with the start of this session, if any."""
    if request.departure_at_ms is None or request.energy_needed_wh is None:
        return None
    departure = datetime.fromtimestamp(request.departure_at_ms / 1000, UTC)
    return ChargingNeeds(departure, float(request.energy_needed_wh), "driver")


def _number(data: Mapping[str, Any], name: str) -> float | None:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def needs_from_iso15118(
    charging_needs: Mapping[str, Any], max_schedule_tuples: int | None
) -> ChargingNeeds | None:
    """The needs in a NotifyEVChargingNeeds' `chargingNeeds` (as its event carries them), or
    None when it says no departure time or no energy: nothing to schedule.

    AC: `energyAmount` (Wh), `evMinCurrent`/`evMaxCurrent` (A per phase). DC: `energyAmount`
    if given, else what the battery lacks to `fullSoC` (100 % if not given) from
    `evEnergyCapacity` and `stateOfCharge`; `evMaxPower` (W) bounds the plan. DC currents are
    the battery's, not the grid's, and are not used."""
    departure_text = charging_needs.get("departureTime")
    if not isinstance(departure_text, str):
        return None
    try:
        departure = datetime.fromisoformat(departure_text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if departure.tzinfo is None:
        return None
    ac = charging_needs.get("acChargingParameters")
    dc = charging_needs.get("dcChargingParameters")
    energy: float | None = None
    car = CarLimits()
    if isinstance(ac, Mapping):
        energy = _number(ac, "energyAmount")
        car = CarLimits(
            max_current_a=_number(ac, "evMaxCurrent"), min_current_a=_number(ac, "evMinCurrent")
        )
    elif isinstance(dc, Mapping):
        energy = _number(dc, "energyAmount")
        capacity, soc = _number(dc, "evEnergyCapacity"), _number(dc, "stateOfCharge")
        if energy is None and capacity is not None and soc is not None:
            full = _number(dc, "fullSoC") or 100.0
            energy = capacity * max(0.0, full - soc) / 100
        car = CarLimits(max_power_w=_number(dc, "evMaxPower"))
    if energy is None or energy <= 0:
        return None
    tuples = max_schedule_tuples if max_schedule_tuples and max_schedule_tuples > 0 else None
    return ChargingNeeds(departure, min(energy, MAX_ENERGY_WH), "iso15118", car, tuples)


def needs_of_record(detail: Mapping[str, Any]) -> ChargingNeeds | None:
    """The needs in what the station handler keeps of a NotifyEVChargingNeeds: the published
    EVChargingNeedsReceived detail (`chargingNeeds`) or the stored `ev-needs` item's detail
    (`content`, the same as JSON text), with its `maxScheduleTuples`."""
    needs = detail.get("chargingNeeds")
    if needs is None and isinstance(detail.get("content"), str):
        try:
            needs = json.loads(detail["content"])
        except ValueError:
            return None
    if not isinstance(needs, Mapping):
        return None
    tuples = detail.get("maxScheduleTuples")
    return needs_from_iso15118(needs, tuples if isinstance(tuples, int) else None)


@dataclass(frozen=True)
class ScheduledProfile:
    """A plan and the SetChargingProfile that carries it to the EVSE."""

    plan: Plan
    payload: Payload


def schedule_profile(
    version: Version, evse_number: int, plan: Plan, transaction_id: str | None
) -> Payload:
    """SetChargingProfile for a plan: a TxProfile with the EVSE's dynamic id and stack level,
    Absolute from the plan's first period, one schedule period per plan period (offsets in
    whole seconds, limits in whole tenths of an ampere rounded down)."""
    if version == V201 and transaction_id is None:
        raise ProfileError("an OCPP 2.0.1 TxProfile names its transaction")
    if version == V16 and transaction_id is not None and not transaction_id.isdigit():
        raise ProfileError(f"{transaction_id!r} is not an OCPP 1.6 transaction id")
    start = plan.periods[0].start
    periods = [
        {
            "startPeriod": int((p.start - start).total_seconds()),
            # whole tenths written from their decimal: the schemas want multiples of 0.1
            "limit": float(Decimal(quantise_down(p.limit_a)) / 10),
        }
        for p in plan.periods
    ]
    schedule: Payload = {
        "startSchedule": start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": periods,
    }
    profile: Payload = {
        "stackLevel": DYNAMIC_STACK_LEVEL,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
    }
    if version == V16:
        profile = {"chargingProfileId": dynamic_profile_id(evse_number), **profile}
        profile["chargingSchedule"] = schedule
        if transaction_id is not None:
            profile["transactionId"] = int(transaction_id)
        return {"connectorId": evse_number, "csChargingProfiles": profile}
    profile = {"id": dynamic_profile_id(evse_number), **profile}
    profile["chargingSchedule"] = [{"id": 1, **schedule}]
    profile["transactionId"] = transaction_id
    return {"evseId": evse_number, "chargingProfile": profile}


def schedule_for(
    version: Version,
    evse: Evse,
    needs: ChargingNeeds,
    series: Sequence[Valued],
    headroom: Sequence[Headroom],
    now: datetime,
    *,
    transaction_id: str | None,
    station_max_periods: int | None = None,
) -> ScheduledProfile | None:
    """The plan and profile for an EVSE in session with `needs`, or None when there is
    nothing to schedule (departure passed or too far, no valued slot before departure: the
    site's dynamic limit stays).

    - `series`: the price or carbon steps to minimise (shared.grid_signals.step_series of the
      site's signals over [now, departure), one kind and currency);
    - `headroom`: what the site allows this EVSE per period (the allocation's limit for it
      over each future period the loop allocated; the EVSE's maximum elsewhere);
    - at most the smaller of the station's ChargingScheduleMaxPeriods and the car's
      maxScheduleTuples periods (DEFAULT_MAX_PERIODS when neither is known).

    Raises ProfileError for a transaction id the version cannot carry."""
    if needs.departure <= now or needs.departure - now > MAX_HORIZON:
        return None
    if not any(s.start < needs.departure and s.end > now for s in series):
        return None
    # whole seconds: what every charger parses in startSchedule
    now = now.replace(microsecond=0)
    limits = [n for n in (station_max_periods, needs.max_periods) if n]
    request = Request(
        now=now,
        departure=needs.departure,
        energy_wh=needs.energy_wh,
        min_current_a=evse.min_current_a,
        max_current_a=evse.max_current_a,
        phases=len(evse.phases),
        # the site's nominal voltage: an EVSE has none of its own in the model
        voltage_v=DEFAULT_VOLTAGE_V,
        car=needs.car,
        max_periods=min(limits) if limits else DEFAULT_MAX_PERIODS,
    )
    plan = plan_session(request, series, headroom)
    return ScheduledProfile(plan, schedule_profile(version, evse.evse_id, plan, transaction_id))
