"""What a station is told about price (OCPP 2.0.1 block I): the tariff as one line of text,
amounts as OCPP decimals, the running and final usage of a session."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

from shared.models.tariff import PriceComponent, Restrictions, Tariff, TariffElement
from shared.models.transaction import TransactionRecord
from shared.pricing.sessions import price_session
from shared.pricing.station import (
    MAX_MESSAGE_CHARACTERS,
    final_price,
    ocpp_amount,
    price_message,
    running_price,
    session_usage,
    tariff_text,
)
from shared.timeutil import iso_utc, to_epoch_ms
from tests.fakes import ac_tariff

T0 = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


def tariff(*elements: TariffElement, tax_rate_bp: int = 0, currency: str = "EUR") -> Tariff:
    return Tariff("T", 1, currency, tax_rate_bp, "Europe/Berlin", elements, T0)


def element(*components: PriceComponent, **restrictions: object) -> TariffElement:
    return TariffElement(components, Restrictions(**restrictions))  # type: ignore[arg-type]


def test_I01_energy_then_time_after_two_hours() -> None:
    text = tariff_text(
        tariff(
            element(PriceComponent("ENERGY", 35)),
            element(PriceComponent("TIME", 600), min_duration_s=7200),
        )
    )
    assert text == "0.35 EUR/kWh, 0.10 EUR/min after 2 h"


def test_I01_prices_are_shown_with_tax() -> None:
    # 0.50 flat and 0.40 per kWh, 19 % tax: 0.595 -> 0.60 and 0.476 -> 0.48.
    assert tariff_text(ac_tariff(T0)) == "0.60 EUR per session, 0.48 EUR/kWh"


def test_I01_night_rate_and_idle_fee_with_grace() -> None:
    text = tariff_text(
        tariff(
            element(PriceComponent("ENERGY", 25), start_time=time(22), end_time=time(6)),
            element(
                PriceComponent("FLAT", 50),
                PriceComponent("ENERGY", 39),
                PriceComponent("PARKING_TIME", 600, step_size=60, grace_s=900),
            ),
            currency="USD",
        )
    )
    assert text == (
        "0.25 USD/kWh 22:00-06:00, 0.50 USD per session, 0.39 USD/kWh, "
        "0.10 USD/min idle after 15 min"
    )


def test_I01_hourly_prices_that_are_no_whole_cent_per_minute_and_restrictions() -> None:
    text = tariff_text(
        tariff(
            element(
                PriceComponent("TIME", 250),
                days_of_week=frozenset({"SATURDAY", "MONDAY"}),
                max_duration_s=5400,
            ),
            element(PriceComponent("ENERGY", 59), min_power_w=50_000, max_wh=20_500),
            element(PriceComponent("ENERGY", 45)),
        )
    )
    assert text == (
        "2.50 EUR/h Mon/Sat for the first 90 min, "
        "0.59 EUR/kWh up to 20.5 kWh from 50 kW, 0.45 EUR/kWh"
    )


def test_I01_the_message_fits_message_content() -> None:
    many = tariff(*(element(PriceComponent("ENERGY", 10 + n), min_wh=n * 1000) for n in range(60)))
    message = price_message(many, "de")
    assert len(message["content"]) == MAX_MESSAGE_CHARACTERS
    assert message["content"].endswith("\u2026")
    assert (message["format"], message["language"]) == ("UTF8", "de")
    assert price_message(ac_tariff(T0))["language"] == "en"


def test_amounts_are_ocpp_decimals_with_two_places() -> None:
    assert ocpp_amount(1234) == 12.34
    assert json.dumps({"totalCost": ocpp_amount(1234)}) == '{"totalCost": 12.34}'
    assert json.dumps(ocpp_amount(5)) == "0.05"
    assert ocpp_amount(0) == 0.0
    assert json.dumps(ocpp_amount(123_456_789_01)) == "123456789.01"


def session(**fields: object) -> TransactionRecord:
    base: dict[str, object] = {
        "charge_point_id": "CP1",
        "transaction_id": "tx-1",
        "status": "active",
        "meter_start_wh": 10_000,
        "started_at": iso_utc(T0),
        "started_at_ms": to_epoch_ms(T0),
    }
    return TransactionRecord(**(base | fields))  # type: ignore[arg-type]


def test_I02_a_running_session_is_priced_up_to_its_latest_reading() -> None:
    running = session(last_meter_wh=14_000, last_meter_at=iso_utc(T0 + timedelta(minutes=20)))
    usage = session_usage(running, T0 + timedelta(minutes=20))
    assert (usage.start, usage.duration_s, usage.energy_wh) == (T0, 1200, 4000)
    price = running_price(running, ac_tariff(T0), T0 + timedelta(minutes=20))
    # 0.50 + 4 kWh x 0.40 = 2.10, 19 % tax: 2.50.
    assert price.total_incl_tax == 250


def test_I02_a_meter_below_its_start_is_priced_as_no_energy() -> None:
    reset = session(last_meter_wh=3, last_meter_at=iso_utc(T0 + timedelta(minutes=5)))
    assert session_usage(reset, T0 + timedelta(minutes=5)).energy_wh == 0
    assert session_usage(session(), T0 + timedelta(minutes=5)).energy_wh == 0


def test_I03_a_finished_session_is_priced_to_its_stop_whatever_the_reading_time() -> None:
    stopped_at = T0 + timedelta(minutes=30)
    finished = session(
        status="completed",
        meter_stop_wh=16_500,
        energy_wh=6_500,
        duration_s=1800,
        stopped_at=iso_utc(stopped_at),
        stopped_at_ms=to_epoch_ms(stopped_at),
        last_meter_wh=15_000,
    )
    usage = session_usage(finished, T0 + timedelta(hours=5))
    assert (usage.duration_s, usage.energy_wh) == (1800, 6500)
    assert final_price(finished, ac_tariff(T0)) == price_session(ac_tariff(T0), [usage])
