"""Charging profiles for a site's limits: the OCPP payloads that put the allocator's limit of an
EVSE on its charger, and the fallback layer that keeps a charger within limits without us
(docs/adr/0048-charging-profiles-for-site-limits.md). Pure: payloads in, payloads out.

Two layers per charger, each profile with an id of its own from a reserved range, so a new
profile of the same kind replaces the previous one (same id: 1.6 SetChargingProfile, 2.0.1
K01) instead of stacking beside it, and so our profiles can be told from an operator's:

- fallback, stack level 0: the charger's safe maximum, ChargePointMaxProfile on connector 0
  (1.6) / ChargingStationMaxProfile on EVSE 0 (2.0.1), id `STATION_MAX_PROFILE_ID`;
- fallback, stack level 0: a TxDefaultProfile per EVSE at its `default_limit_a`, id
  `DEFAULT_PROFILE_BASE + evse`;
- dynamic, stack level 1: a TxProfile on the EVSE's transaction at the allocator's limit, id
  `DYNAMIC_PROFILE_BASE + evse`.

A station obeys the lowest of its station-wide maximum and the EVSE's transaction limit (a
TxProfile, else the TxDefaultProfile). The dynamic limit is a TxProfile, so it ends with the
transaction: the next session starts under the TxDefaultProfile, which is what the allocator
reserves for an idle EVSE (ADR 0046). It carries no validity horizon (the ADR says why).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from shared.smart_charging.plan import LimitCommand
from shared.smart_charging.site import Evse, Site, quantise_down

Payload = dict[str, Any]
Version = Literal["ocpp1.6", "ocpp2.0.1"]
V16: Version = "ocpp1.6"
V201: Version = "ocpp2.0.1"

# The reserved range 1,800,000,000-1,800,029,999: far above the small ids operators and
# vendor tools number their own profiles with, and below 2^31 (int32 on every charger).
PROFILE_ID_RANGE = range(1_800_000_000, 1_800_030_000)
STATION_MAX_PROFILE_ID = 1_800_000_000
DEFAULT_PROFILE_BASE = 1_800_010_000
DYNAMIC_PROFILE_BASE = 1_800_020_000
MAX_EVSE_NUMBER = 9_999

# The station maximum is Absolute (2.0.1 forbids a Relative one); it starts this long before it
# is sent, so a charger whose clock is up to a day behind applies it at once.
STATION_MAX_BACKDATE = timedelta(days=1)

FALLBACK_STACK_LEVEL = 0
# Above a TxProfile a remote start may carry (stack level 0): the site's limit wins.
DYNAMIC_STACK_LEVEL = 1


class ProfileError(ValueError):
    """A limit that cannot become a profile (an EVSE number outside the reserved range,
    a negative limit, a 2.0.1 TxProfile without its transaction)."""


def dynamic_profile_id(evse_number: int) -> int:
    return DYNAMIC_PROFILE_BASE + _evse_number(evse_number)


def default_profile_id(evse_number: int) -> int:
    return DEFAULT_PROFILE_BASE + _evse_number(evse_number)


def is_ours(profile_id: int) -> bool:
    """Whether a profile id is in the range this module numbers its profiles from."""
    return profile_id in PROFILE_ID_RANGE


def _evse_number(evse_number: int) -> int:
    if not 1 <= evse_number <= MAX_EVSE_NUMBER:
        raise ProfileError(f"EVSE number {evse_number} is outside 1-{MAX_EVSE_NUMBER}")
    return evse_number


def _limit(amps: float) -> float:
    """Whole tenths, rounded down (never above what the allocator allowed): the schemas want
    multiples of 0.1, which a binary float only is when written from its decimal."""
    if amps < 0:
        raise ProfileError(f"a limit of {amps} A is negative")
    return float(Decimal(quantise_down(amps)) / 10)


def _schedule(version: Version, amps: float, start: datetime | None) -> Payload:
    schedule: Payload = {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": _limit(amps)}],
    }
    if start is not None:
        schedule["startSchedule"] = _timestamp(start)
    if version == V201:
        schedule["id"] = 1
    return schedule


def _timestamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _profile(
    version: Version,
    profile_id: int,
    stack_level: int,
    purpose: str,
    amps: float,
    *,
    start: datetime | None = None,
    transaction_id: str | None = None,
) -> Payload:
    # Absolute from `start` where the profile must hold from a moment on whatever happens
    # (the station maximum); Relative otherwise: from the session's start, so a charger
    # whose clock is wrong still applies it at once.
    kind = "Absolute" if start is not None else "Relative"
    schedule = _schedule(version, amps, start)
    if version == V16:
        profile: Payload = {
            "chargingProfileId": profile_id,
            "stackLevel": stack_level,
            "chargingProfilePurpose": purpose,
            "chargingProfileKind": kind,
            "chargingSchedule": schedule,
        }
        if transaction_id is not None:
            profile["transactionId"] = int(transaction_id)
        return profile
    profile = {
        "id": profile_id,
        "stackLevel": stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": [schedule],
    }
    if transaction_id is not None:
        profile["transactionId"] = transaction_id
    return profile


def _set(version: Version, evse_number: int, profile: Payload) -> Payload:
    if version == V16:
        return {"connectorId": evse_number, "csChargingProfiles": profile}
    return {"evseId": evse_number, "chargingProfile": profile}


def limit_profile(
    version: Version, command: LimitCommand, transaction_id: str | None = None
) -> Payload:
    """SetChargingProfile for an EVSE's new limit: a TxProfile with the EVSE's stable id.

    2.0.1 requires the transaction's id (K01); 1.6 takes it when known (a 1.6
    transaction id is an integer) and otherwise applies it to the connector's transaction."""
    if version == V201 and transaction_id is None:
        raise ProfileError("an OCPP 2.0.1 TxProfile names its transaction")
    if version == V16 and transaction_id is not None and not transaction_id.isdigit():
        raise ProfileError(f"{transaction_id!r} is not an OCPP 1.6 transaction id")
    profile = _profile(
        version,
        dynamic_profile_id(command.evse_number),
        DYNAMIC_STACK_LEVEL,
        "TxProfile",
        command.to_da / 10,
        transaction_id=transaction_id,
    )
    return _set(version, command.evse_number, profile)


