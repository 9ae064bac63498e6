"""The location model refuses what OCPI (or our store) could not hold, saying which field."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from shared.models.location import (
    MAX_EVSES,
    BusinessDetails,
    Connector,
    Coordinates,
    Evse,
    EvseBinding,
    LocationError,
    OpeningTimes,
    RegularHours,
    location_document,
    location_from_document,
)
from tests.unit.locations.builders import CCS_150KW, TYPE2_22KW, location


def test_a_location_survives_its_document_unchanged() -> None:
    site = location(
        opening_times=OpeningTimes(
            twentyfourseven=False,
            regular_hours=(
                RegularHours("MONDAY", time(6), time(22)),
                RegularHours("SUNDAY", time(8), time(0)),
            ),
        ),
        tariff_ids=("AC-STANDARD",),
        publish=False,
        version=3,
        last_updated="2030-01-01T12:00:00.000Z",
    )
    document = location_document(site)
    assert document["coordinates"] == {"latitude": 52.52, "longitude": 13.405}
    assert document["evses"][1]["charger"] == {"charge_point_id": "CP-2", "evse_id": 1}
    assert location_from_document(document) == site


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Coordinates(91, 0), "latitude"),
        (lambda: Coordinates(0, -180.5), "longitude"),
        (lambda: Coordinates(float("nan"), 0), "latitude"),
        (lambda: location(time_zone="Mars/Olympus"), "time zone"),
        (lambda: location(time_zone="../../etc/passwd"), "time zone"),
        (lambda: location(name="  "), "name"),
        (lambda: location(city=""), "city"),
        (lambda: location(address="x" * 46), "address"),
        (lambda: location(name="a\x00b"), "control"),
        (lambda: location(country="DE"), "alpha-3"),
        (lambda: location(location_id="has space"), "location id"),
        (lambda: BusinessDetails("Acme", "ftp://acme"), "website"),
        (lambda: OpeningTimes(twentyfourseven=False), "regular hours"),
        (lambda: RegularHours("MONDAY", time(22), time(6)), "end after"),
        (lambda: RegularHours("FUNDAY", time(6), time(22)), "weekday"),  # type: ignore[arg-type]
        (
            lambda: OpeningTimes(
                twentyfourseven=False,
                regular_hours=(
                    RegularHours("MONDAY", time(6), time(12)),
                    RegularHours("MONDAY", time(11), time(14)),
                ),
            ),
            "overlap",
        ),
        (lambda: replace(TYPE2_22KW, standard="IEC_62196_T9"), "standard"),  # type: ignore[arg-type]
        (lambda: replace(TYPE2_22KW, format="PLUG"), "format"),  # type: ignore[arg-type]
        (lambda: replace(TYPE2_22KW, power_type="AC"), "power type"),  # type: ignore[arg-type]
        (lambda: replace(TYPE2_22KW, max_voltage=0), "max_voltage"),
        (lambda: replace(TYPE2_22KW, max_electric_power=10**12), "max_electric_power"),
        (lambda: Evse("E1", ()), "connectors"),
        (lambda: Evse("E1", (TYPE2_22KW, TYPE2_22KW)), "unique"),
        (lambda: Evse("E1", (TYPE2_22KW,), evse_id="not an emi3 id"), "eMI3"),
        (
            lambda: Evse(
                "E1", (replace(TYPE2_22KW, id="A"),), binding=EvseBinding("CP-1", evse_id=1)
            ),
            "connectorIds",
        ),
        (lambda: EvseBinding("CP-1"), "connectorId"),
        (lambda: EvseBinding("CP-1", connector_id=1, evse_id=1), "connectorId"),
        (lambda: EvseBinding("CP-1", connector_id=0), "1..1000"),
        (lambda: location(evses=(Evse("E1", (TYPE2_22KW,)), Evse("E1", (CCS_150KW,)))), "uids"),
        (
            lambda: location(
                evses=(
                    Evse("E1", (TYPE2_22KW,), binding=EvseBinding("CP-1", connector_id=1)),
                    Evse("E2", (TYPE2_22KW,), binding=EvseBinding("CP-1", connector_id=1)),
                )
            ),
            "same charger",
        ),
        (
            lambda: location(
                evses=tuple(Evse(f"E{i}", (TYPE2_22KW,)) for i in range(MAX_EVSES + 1))
            ),
            "at most",
        ),
    ],
)
def test_an_impossible_location_is_refused_naming_the_field(build, message) -> None:
    with pytest.raises(LocationError, match=message):
        build()


def test_power_is_the_given_maximum_or_what_voltage_and_amperage_allow() -> None:
    assert TYPE2_22KW.power_w == 22_000
    three_phase = Connector("1", "IEC_62196_T2", "SOCKET", "AC_3_PHASE", 230, 16)
    assert three_phase.power_w == 3 * 230 * 16
    assert replace(three_phase, power_type="AC_1_PHASE").power_w == 230 * 16


def test_connectors_fall_back_to_the_location_tariffs() -> None:
    own = replace(TYPE2_22KW, tariff_ids=("AC-SPECIAL",))
    site = location(tariff_ids=("AC-STANDARD",))
    assert site.tariffs_of(own) == ("AC-SPECIAL",)
    assert site.tariffs_of(TYPE2_22KW) == ("AC-STANDARD",)


def test_offers_hold_the_most_power_per_standard() -> None:
    assert location().offers() == {
        "IEC_62196_T2": 22_000,
        "IEC_62196_T2_COMBO": 150_000,
        "CHADEMO": 50_000,
    }
    assert location().charger_ids == {"CP-1", "CP-2"}


def test_a_stored_document_that_is_not_a_location_is_a_location_error() -> None:
    with pytest.raises(LocationError):
        location_from_document({"id": "X"})
    with pytest.raises(LocationError):
        location_from_document({**location_document(location()), "coordinates": "here"})
