"""Properties of pricing over random tariffs and sessions (hypothesis): never negative, the
lines add up, tax rounded once, whole steps billed, a session that goes on never gets
cheaper, and none costs more than the ceiling of its energy and duration."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.models.tariff import (
    DAYS_OF_WEEK,
    DIMENSIONS,
    PriceComponent,
    Restrictions,
    Tariff,
    TariffElement,
    elements_document,
    elements_from_document,
)
from shared.pricing.ceiling import price_ceiling, seconds_below
from shared.pricing.sessions import UsagePeriod, price_session

T0 = datetime(2026, 3, 28, 18, 0, tzinfo=UTC)  # the evening before a clock change in Berlin


@st.composite
def components(draw: st.DrawFn) -> tuple[PriceComponent, ...]:
    kinds = draw(
        st.lists(
            st.sampled_from(DIMENSIONS),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    made = []
    for kind in kinds:
        step = draw(st.sampled_from([1, 60, 300, 1000])) if kind != "FLAT" else 1
        grace = draw(st.sampled_from([0, 600, 1800])) if kind == "PARKING_TIME" else 0
        made.append(PriceComponent(kind, draw(st.integers(0, 5_000)), step, grace))
    return tuple(made)


@st.composite
def restrictions(draw: st.DrawFn, with_totals: bool) -> Restrictions:
    hours = draw(
        st.none() | st.tuples(st.integers(0, 23), st.integers(0, 23)).filter(lambda h: h[0] != h[1])
    )
    days = draw(st.frozensets(st.sampled_from(DAYS_OF_WEEK), max_size=3))
    power = draw(st.none() | st.integers(1_000, 150_000))
    wh = draw(st.none() | st.integers(1, 50_000)) if with_totals else None
    return Restrictions(
        start_time=time(hours[0]) if hours else None,
        end_time=time(hours[1]) if hours else None,
        days_of_week=days,
        min_power_w=power,
        max_wh=wh,
    )


def tariffs(with_totals: bool = True) -> st.SearchStrategy[Tariff]:
    elements = st.lists(
        st.builds(TariffElement, components(), restrictions(with_totals)), min_size=1, max_size=4
    )
    return st.builds(
        Tariff,
        tariff_id=st.just("T"),
        version=st.just(1),
        currency=st.just("EUR"),
        tax_rate_bp=st.integers(0, 2_700),
        time_zone=st.sampled_from(["Europe/Berlin", "UTC", "America/New_York"]),
        elements=elements.map(tuple),
        valid_from=st.just(datetime(2026, 1, 1, tzinfo=UTC)),
    )


@st.composite
def sessions(draw: st.DrawFn) -> list[UsagePeriod]:
    periods = []
    at = T0 + timedelta(minutes=draw(st.integers(0, 24 * 60)))
    for _ in range(draw(st.integers(0, 6))):
        seconds = draw(st.integers(0, 4 * 3600))
        is_charging = draw(st.booleans())
        wh = draw(st.integers(0, 40_000)) if is_charging else 0
        power = draw(st.none() | st.integers(0, 150_000)) if is_charging else None
        periods.append(UsagePeriod(at, seconds, wh, is_charging, power))
        at += timedelta(seconds=seconds + draw(st.integers(0, 600)))
    return periods


@settings(max_examples=300, deadline=None)
@given(tariffs(), sessions())
def test_prices_are_never_negative_and_add_up(tariff: Tariff, session: list[UsagePeriod]):
    price = price_session(tariff, session)
    assert all(line.amount >= 0 and line.volume >= 0 for line in price.lines)
    assert price.total_excl_tax == sum(line.amount for line in price.lines)
    exact_tax = Fraction(price.total_excl_tax * tariff.tax_rate_bp, 10_000)
    assert abs(price.tax - exact_tax) <= Fraction(1, 2)
    assert price.total_incl_tax == price.total_excl_tax + price.tax
    assert price.energy_wh == sum(p.energy_wh for p in session)
    assert price.charging_s + price.parking_s == sum(p.duration_s for p in session)


@settings(max_examples=300, deadline=None)
@given(tariffs(), sessions())
def test_billed_volumes_are_whole_steps(tariff: Tariff, session: list[UsagePeriod]):
    """Each line's volume is whole steps of a component of its dimension and price (the
    larger step when two elements share a price)."""
    steps: dict[tuple[str, int], set[int]] = {}
    for e in tariff.elements:
        for c in e.components:
            steps.setdefault((c.type, c.price), set()).add(c.step_size)
    for line in price_session(tariff, session).lines:
        if line.dimension == "FLAT":
            assert line.volume == 1
        else:
            assert any(line.volume % step == 0 for step in steps[(line.dimension, line.unit_price)])


@settings(max_examples=300, deadline=None)
@given(tariffs(), sessions(), sessions())
def test_a_session_that_goes_on_never_gets_cheaper(
    tariff: Tariff, session: list[UsagePeriod], more: list[UsagePeriod]
):
    """The cost so far shown to a driver never drops: appending usage adds to it."""
    if not session:
        return
    end = max(p.end for p in session)
    shift = end - min((p.start for p in more), default=end)
    later = [
        UsagePeriod(
            p.start + shift + timedelta(seconds=1), p.duration_s, p.energy_wh, p.charging, p.power_w
        )
        for p in more
    ]
    before = price_session(tariff, session)
    after = price_session(tariff, session + later)
    assert after.total_excl_tax >= before.total_excl_tax
    assert after.total_incl_tax >= before.total_incl_tax


@settings(max_examples=300, deadline=None)
@given(tariffs(with_totals=False), sessions(), st.data())
def test_more_energy_never_costs_less(tariff: Tariff, session: list[UsagePeriod], data):
    """Without tiers on the session's energy, more energy in any period never lowers the price."""
    charged = [i for i, p in enumerate(session) if p.charging]
    if not charged:
        return
    i = data.draw(st.sampled_from(charged))
    extra = data.draw(st.integers(1, 20_000))
    p = session[i]
    richer = list(session)
    richer[i] = UsagePeriod(p.start, p.duration_s, p.energy_wh + extra, True, p.power_w)
    assert (
        price_session(tariff, richer).total_excl_tax
        >= price_session(tariff, session).total_excl_tax
    )


