"""Locations, modelled on OCPI 2.2.1 Locations (docs/adr/0022-locations-and-geo-search.md).

A location (a site) holds EVSEs; an EVSE holds connectors and may be bound to one charger's
OCPP address: a 1.6 `connectorId`, or a 2.0.1 `evseId` whose connectors are the OCPI connectors
by id ("1", "2", ...). A charger belongs to at most one location (enforced by the store).
Coordinates are floats: distances are not money, and OCPI's decimal strings are produced on
publication. Field names follow OCPI where it has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from itertools import pairwise
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.models.tariff import DAYS_OF_WEEK, DayOfWeek

ConnectorStandard = Literal[
    "CHAOJI",
    "CHADEMO",
    "DOMESTIC_A",
    "DOMESTIC_B",
    "DOMESTIC_C",
    "DOMESTIC_D",
    "DOMESTIC_E",
    "DOMESTIC_F",
    "DOMESTIC_G",
    "DOMESTIC_H",
    "DOMESTIC_I",
    "DOMESTIC_J",
    "DOMESTIC_K",
    "DOMESTIC_L",
    "GBT_AC",
    "GBT_DC",
    "IEC_60309_2_single_16",
    "IEC_60309_2_three_16",
    "IEC_60309_2_three_32",
    "IEC_60309_2_three_64",
    "IEC_62196_T1",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2",
    "IEC_62196_T2_COMBO",
    "IEC_62196_T3A",
    "IEC_62196_T3C",
    "NEMA_5_20",
    "NEMA_6_30",
    "NEMA_6_50",
    "NEMA_10_30",
    "NEMA_10_50",
    "NEMA_14_30",
    "NEMA_14_50",
    "PANTOGRAPH_BOTTOM_UP",
    "PANTOGRAPH_TOP_DOWN",
    "TESLA_R",
    "TESLA_S",
]
CONNECTOR_STANDARDS: tuple[ConnectorStandard, ...] = get_args(ConnectorStandard)
ConnectorFormat = Literal["SOCKET", "CABLE"]
CONNECTOR_FORMATS: tuple[ConnectorFormat, ...] = get_args(ConnectorFormat)
PowerType = Literal["AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"]
POWER_TYPES: tuple[PowerType, ...] = get_args(PowerType)

# OCPI: Location.id and EVSE.uid are CiString(36), Connector.id CiString(36), evse_id (eMI3)
# CiString(48). Our ids also travel in URL paths and DynamoDB keys: letters, digits, - _ . only.
ID_PATTERN = r"^[A-Za-z0-9\-_.]{1,36}$"
_ID = re.compile(ID_PATTERN)
# eMI3 / ISO 15118 EVSE id, e.g. "DE*ABC*E123456*1" (the separators are optional).
EMI3_EVSE_ID_PATTERN = r"^[A-Z]{2}\*?[A-Z0-9]{3}\*?E[A-Z0-9*]{1,30}$"
_EMI3 = re.compile(EMI3_EVSE_ID_PATTERN)
COUNTRY_PATTERN = r"^[A-Z]{3}$"  # ISO 3166-1 alpha-3
# Bounds that keep one location one DynamoDB item and one assignment one transaction.
MAX_EVSES = 96
MAX_CONNECTORS_PER_EVSE = 8
MAX_CHARGERS = 48
MAX_TARIFF_IDS = 8
MAX_TEXT = 255
MAX_VOLTAGE = 2_000
MAX_AMPERAGE = 2_000
MAX_POWER_W = 4_000_000  # 4 MW: above any charger built, a bound on typos


class LocationError(ValueError):
    """A location that cannot be stored as given; the message names the field."""


def _text(value: str, name: str, max_length: int = MAX_TEXT) -> None:
    if not isinstance(value, str) or not value.strip():
        raise LocationError(f"{name} must not be empty")
    if len(value) > max_length:
        raise LocationError(f"{name} is longer than {max_length} characters")
    if any(ord(ch) < 32 for ch in value):
        raise LocationError(f"{name} holds control characters")


def _id(value: str, name: str) -> None:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise LocationError(f"{name} must be 1-36 letters, digits, '-', '_' or '.'")


@dataclass(frozen=True)
class Coordinates:
    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        for value, bound, name in (
            (self.latitude, 90, "latitude"),
            (self.longitude, 180, "longitude"),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise LocationError(f"{name} must be a number")
            if not -bound <= value <= bound:  # NaN fails this too
                raise LocationError(f"{name} must be within -{bound}..{bound}")


@dataclass(frozen=True)
class RegularHours:
    """Open on `weekday` from `period_begin` to `period_end` (local time, end exclusive; an end
    of 00:00 means midnight, the end of that day)."""

    weekday: DayOfWeek
    period_begin: time
    period_end: time

    def __post_init__(self) -> None:
        if self.weekday not in DAYS_OF_WEEK:
            raise LocationError(f"unknown weekday {self.weekday!r}")
        if self.period_end != time(0) and self.period_end <= self.period_begin:
            raise LocationError(f"{self.weekday}: the period must end after it begins")


@dataclass(frozen=True)
class OpeningTimes:
    """OCPI Hours: open around the clock, or the regular hours given (closed otherwise)."""

    twentyfourseven: bool = True
    regular_hours: tuple[RegularHours, ...] = ()

    def __post_init__(self) -> None:
        if self.twentyfourseven and self.regular_hours:
            raise LocationError("opening times are twentyfourseven or regular hours, not both")
        if not self.twentyfourseven and not self.regular_hours:
            raise LocationError("regular hours are needed unless open twentyfourseven")
        by_day: dict[str, list[RegularHours]] = {}
        for hours in self.regular_hours:
            by_day.setdefault(hours.weekday, []).append(hours)
        for day, periods in by_day.items():
            ordered = sorted(periods, key=lambda h: h.period_begin)
            for first, second in pairwise(ordered):
                if first.period_end == time(0) or second.period_begin < first.period_end:
                    raise LocationError(f"{day}: opening periods overlap")


@dataclass(frozen=True)
class BusinessDetails:
    name: str
    website: str | None = None

    def __post_init__(self) -> None:
        _text(self.name, "operator.name", 100)
        if self.website is not None and not re.fullmatch(r"https?://\S{1,250}", self.website):
            raise LocationError("operator.website must be an http(s) URL")


@dataclass(frozen=True)
class Connector:
    """An OCPI connector. On a 2.0.1 EVSE, `id` is the OCPP connectorId ("1", "2", ...)."""

    id: str
    standard: ConnectorStandard
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None = None  # W; OCPI: when it is less than voltage x amperage
    tariff_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _id(self.id, "connector id")
        if self.standard not in CONNECTOR_STANDARDS:
            raise LocationError(f"unknown connector standard {self.standard!r}")
        if self.format not in CONNECTOR_FORMATS:
            raise LocationError(f"connector format must be SOCKET or CABLE, not {self.format!r}")
        if self.power_type not in POWER_TYPES:
            raise LocationError(f"unknown power type {self.power_type!r}")
        for value, high, name in (
            (self.max_voltage, MAX_VOLTAGE, "max_voltage"),
            (self.max_amperage, MAX_AMPERAGE, "max_amperage"),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
                raise LocationError(f"{name} must be an integer 1..{high}")
        power = self.max_electric_power
        if power is not None and (
            isinstance(power, bool) or not isinstance(power, int) or not 1 <= power <= MAX_POWER_W
        ):
            raise LocationError(f"max_electric_power must be an integer 1..{MAX_POWER_W} W")
        if len(self.tariff_ids) > MAX_TARIFF_IDS:
            raise LocationError(f"a connector names at most {MAX_TARIFF_IDS} tariffs")
        for tariff_id in self.tariff_ids:
            _id(tariff_id, "tariff id")

    @property
    def power_w(self) -> int:
        """The most this connector delivers, in W (OCPI's rule when max_electric_power is
        absent; three phases carry the amperage each at phase voltage)."""
        if self.max_electric_power is not None:
            return self.max_electric_power
        phases = {"AC_3_PHASE": 3, "AC_2_PHASE": 2}.get(self.power_type, 1)
        return min(self.max_voltage * self.max_amperage * phases, MAX_POWER_W)


@dataclass(frozen=True)
class EvseBinding:
    """The OCPP address an EVSE is served by: 1.6 `connector_id`, or 2.0.1 `evse_id`."""

    charge_point_id: str
    connector_id: int | None = None
    evse_id: int | None = None

    def __post_init__(self) -> None:
        _text(self.charge_point_id, "chargePointId", 48)
        if (self.connector_id is None) == (self.evse_id is None):
            raise LocationError("bind an EVSE by connectorId (OCPP 1.6) or evseId (2.0.1)")
        number = self.connector_id if self.evse_id is None else self.evse_id
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 1000:
            raise LocationError("connectorId / evseId must be an integer 1..1000")

    @property
    def address(self) -> tuple[str, int, int | None]:
        return (self.charge_point_id, self.evse_id or 0, self.connector_id)


@dataclass(frozen=True)
class Evse:
    uid: str
    connectors: tuple[Connector, ...]
    evse_id: str | None = None  # eMI3, e.g. "DE*ABC*E123456*1"
    binding: EvseBinding | None = None  # None: built or planned, no charger yet
    floor_level: str | None = None
    physical_reference: str | None = None

    def __post_init__(self) -> None:
        _id(self.uid, "EVSE uid")
        if not 1 <= len(self.connectors) <= MAX_CONNECTORS_PER_EVSE:
            raise LocationError(
                f"EVSE {self.uid}: 1..{MAX_CONNECTORS_PER_EVSE} connectors, "
                f"not {len(self.connectors)}"
            )
        ids = [c.id for c in self.connectors]
        if len(set(ids)) != len(ids):
            raise LocationError(f"EVSE {self.uid}: connector ids must be unique")
        if self.evse_id is not None and not _EMI3.fullmatch(self.evse_id):
            raise LocationError(f"EVSE {self.uid}: evse_id must be an eMI3 id like DE*ABC*E1234*1")
        two_o_one = self.binding is not None and self.binding.evse_id is not None
        if two_o_one and not all(c.id.isdigit() for c in self.connectors):
            raise LocationError(
                f"EVSE {self.uid}: on an OCPP 2.0.1 EVSE, connector ids are the OCPP "
                "connectorIds (1, 2, ...)"
            )
        for value, name in (
            (self.floor_level, "floor_level"),
            (self.physical_reference, "physical_reference"),
        ):
            if value is not None:
                _text(value, name, 16)


@dataclass(frozen=True)
class Location:
    """One version of a site. `version` counts edits: a change names the version it replaces."""

    location_id: str
    name: str
    address: str
    city: str
    postal_code: str | None
    country: str
    coordinates: Coordinates
    time_zone: str
    operator: BusinessDetails
    opening_times: OpeningTimes = field(default_factory=OpeningTimes)
    evses: tuple[Evse, ...] = ()
    tariff_ids: tuple[str, ...] = ()  # the default for connectors naming none
    publish: bool = True
    version: int = 1
    last_updated: str | None = None

    def __post_init__(self) -> None:
        _id(self.location_id, "location id")
        _text(self.name, "name")
        _text(self.address, "address", 45)
        _text(self.city, "city", 45)
        if self.postal_code is not None:
            _text(self.postal_code, "postal_code", 10)
        if not re.fullmatch(COUNTRY_PATTERN, self.country or ""):
            raise LocationError("country must be an ISO 3166-1 alpha-3 code such as DEU")
        if not isinstance(self.time_zone, str) or not self.time_zone or ".." in self.time_zone:
            raise LocationError(f"unknown time zone {self.time_zone!r}")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise LocationError(f"unknown time zone {self.time_zone!r}") from None
        if len(self.evses) > MAX_EVSES:
            raise LocationError(f"a location holds at most {MAX_EVSES} EVSEs")
        uids = [e.uid for e in self.evses]
        if len(set(uids)) != len(uids):
            raise LocationError("EVSE uids must be unique within a location")
        bound = [e.binding.address for e in self.evses if e.binding is not None]
        if len(set(bound)) != len(bound):
            raise LocationError("two EVSEs are bound to the same charger connector/EVSE")
        if len(self.charger_ids) > MAX_CHARGERS:
            raise LocationError(f"a location holds at most {MAX_CHARGERS} chargers")
        if len(self.tariff_ids) > MAX_TARIFF_IDS:
            raise LocationError(f"a location names at most {MAX_TARIFF_IDS} tariffs")
        for tariff_id in self.tariff_ids:
            _id(tariff_id, "tariff id")
        if self.version < 1:
            raise LocationError("version starts at 1")

    @property
    def charger_ids(self) -> frozenset[str]:
        return frozenset(e.binding.charge_point_id for e in self.evses if e.binding is not None)

    def evse(self, uid: str) -> Evse | None:
        return next((e for e in self.evses if e.uid == uid), None)

    def tariffs_of(self, connector: Connector) -> tuple[str, ...]:
        """OCPI puts tariff ids on connectors; ours fall back to the location's default."""
        return connector.tariff_ids or self.tariff_ids

    def tariff_of(self, connector: Connector) -> str | None:
        """The tariff a session on `connector` is priced with: the first it names."""
        tariffs = self.tariffs_of(connector)
        return tariffs[0] if tariffs else None

    def tariff_at(self, charge_point_id: str, connector_id: int) -> str | None:
        """The tariff of the EVSE a charger serves at this OCPP address (1.6 connector id or
        2.0.1 EVSE id): its first connector's; the location's default for an address no
        EVSE is bound to."""
        for evse in self.evses:
            binding = evse.binding
            if binding is None or binding.charge_point_id != charge_point_id:
                continue
            if connector_id in (binding.connector_id, binding.evse_id):
                return self.tariff_of(evse.connectors[0]) if evse.connectors else None
        return self.tariff_ids[0] if self.tariff_ids else None

    def power_at(self, charge_point_id: str, connector_id: int) -> int | None:
        """The most power (W) of the EVSE a charger serves at this OCPP address; None for an
        address no EVSE is bound to."""
        for evse in self.evses:
            binding = evse.binding
            if binding is None or binding.charge_point_id != charge_point_id:
                continue
            if connector_id in (binding.connector_id, binding.evse_id) and evse.connectors:
                return max(connector.power_w for connector in evse.connectors)
        return None

    def offers(self) -> dict[str, int]:
        """The most power per connector standard (W): what a search filters on."""
        best: dict[str, int] = {}
        for evse in self.evses:
            for connector in evse.connectors:
                best[connector.standard] = max(best.get(connector.standard, 0), connector.power_w)
        return best