def station_max_profile(version: Version, max_current_a: float, at: datetime) -> Payload:
    """SetChargingProfile for the charger's safe maximum (all its EVSEs together, per phase):
    ChargePointMaxProfile on connector 0 (1.6) / ChargingStationMaxProfile on EVSE 0 (2.0.1),
    in force from a day before `at` on (clock skew)."""
    purpose = "ChargePointMaxProfile" if version == V16 else "ChargingStationMaxProfile"
    start = at - STATION_MAX_BACKDATE
    profile = _profile(
        version, STATION_MAX_PROFILE_ID, FALLBACK_STACK_LEVEL, purpose, max_current_a, start=start
    )
    return _set(version, 0, profile)


def station_safe_max_a(site: Site, charge_point_id: str) -> float:
    """The charger's safe maximum per phase: its EVSEs' hardware maxima together, and no more
    than any node above all of them allows one phase (a power limit over the fewest phases
    an EVSE of the charger uses). It bites only when the charger is on its own: the
    allocator never gives more, except to a charger whose EVSEs load only the stronger
    phases of a node with unequal phase limits, which is held to the weakest (a profile's
    limit is one number for every phase)."""
    evses = [e for e in site.evses if e.charge_point_id == charge_point_id]
    if not evses:
        raise ProfileError(f"charger {charge_point_id!r} has no EVSE in site {site.id!r}")
    bounds = [sum(e.max_current_a for e in evses)]
    common = set(site.path(evses[0].node)).intersection(*(site.path(e.node) for e in evses))
    phases = min(len(e.phases) for e in evses)
    for node in site.nodes:
        if node.id not in common:
            continue
        if node.max_current is not None:
            bounds.append(min(node.max_current.by_phase()))
        if node.max_power_w is not None:
            bounds.append(node.max_power_w / (node.voltage_v * phases))
    return quantise_down(min(bounds)) / 10


def default_profile(version: Version, evse_number: int, default_limit_a: float) -> Payload:
    """SetChargingProfile for what a session on the EVSE draws before (and without) a dynamic
    limit: a TxDefaultProfile at the site model's `default_limit_a` (0: new sessions wait)."""
    profile = _profile(
        version,
        default_profile_id(evse_number),
        FALLBACK_STACK_LEVEL,
        "TxDefaultProfile",
        default_limit_a,
    )
    return _set(version, evse_number, profile)


def fallback_profiles(
    version: Version, station_max_a: float, evses: list[Evse], at: datetime
) -> list[Payload]:
    """The fallback layer of one charger, set once (and again after a reconnect where a
    charger may have lost it): its station maximum, then each EVSE's default."""
    payloads = [station_max_profile(version, station_max_a, at)]
    for evse in sorted(evses, key=lambda e: e.evse_id):
        payloads.append(default_profile(version, evse.evse_id, evse.default_limit_a))
    return payloads


def clear_profile(version: Version, profile_id: int) -> Payload:
    """ClearChargingProfile for one of our profiles, by id: never touches an operator's."""
    if not is_ours(profile_id):
        raise ProfileError(f"profile {profile_id} is not in the reserved range")
    return {"id": profile_id} if version == V16 else {"chargingProfileId": profile_id}


def clear_dynamic(version: Version, evse_number: int) -> Payload:
    return clear_profile(version, dynamic_profile_id(evse_number))


def clear_evse(version: Version, evse_number: int) -> list[Payload]:
    """An EVSE left the site: its dynamic limit and its default go."""
    return [
        clear_dynamic(version, evse_number),
        clear_profile(version, default_profile_id(evse_number)),
    ]


def clear_charger(version: Version, evse_numbers: list[int]) -> list[Payload]:
    """The site was deleted (or the charger left it): our whole layer goes, EVSEs first and
    the station maximum last, so the charger is never left without a bound while its EVSEs
    still hold limits that assumed it."""
    payloads = [p for number in sorted(evse_numbers) for p in clear_evse(version, number)]
    payloads.append(clear_profile(version, STATION_MAX_PROFILE_ID))
    return payloads


def composite_schedule_request(version: Version, evse_number: int, duration_s: int) -> Payload:
    """GetCompositeSchedule in amperes: what the charger will actually obey."""
    if version == V16:
        return {"connectorId": evse_number, "duration": duration_s, "chargingRateUnit": "A"}
    return {"evseId": evse_number, "duration": duration_s, "chargingRateUnit": "A"}


def our_profiles_request(request_id: int, evse_number: int) -> Payload:
    """GetChargingProfiles (2.0.1) for the profiles we set on an EVSE (its default and its
    dynamic limit, by id); EVSE 0 asks for the station maximum."""
    ids = (
        [STATION_MAX_PROFILE_ID]
        if evse_number == 0
        else [default_profile_id(evse_number), dynamic_profile_id(evse_number)]
    )
    return {
        "requestId": request_id,
        "evseId": evse_number,
        "chargingProfile": {"chargingProfileId": ids},
    }