@settings(max_examples=200, deadline=None)
@given(tariffs())
def test_elements_survive_their_stored_document(tariff: Tariff):
    document = json.loads(json.dumps(elements_document(tariff.elements)))
    assert elements_from_document(document) == tariff.elements


@settings(max_examples=300, deadline=None)
@given(tariffs(), sessions())
def test_no_session_costs_more_than_the_ceiling_of_its_energy_and_duration(
    tariff: Tariff, session: list[UsagePeriod]
):
    """Whatever its periods, times of day and restrictions: the sweep's cost checks rely on it."""
    price = price_session(tariff, session)
    energy = sum(p.energy_wh for p in session)
    duration = sum(p.duration_s for p in session)
    assert price.total_incl_tax <= price_ceiling(tariff, energy, duration)


@settings(max_examples=300, deadline=None)
@given(
    tariffs(),
    st.integers(0, 200_000),
    st.integers(0, 86_400),
    st.integers(1_000, 400_000),
    st.integers(1, 20_000),
)
def test_seconds_below_is_the_last_second_under_the_limit(
    tariff: Tariff, energy: int, elapsed: int, power: int, limit: int
):
    horizon = 6 * 3600
    wait = seconds_below(tariff, limit, energy, elapsed, power, horizon)

    def ceiling_after(seconds: int) -> int:
        return price_ceiling(tariff, energy + -(-power * seconds // 3600), elapsed + seconds)

    assert 0 <= wait <= horizon
    if ceiling_after(0) >= limit:
        assert wait == 0
        return
    assert ceiling_after(wait) < limit
    assert wait == horizon or ceiling_after(wait + 1) >= limit