def location_document(location: Location) -> dict[str, Any]:
    """The location as plain JSON values, with OCPI's field names (stored as one document)."""
    document: dict[str, Any] = _compact(
        {
            "id": location.location_id,
            "name": location.name,
            "address": location.address,
            "city": location.city,
            "postal_code": location.postal_code,
            "country": location.country,
            "coordinates": {
                "latitude": location.coordinates.latitude,
                "longitude": location.coordinates.longitude,
            },
            "time_zone": location.time_zone,
            "operator": {"name": location.operator.name, "website": location.operator.website},
            "opening_times": {
                "twentyfourseven": location.opening_times.twentyfourseven,
                "regular_hours": [
                    {
                        "weekday": h.weekday,
                        "period_begin": h.period_begin.strftime("%H:%M"),
                        "period_end": h.period_end.strftime("%H:%M"),
                    }
                    for h in location.opening_times.regular_hours
                ],
            },
            "evses": [_evse_document(e) for e in location.evses],
            "tariff_ids": list(location.tariff_ids),
            "publish": location.publish,
            "version": location.version,
            "last_updated": location.last_updated,
        }
    )
    return document


def _evse_document(evse: Evse) -> dict[str, Any]:
    binding = evse.binding
    return {
        "uid": evse.uid,
        "evse_id": evse.evse_id,
        "floor_level": evse.floor_level,
        "physical_reference": evse.physical_reference,
        "charger": None
        if binding is None
        else {
            "charge_point_id": binding.charge_point_id,
            "connector_id": binding.connector_id,
            "evse_id": binding.evse_id,
        },
        "connectors": [
            {
                "id": c.id,
                "standard": c.standard,
                "format": c.format,
                "power_type": c.power_type,
                "max_voltage": c.max_voltage,
                "max_amperage": c.max_amperage,
                "max_electric_power": c.max_electric_power,
                "tariff_ids": list(c.tariff_ids),
            }
            for c in evse.connectors
        ],
    }


