"""Tariff bodies (OCPI 2.2.1 Tariff semantics, docs/adr/0020-tariffs-and-pricing.md) and the
price of a session under one."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from shared.api.models.common import ApiModel
from shared.models.tariff import (
    MAX_PRICE,
    MAX_TAX_RATE_BP,
    UNIT_LABELS,
    DayOfWeek,
    PriceComponent,
    Restrictions,
    Tariff,
    TariffElement,
    elements_document,
)
from shared.pricing.sessions import SessionPrice, UsagePeriod
from shared.timeutil import iso_utc

DimensionName = Literal["ENERGY", "TIME", "PARKING_TIME", "FLAT"]
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
TARIFF_ID_PATTERN = r"^[A-Za-z0-9\-_.]{1,36}$"
DAY_S = 86_400
# A quote prices up to a week of usage in periods of at least a minute.
MAX_PERIODS = 10_080


class PriceComponentBody(ApiModel):
    type: DimensionName
    price: int = Field(
        ge=0,
        le=MAX_PRICE,
        description="Minor units of the currency per kWh (ENERGY), per hour (TIME, "
        "PARKING_TIME) or per session (FLAT), excluding tax",
    )
    stepSize: int = Field(
        default=1, ge=1, le=DAY_S * 1000, description="Billing block: Wh (ENERGY) or seconds"
    )
    graceS: int = Field(
        default=0, ge=0, le=DAY_S, description="PARKING_TIME only: free idle seconds per session"
    )

    def component(self) -> PriceComponent:
        return PriceComponent(self.type, self.price, self.stepSize, self.graceS)


class RestrictionsBody(ApiModel):
    startTime: str | None = Field(
        default=None, pattern=LOCAL_TIME_PATTERN, description="HH:MM local, inclusive"
    )
    endTime: str | None = Field(
        default=None,
        pattern=LOCAL_TIME_PATTERN,
        description="HH:MM local, exclusive; before startTime spans midnight",
    )
    daysOfWeek: list[DayOfWeek] = Field(default_factory=list, max_length=7)
    minWh: int | None = Field(default=None, ge=0, description="Session energy so far")
    maxWh: int | None = Field(default=None, ge=0)
    minDurationS: int | None = Field(default=None, ge=0, description="Session duration so far")
    maxDurationS: int | None = Field(default=None, ge=0)
    minPowerW: int | None = Field(default=None, ge=0)
    maxPowerW: int | None = Field(default=None, ge=0)

    def restrictions(self) -> Restrictions:
        return Restrictions(
            start_time=_local_time(self.startTime),
            end_time=_local_time(self.endTime),
            days_of_week=frozenset(self.daysOfWeek),
            min_wh=self.minWh,
            max_wh=self.maxWh,
            min_duration_s=self.minDurationS,
            max_duration_s=self.maxDurationS,
            min_power_w=self.minPowerW,
            max_power_w=self.maxPowerW,
        )


class TariffElementBody(ApiModel):
    priceComponents: list[PriceComponentBody] = Field(min_length=1, max_length=4)
    restrictions: RestrictionsBody = Field(default_factory=RestrictionsBody)

    def element(self) -> TariffElement:
        return TariffElement(
            tuple(c.component() for c in self.priceComponents), self.restrictions.restrictions()
        )


class TariffBody(ApiModel):
    tariffId: str = Field(pattern=TARIFF_ID_PATTERN)
    version: int | None = Field(
        default=None,
        ge=1,
        description="Publishing: the version this will be (a Conflict if another was published "
        "first); the server numbers it when left out",
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")
    taxRateBp: int = Field(ge=0, le=MAX_TAX_RATE_BP, description="Tax rate in basis points")
    timeZone: str = Field(min_length=1, max_length=64, description="IANA time zone")
    validFrom: AwareDatetime
    elements: list[TariffElementBody] = Field(
        min_length=1, max_length=32, description="In order: the first that applies prices"
    )

    def tariff(self) -> Tariff:
        """Raises TariffError for what the schema cannot say (an unknown time zone, ...)."""
        return Tariff(
            tariff_id=self.tariffId,
            version=self.version or 1,
            currency=self.currency,
            tax_rate_bp=self.taxRateBp,
            time_zone=self.timeZone,
            elements=tuple(e.element() for e in self.elements),
            valid_from=self.validFrom,
        )


class TariffView(ApiModel):
    tariffId: str
    version: int
    currency: str
    taxRateBp: int
    timeZone: str
    validFrom: str
    elements: list[TariffElementBody]

    @classmethod
    def of(cls, tariff: Tariff) -> TariffView:
        return cls(
            tariffId=tariff.tariff_id,
            version=tariff.version,
            currency=tariff.currency,
            taxRateBp=tariff.tax_rate_bp,
            timeZone=tariff.time_zone,
            validFrom=iso_utc(tariff.valid_from),
            elements=[
                TariffElementBody.model_validate(element)
                for element in elements_document(tariff.elements)
            ],
        )


class TariffVersions(ApiModel):
    tariffId: str
    current: TariffView | None = Field(description="The version a session starting now pays")
    versions: list[TariffView] = Field(description="Oldest first")


class TariffPage(ApiModel):
    items: list[TariffView]
    nextCursor: str | None


class UsagePeriodBody(ApiModel):
    start: AwareDatetime
    durationS: int = Field(ge=0, le=7 * DAY_S)
    energyWh: int = Field(default=0, ge=0, le=10_000_000)
    charging: bool = True
    powerW: int | None = Field(default=None, ge=0, le=10_000_000)

    def period(self) -> UsagePeriod:
        return UsagePeriod(self.start, self.durationS, self.energyWh, self.charging, self.powerW)


class UsageBody(ApiModel):
    periods: list[UsagePeriodBody] = Field(
        max_length=MAX_PERIODS, description="Not overlapping, within 7 days"
    )

    @model_validator(mode="after")
    def _within_a_week(self) -> UsageBody:
        if self.periods:
            first = min(p.start for p in self.periods)
            last = max(p.start + timedelta(seconds=p.durationS) for p in self.periods)
            if last - first > timedelta(days=7):
                raise ValueError("the periods span more than 7 days")
        return self

    def usage(self) -> list[UsagePeriod]:
        return [p.period() for p in self.periods]


class QuoteRequest(UsageBody):
    tariff: TariffBody


class PriceLineView(ApiModel):
    dimension: DimensionName
    unitPrice: int = Field(description="Minor units per unit, excluding tax")
    unit: str
    volume: int = Field(description="Billed: Wh, seconds, or 1 session")
    amount: int = Field(description="Minor units, excluding tax")


class SessionPriceView(ApiModel):
    tariffId: str
    tariffVersion: int
    currency: str
    lines: list[PriceLineView]
    totalExclTax: int
    tax: int
    totalInclTax: int
    taxRateBp: int
    energyWh: int
    chargingS: int
    parkingS: int

    @classmethod
    def of(cls, price: SessionPrice) -> SessionPriceView:
        return cls(
            tariffId=price.tariff_id,
            tariffVersion=price.tariff_version,
            currency=price.currency,
            lines=[
                PriceLineView(
                    dimension=line.dimension,
                    unitPrice=line.unit_price,
                    unit=UNIT_LABELS[line.dimension],
                    volume=line.volume,
                    amount=line.amount,
                )
                for line in price.lines
            ],
            totalExclTax=price.total_excl_tax,
            tax=price.tax,
            totalInclTax=price.total_incl_tax,
            taxRateBp=price.tax_rate_bp,
            energyWh=price.energy_wh,
            chargingS=price.charging_s,
            parkingS=price.parking_s,
        )


def _local_time(value: str | None) -> time | None:
    if value is None:
        return None
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))
