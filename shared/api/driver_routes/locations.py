"""Finding chargers from the app: published locations near a point, and one location with
its EVSEs' live status and the price of each connector (docs/drivers.md)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import Field

from shared.admin.errors import InvalidRequest, NotFound
from shared.api.context import ApiContext, path_value
from shared.api.models.common import ApiModel
from shared.api.models.locations import (
    CoordinatesBody,
    OpeningTimesBody,
    RegularHoursBody,
)
from shared.api.routes.locations import (
    Latitude,
    Longitude,
    MinPowerW,
    RadiusM,
    SearchLimit,
    Standards,
    standards_query,
)
from shared.api.routes.responses import errors
from shared.locations.availability import EvseStatus
from shared.locations.search import (
    DEFAULT_LIMIT,
    LocationAvailability,
    SearchError,
    SearchFilters,
)
from shared.models.location import ID_PATTERN, Location
from shared.models.tariff import Tariff
from shared.pricing.sessions import with_tax

TAGS = ["locations"]


class PriceComponentView(ApiModel):
    type: str = Field(description="ENERGY (per kWh), TIME / PARKING_TIME (per hour), FLAT")
    priceExclTaxMinor: int
    priceInclTaxMinor: int
    stepSize: int


class TariffSummary(ApiModel):
    tariffId: str
    version: int
    currency: str
    taxRateBp: int = Field(description="Basis points: 1900 is 19 %")
    components: list[PriceComponentView] = Field(description="Of every element, in order")


class DriverConnector(ApiModel):
    id: str
    standard: str
    format: str
    powerType: str
    maxPowerW: int
    price: TariffSummary | None = Field(description="None when no tariff applies")


class DriverEvse(ApiModel):
    uid: str
    status: EvseStatus = Field(description="OCPI status, live (UNKNOWN while offline)")
    connectors: list[DriverConnector]


class DriverLocationSummary(ApiModel):
    locationId: str
    name: str
    address: str
    city: str
    postalCode: str | None
    country: str
    coordinates: CoordinatesBody
    openingTimes: OpeningTimesBody
    distanceM: float | None
    evseCount: int
    availableEvses: int
    standards: list[str] = Field(description="Connector standards offered")
    maxPowerW: int = Field(description="The most any connector delivers")


class DriverLocation(DriverLocationSummary):
    evses: list[DriverEvse]


class DriverNearby(ApiModel):
    items: list[DriverLocationSummary] = Field(description="Nearest first")


def _opening(location: Location) -> OpeningTimesBody:
    return OpeningTimesBody(
        twentyfourseven=location.opening_times.twentyfourseven,
        regularHours=[
            RegularHoursBody(
                weekday=h.weekday,
                periodBegin=h.period_begin.strftime("%H:%M"),
                periodEnd=h.period_end.strftime("%H:%M"),
            )
            for h in location.opening_times.regular_hours
        ],
    )


def _summary_fields(found: LocationAvailability) -> dict[str, object]:
    location = found.location
    connectors = [c for e in location.evses for c in e.connectors]
    return {
        "locationId": location.location_id,
        "name": location.name,
        "address": location.address,
        "city": location.city,
        "postalCode": location.postal_code,
        "country": location.country,
        "coordinates": CoordinatesBody(
            latitude=location.coordinates.latitude, longitude=location.coordinates.longitude
        ),
        "openingTimes": _opening(location),
        "distanceM": None if found.distance_m is None else round(found.distance_m, 1),
        "evseCount": len(location.evses),
        "availableEvses": found.available_evses,
        "standards": sorted({c.standard for c in connectors}),
        "maxPowerW": max((c.power_w for c in connectors), default=0),
    }


def tariff_summary(tariff: Tariff) -> TariffSummary:
    return TariffSummary(
        tariffId=tariff.tariff_id,
        version=tariff.version,
        currency=tariff.currency,
        taxRateBp=tariff.tax_rate_bp,
        components=[
            PriceComponentView(
                type=c.type,
                priceExclTaxMinor=c.price,
                priceInclTaxMinor=with_tax(c.price, tariff.tax_rate_bp),
                stepSize=c.step_size,
            )
            for element in tariff.elements
            for c in element.components
        ],
    )


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    search = ctx.services.location_search
    tariffs = ctx.services.tariff_admin

    def price(tariff_id: str | None) -> TariffSummary | None:
        if tariff_id is None:
            return None
        try:
            return tariff_summary(tariffs.valid_at(tariff_id, tariffs.now()))
        except NotFound:
            return None

    @routes.get(
        "/driver/locations/nearby",
        tags=TAGS,
        summary="Charging locations near a point, nearest first",
        description="Every filter holds for one and the same EVSE.",
        responses=errors(400),
    )
    def driver_nearby(
        lat: Latitude,
        lon: Longitude,
        radiusM: RadiusM = 5_000,
        standard: Standards = None,
        minPowerW: MinPowerW = 0,
        availableNow: bool = False,
        limit: SearchLimit = DEFAULT_LIMIT,
    ) -> DriverNearby:
        filters = SearchFilters(
            standards=standards_query(standard), min_power_w=minPowerW, available_now=availableNow
        )
        try:
            found = search.nearby(lat, lon, radiusM, filters, limit)
        except SearchError as exc:
            raise InvalidRequest(str(exc)) from None
        return DriverNearby(
            items=[
                DriverLocationSummary.model_validate(_summary_fields(f))
                for f in found
                if f.location.publish
            ]
        )

    @routes.get(
        "/driver/locations/<locationId>",
        tags=TAGS,
        summary="A location: its EVSEs' live status and the price of each connector",
        responses=errors(404),
    )
    def driver_location(locationId: Annotated[str, Path(pattern=ID_PATTERN)]) -> DriverLocation:
        location_id = path_value(locationId)
        found = search.detail(location_id)
        if found is None or not found.location.publish:
            raise NotFound(f"location {location_id!r} not found")
        location = found.location
        return DriverLocation.model_validate(
            _summary_fields(found)
            | {
                "evses": [
                    DriverEvse(
                        uid=e.evse.uid,
                        status=e.status,
                        connectors=[
                            DriverConnector(
                                id=c.id,
                                standard=c.standard,
                                format=c.format,
                                powerType=c.power_type,
                                maxPowerW=c.power_w,
                                price=price(location.tariff_of(c)),
                            )
                            for c in e.evse.connectors
                        ],
                    )
                    for e in found.evses
                ]
            }
        )