def _compact(value: Any) -> Any:
    """Without None values and empty lists (absent, as in OCPI)."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def location_from_document(document: dict[str, Any]) -> Location:
    """The inverse of `location_document`; LocationError for what no location could hold."""
    try:
        opening = document.get("opening_times", {})
        return Location(
            location_id=document["id"],
            name=document["name"],
            address=document["address"],
            city=document["city"],
            postal_code=document.get("postal_code"),
            country=document["country"],
            coordinates=Coordinates(
                document["coordinates"]["latitude"], document["coordinates"]["longitude"]
            ),
            time_zone=document["time_zone"],
            operator=BusinessDetails(
                document["operator"]["name"], document["operator"].get("website")
            ),
            opening_times=OpeningTimes(
                twentyfourseven=opening.get("twentyfourseven", True),
                regular_hours=tuple(
                    RegularHours(
                        h["weekday"],
                        time.fromisoformat(h["period_begin"]),
                        time.fromisoformat(h["period_end"]),
                    )
                    for h in opening.get("regular_hours", ())
                ),
            ),
            evses=tuple(_evse_from_document(e) for e in document.get("evses", ())),
            tariff_ids=tuple(document.get("tariff_ids", ())),
            publish=document.get("publish", True),
            version=document.get("version", 1),
            last_updated=document.get("last_updated"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, LocationError):
            raise
        raise LocationError(f"not a location: {exc}") from None


def _evse_from_document(document: dict[str, Any]) -> Evse:
    charger = document.get("charger")
    return Evse(
        uid=document["uid"],
        evse_id=document.get("evse_id"),
        floor_level=document.get("floor_level"),
        physical_reference=document.get("physical_reference"),
        binding=None
        if charger is None
        else EvseBinding(
            charger["charge_point_id"], charger.get("connector_id"), charger.get("evse_id")
        ),
        connectors=tuple(
            Connector(
                id=c["id"],
                standard=c["standard"],
                format=c["format"],
                power_type=c["power_type"],
                max_voltage=c["max_voltage"],
                max_amperage=c["max_amperage"],
                max_electric_power=c.get("max_electric_power"),
                tariff_ids=tuple(c.get("tariff_ids", ())),
            )
            for c in document["connectors"]
        ),
    )
