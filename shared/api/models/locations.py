"""Location bodies (OCPI 2.2.1 Location semantics, docs/adr/0022-locations-and-geo-search.md),
and locations with their live EVSE availability."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import Field

from shared.api.models.common import ApiModel, ChargePointId
from shared.locations.availability import EvseStatus
from shared.locations.search import EvseAvailability, LocationAvailability
from shared.models.location import (
    COUNTRY_PATTERN,
    EMI3_EVSE_ID_PATTERN,
    ID_PATTERN,
    MAX_AMPERAGE,
    MAX_CONNECTORS_PER_EVSE,
    MAX_EVSES,
    MAX_POWER_W,
    MAX_TARIFF_IDS,
    MAX_VOLTAGE,
    BusinessDetails,
    Connector,
    ConnectorFormat,
    ConnectorStandard,
    Coordinates,
    Evse,
    EvseBinding,
    Location,
    OpeningTimes,
    PowerType,
    RegularHours,
)
from shared.models.tariff import DayOfWeek

LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
TariffIds = list[Annotated[str, Field(pattern=ID_PATTERN)]]


def _tariff_ids() -> TariffIds:
    return []


class CoordinatesBody(ApiModel):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class OperatorBody(ApiModel):
    name: str = Field(min_length=1, max_length=100)
    website: str | None = Field(default=None, max_length=255, description="http(s) URL")


class RegularHoursBody(ApiModel):
    weekday: DayOfWeek
    periodBegin: str = Field(pattern=LOCAL_TIME_PATTERN, description="HH:MM local, inclusive")
    periodEnd: str = Field(
        pattern=LOCAL_TIME_PATTERN, description="HH:MM local, exclusive; 00:00 is midnight"
    )


class OpeningTimesBody(ApiModel):
    twentyfourseven: bool = True
    regularHours: list[RegularHoursBody] = Field(default_factory=list, max_length=7 * 4)

    def opening_times(self) -> OpeningTimes:
        return OpeningTimes(
            self.twentyfourseven,
            tuple(
                RegularHours(h.weekday, _local_time(h.periodBegin), _local_time(h.periodEnd))
                for h in self.regularHours
            ),
        )


class ConnectorBody(ApiModel):
    id: str = Field(
        pattern=ID_PATTERN, description="On an OCPP 2.0.1 EVSE: the OCPP connectorId (1, 2, ...)"
    )
    standard: ConnectorStandard
    format: ConnectorFormat
    powerType: PowerType
    maxVoltage: int = Field(ge=1, le=MAX_VOLTAGE, description="V (phase to neutral on AC)")
    maxAmperage: int = Field(ge=1, le=MAX_AMPERAGE, description="A (per phase on AC)")
    maxElectricPower: int | None = Field(
        default=None, ge=1, le=MAX_POWER_W, description="W; when below voltage x amperage"
    )
    tariffIds: TariffIds = Field(
        default_factory=_tariff_ids,
        max_length=MAX_TARIFF_IDS,
        description="Tariffs of this connector; the location's tariffIds when empty",
    )

    def connector(self) -> Connector:
        return Connector(
            self.id,
            self.standard,
            self.format,
            self.powerType,
            self.maxVoltage,
            self.maxAmperage,
            self.maxElectricPower,
            tuple(self.tariffIds),
        )


class ChargerBindingBody(ApiModel):
    """The OCPP address serving an EVSE: `connectorId` (1.6) or `evseId` (2.0.1)."""

    chargePointId: ChargePointId
    connectorId: int | None = Field(default=None, ge=1, le=1000, description="OCPP 1.6")
    evseId: int | None = Field(default=None, ge=1, le=1000, description="OCPP 2.0.1")

    def binding(self) -> EvseBinding:
        return EvseBinding(self.chargePointId, self.connectorId, self.evseId)


class ChargerAssignment(ChargerBindingBody):
    version: int | None = Field(
        default=None, ge=1, description="The location version this changes (a 409 if stale)"
    )


class EvseBody(ApiModel):
    uid: str = Field(pattern=ID_PATTERN)
    evseId: str | None = Field(
        default=None, pattern=EMI3_EVSE_ID_PATTERN, description="eMI3 EVSE id"
    )
    floorLevel: str | None = Field(default=None, min_length=1, max_length=16)
    physicalReference: str | None = Field(default=None, min_length=1, max_length=16)
    charger: ChargerBindingBody | None = Field(
        default=None, description="The charger serving this EVSE (none yet: PLANNED)"
    )
    connectors: list[ConnectorBody] = Field(min_length=1, max_length=MAX_CONNECTORS_PER_EVSE)

    def evse(self) -> Evse:
        return Evse(
            uid=self.uid,
            connectors=tuple(c.connector() for c in self.connectors),
            evse_id=self.evseId,
            binding=self.charger.binding() if self.charger else None,
            floor_level=self.floorLevel,
            physical_reference=self.physicalReference,
        )


class LocationFields(ApiModel):
    name: str = Field(min_length=1, max_length=255)
    address: str = Field(min_length=1, max_length=45)
    city: str = Field(min_length=1, max_length=45)
    postalCode: str | None = Field(default=None, min_length=1, max_length=10)
    country: str = Field(pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-3")
    coordinates: CoordinatesBody
    timeZone: str = Field(min_length=1, max_length=64, description="IANA time zone")
    operator: OperatorBody
    openingTimes: OpeningTimesBody = Field(default_factory=OpeningTimesBody)
    evses: list[EvseBody] = Field(default_factory=list, max_length=MAX_EVSES)
    tariffIds: TariffIds = Field(
        default_factory=_tariff_ids,
        max_length=MAX_TARIFF_IDS,
        description="Default tariffs of the connectors that name none",
    )
    publish: bool = Field(default=True, description="Shown to drivers")

    def location(self, location_id: str) -> Location:
        """Raises LocationError for what the schema cannot say (an unknown time zone, ...)."""
        return Location(
            location_id=location_id,
            name=self.name,
            address=self.address,
            city=self.city,
            postal_code=self.postalCode,
            country=self.country,
            coordinates=Coordinates(self.coordinates.latitude, self.coordinates.longitude),
            time_zone=self.timeZone,
            operator=BusinessDetails(self.operator.name, self.operator.website),
            opening_times=self.openingTimes.opening_times(),
            evses=tuple(e.evse() for e in self.evses),
            tariff_ids=tuple(self.tariffIds),
            publish=self.publish,
        )


class LocationBody(LocationFields):
    """A new location (POST)."""

    locationId: str = Field(pattern=ID_PATTERN)


class LocationChange(LocationFields):
    """A location replaced whole (PUT)."""

    version: int | None = Field(
        default=None, ge=1, description="The version this replaces (a 409 if another edit won)"
    )


class LocationView(LocationBody):
    version: int
    lastUpdated: str | None

    @classmethod
    def of(cls, location: Location) -> LocationView:
        return cls(
            locationId=location.location_id,
            version=location.version,
            lastUpdated=location.last_updated,
            name=location.name,
            address=location.address,
            city=location.city,
            postalCode=location.postal_code,
            country=location.country,
            coordinates=CoordinatesBody(
                latitude=location.coordinates.latitude,
                longitude=location.coordinates.longitude,
            ),
            timeZone=location.time_zone,
            operator=OperatorBody(name=location.operator.name, website=location.operator.website),
            openingTimes=OpeningTimesBody(
                twentyfourseven=location.opening_times.twentyfourseven,
                regularHours=[
                    RegularHoursBody(
                        weekday=h.weekday,
                        periodBegin=h.period_begin.strftime("%H:%M"),
                        periodEnd=h.period_end.strftime("%H:%M"),
                    )
                    for h in location.opening_times.regular_hours
                ],
            ),
            evses=[_evse_body(e) for e in location.evses],
            tariffIds=list(location.tariff_ids),
            publish=location.publish,
        )


class LocationPage(ApiModel):
    items: list[LocationView]
    nextCursor: str | None


class ConnectorOffer(ApiModel):
    id: str
    standard: ConnectorStandard
    powerType: PowerType
    powerW: int = Field(description="The most this connector delivers")
    tariffIds: TariffIds = Field(description="The tariffs that apply (the location's default)")


class EvseAvailabilityView(ApiModel):
    uid: str
    evseId: str | None
    status: EvseStatus = Field(
        description="OCPI EVSE status, live from the charger (UNKNOWN while it is offline)"
    )
    connectors: list[ConnectorOffer]


class LocationAvailabilityView(ApiModel):
    location: LocationView
    distanceM: float | None = Field(description="From the search centre, metres")
    availableEvses: int
    evses: list[EvseAvailabilityView]

    @classmethod
    def of(cls, found: LocationAvailability) -> LocationAvailabilityView:
        location = found.location
        return cls(
            location=LocationView.of(location),
            distanceM=None if found.distance_m is None else round(found.distance_m, 1),
            availableEvses=found.available_evses,
            evses=[_availability(location, e) for e in found.evses],
        )


class NearbyLocations(ApiModel):
    items: list[LocationAvailabilityView] = Field(description="Nearest first")


def _availability(location: Location, found: EvseAvailability) -> EvseAvailabilityView:
    return EvseAvailabilityView(
        uid=found.evse.uid,
        evseId=found.evse.evse_id,
        status=found.status,
        connectors=[
            ConnectorOffer(
                id=c.id,
                standard=c.standard,
                powerType=c.power_type,
                powerW=c.power_w,
                tariffIds=list(location.tariffs_of(c)),
            )
            for c in found.evse.connectors
        ],
    )


def _evse_body(evse: Evse) -> EvseBody:
    binding = evse.binding
    return EvseBody(
        uid=evse.uid,
        evseId=evse.evse_id,
        floorLevel=evse.floor_level,
        physicalReference=evse.physical_reference,
        charger=None
        if binding is None
        else ChargerBindingBody(
            chargePointId=binding.charge_point_id,
            connectorId=binding.connector_id,
            evseId=binding.evse_id,
        ),
        connectors=[
            ConnectorBody(
                id=c.id,
                standard=c.standard,
                format=c.format,
                powerType=c.power_type,
                maxVoltage=c.max_voltage,
                maxAmperage=c.max_amperage,
                maxElectricPower=c.max_electric_power,
                tariffIds=list(c.tariff_ids),
            )
            for c in evse.connectors
        ],
    )


def _local_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))
