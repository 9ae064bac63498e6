"""Pricing a session under a tariff: hand-computed examples, each dimension and restriction,
the rounding rule, and refusals of tariffs and usage that cannot be priced."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from shared.models.tariff import (
    PriceComponent,
    Restrictions,
    Tariff,
    TariffElement,
    TariffError,
)
from shared.pricing.sessions import PriceLine, UsageError, UsagePeriod, price_session, with_tax

T0 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Berlin


def tariff(*elements: TariffElement, tax_rate_bp: int = 1900, zone: str = "Europe/Berlin"):
    return Tariff(
        tariff_id="T1",
        version=1,
        currency="EUR",
        tax_rate_bp=tax_rate_bp,
        time_zone=zone,
        elements=elements,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )


def element(*components: PriceComponent, **restrictions) -> TariffElement:
    return TariffElement(components, Restrictions(**restrictions))


def charging(start: datetime, minutes: int, wh: int, power_w: int | None = None) -> UsagePeriod:
    return UsagePeriod(start, minutes * 60, wh, charging=True, power_w=power_w)


def parked(start: datetime, minutes: int) -> UsagePeriod:
    return UsagePeriod(start, minutes * 60, 0, charging=False)


def test_energy_is_priced_per_kwh_and_tax_rounded_half_up_once_on_the_total():
    price = price_session(tariff(element(PriceComponent("ENERGY", 39))), [charging(T0, 60, 10_000)])
    assert price.lines == (PriceLine("ENERGY", 39, 10_000, 390),)
    # 19 % of 390 is 74.1: 74.
    assert (price.total_excl_tax, price.tax, price.total_incl_tax) == (390, 74, 464)
    assert (price.energy_wh, price.charging_s, price.parking_s) == (10_000, 3600, 0)


def test_a_half_minor_unit_rounds_up():
    # 10 Wh at 50 cents/kWh is half a cent.
    price = price_session(tariff(element(PriceComponent("ENERGY", 50))), [charging(T0, 1, 10)])
    assert price.total_excl_tax == 1
    assert with_tax(250, 1900) == 250 + 48  # 47.5 -> 48


def test_time_is_billed_in_whole_steps():
    # 120 cents an hour in 5-minute blocks: 6 minutes bill 10.
    rates = tariff(element(PriceComponent("TIME", 120, step_size=300)), tax_rate_bp=0)
    price = price_session(rates, [charging(T0, 6, 1_000)])
    assert price.lines == (PriceLine("TIME", 120, 600, 20),)
    assert price.total_incl_tax == 20


def test_energy_steps_round_the_billed_volume_up():
    rates = tariff(element(PriceComponent("ENERGY", 40, step_size=1000)), tax_rate_bp=0)
    price = price_session(rates, [charging(T0, 30, 2_001)])
    assert price.lines == (PriceLine("ENERGY", 40, 3_000, 120),)


def test_parking_after_a_grace_period_and_a_flat_fee_once():
    rates = tariff(
        element(
            PriceComponent("FLAT", 100),
            PriceComponent("ENERGY", 30),
            PriceComponent("PARKING_TIME", 600, step_size=60, grace_s=900),
        ),
        tax_rate_bp=0,
    )
    session = [
        charging(T0, 60, 5_000),
        parked(T0 + timedelta(minutes=60), 10),
        charging(T0 + timedelta(minutes=70), 10, 1_000),
        parked(T0 + timedelta(minutes=80), 10),
    ]
    price = price_session(rates, session)
    # 20 minutes parked, the first 15 free: 5 minutes at 10 cents a minute.
    assert price.lines == (
        PriceLine("FLAT", 100, 1, 100),
        PriceLine("ENERGY", 30, 6_000, 180),
        PriceLine("PARKING_TIME", 600, 300, 50),
    )
    assert (price.charging_s, price.parking_s) == (4_200, 1_200)


def test_a_period_across_a_time_of_day_boundary_is_shared_pro_rata():
    rates = tariff(
        element(PriceComponent("ENERGY", 20), start_time=time(22), end_time=time(6)),
        element(PriceComponent("ENERGY", 30)),
        tax_rate_bp=0,
    )
    start = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)  # 21:00 in Berlin
    price = price_session(rates, [charging(start, 120, 4_000)])
    # 21:00-22:00 at 30, 22:00-23:00 at 20: 2 kWh each.
    assert price.lines == (PriceLine("ENERGY", 30, 2_000, 60), PriceLine("ENERGY", 20, 2_000, 40))


def test_the_night_price_spans_midnight_and_the_clock_change():
    rates = tariff(
        element(PriceComponent("TIME", 60), start_time=time(22), end_time=time(6)),
        element(PriceComponent("TIME", 120)),
        tax_rate_bp=0,
    )
    # 2026-03-29 02:00 Berlin jumps to 03:00: 21:00 UTC on the 28th is 22:00 local (CET).
    start = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # 21:00 CET
    price = price_session(rates, [charging(start, 10 * 60, 10_000)])
    # Local 21:00 -> 08:00 CEST: 1 h at 120, 22:00 -> 06:00 CEST is 7 real hours at 60,
    # then 06:00 -> 08:00 at 120.
    assert price.lines == (
        PriceLine("TIME", 120, 3 * 3600, 360),
        PriceLine("TIME", 60, 7 * 3600, 420),
    )


def test_weekend_power_and_energy_tier_restrictions():
    rates = tariff(
        element(PriceComponent("ENERGY", 25), days_of_week=frozenset({"SATURDAY", "SUNDAY"})),
        element(PriceComponent("ENERGY", 59), min_power_w=50_000),
        element(PriceComponent("ENERGY", 45), max_wh=20_000),
        element(PriceComponent("ENERGY", 35)),
        tax_rate_bp=0,
    )
    saturday = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
    assert price_session(rates, [charging(saturday, 60, 10_000)]).total_excl_tax == 250
    dc = price_session(rates, [charging(T0, 30, 30_000, power_w=120_000)])
    assert dc.total_excl_tax == 30 * 59
    # AC: the first 20 kWh at 45, what follows at 35 (tiers look at the energy so far).
    ac = price_session(
        rates,
        [charging(T0, 120, 20_000, power_w=11_000), charging(T0 + timedelta(hours=2), 60, 5_000)],
    )
    assert ac.lines == (PriceLine("ENERGY", 45, 20_000, 900), PriceLine("ENERGY", 35, 5_000, 175))


def test_a_dimension_no_element_prices_is_free_and_an_empty_session_costs_nothing():
    rates = tariff(element(PriceComponent("ENERGY", 30)))
    price = price_session(rates, [charging(T0, 60, 0), parked(T0 + timedelta(hours=1), 60)])
    assert (price.lines, price.total_incl_tax) == ((), 0)
    assert price_session(rates, []).total_incl_tax == 0


def test_usage_that_cannot_be_priced_is_refused():
    rates = tariff(element(PriceComponent("ENERGY", 30)))
    with pytest.raises(UsageError, match="overlap"):
        price_session(rates, [charging(T0, 60, 1), charging(T0 + timedelta(minutes=30), 60, 1)])
    with pytest.raises(UsageError, match="time zone"):
        UsagePeriod(datetime(2026, 1, 1), 60, 1)
    with pytest.raises(UsageError, match="negative"):
        UsagePeriod(T0, 60, -1)
    with pytest.raises(UsageError, match="parked"):
        UsagePeriod(T0, 60, 5, charging=False)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: tariff(element(PriceComponent("ENERGY", 30)), tax_rate_bp=10_001), "tax_rate"),
        (lambda: tariff(element(PriceComponent("ENERGY", 30)), zone="Mars/Base"), "time zone"),
        (lambda: PriceComponent("ENERGY", -1), "price"),
        (lambda: PriceComponent("ENERGY", 30, step_size=0), "step_size"),
        (lambda: PriceComponent("TIME", 30, grace_s=60), "grace_s"),
        (lambda: PriceComponent("COFFEE", 30), "unknown"),  # type: ignore[arg-type]
        (lambda: TariffElement(()), "at least one"),
        (
            lambda: TariffElement((PriceComponent("ENERGY", 1), PriceComponent("ENERGY", 2))),
            "at most once",
        ),
        (lambda: Restrictions(start_time=time(8)), "together"),
        (lambda: Restrictions(min_wh=10, max_wh=10), "below"),
        (lambda: Restrictions(days_of_week=frozenset({"FUNDAY"})), "days"),  # type: ignore[arg-type]
        (
            lambda: Tariff("T", 1, "eur", 0, "UTC", (element(PriceComponent("FLAT", 1)),), T0),
            "ISO 4217",
        ),
        (
            lambda: Tariff("T", 1, "JPY", 0, "UTC", (element(PriceComponent("FLAT", 1)),), T0),
            "no cents",
        ),
        (lambda: Tariff("T", 1, "EUR", 0, "UTC", (), T0), "at least one element"),
    ],
)
def test_a_tariff_that_cannot_price_correctly_is_refused(build, message):
    with pytest.raises(TariffError, match=message):
        build()
