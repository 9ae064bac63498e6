"""The geo search: nearest first, filters on one and the same EVSE, live availability, and
the same answer as measuring every location (brute force)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.locations.availability import evse_status
from shared.locations.geohash import distance_m
from shared.locations.search import (
    MAX_RADIUS_M,
    LocationSearch,
    SearchError,
    SearchFilters,
)
from shared.models.charger import ChargerRecord
from shared.models.connection import ConnectorStatus
from shared.models.location import Evse, EvseBinding
from tests.fakes import memory_deps
from tests.unit.locations.builders import CCS_150KW, TYPE2_22KW, location

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)


def online(deps, charge_point_id: str, registration: str = "Accepted") -> None:
    deps.chargers.create(
        ChargerRecord(
            charge_point_id,
            registration_status=registration,  # type: ignore[arg-type]
            connection_id=f"conn-{charge_point_id}",
        )
    )


def status(deps, charge_point_id: str, connector_id: int, value: str, evse_id=None) -> None:
    deps.connectors.apply_status(
        ConnectorStatus(charge_point_id, connector_id, value, "2030-01-01T12:00:00Z", 1, evse_id),
        frozenset(),
    )


def search(deps) -> LocationSearch:
    return LocationSearch(deps.locations, deps.chargers, deps.connectors)


def add(deps, site) -> None:
    assert deps.locations.save(site, None).saved


def test_results_are_the_sites_within_the_radius_nearest_first() -> None:
    deps = memory_deps()
    # Alexanderplatz, Potsdamer Platz (~2.5 km), Tegel (~9 km), Potsdam (~27 km).
    add(deps, location("ALEX", 52.5219, 13.4132, evses=()))
    add(deps, location("POTSDAMER", 52.5096, 13.3759, evses=()))
    add(deps, location("TEGEL", 52.5588, 13.2884, evses=()))
    add(deps, location("POTSDAM", 52.3906, 13.0645, evses=()))
    found = search(deps).nearby(52.5200, 13.4050, 10_000)
    assert [r.location.location_id for r in found] == ["ALEX", "POTSDAMER", "TEGEL"]
    assert found[0].distance_m == pytest.approx(distance_m(52.52, 13.405, 52.5219, 13.4132))
    assert [
        r.location.location_id for r in search(deps).nearby(52.52, 13.405, 10_000, limit=1)
    ] == ["ALEX"]
    # Only index cells were read, a handful of them.
    assert 0 < len(deps.locations.cell_reads) <= 2 * 9


def test_filters_hold_for_one_and_the_same_evse_and_availability_is_live() -> None:
    deps = memory_deps()
    add(deps, location("SITE"))  # E1: CP-1 connector 1, type 2 22 kW; E2: CP-2 EVSE 1, CCS/CHAdeMO
    online(deps, "CP-1")
    online(deps, "CP-2")
    status(deps, "CP-1", 1, "Available")
    status(deps, "CP-2", 1, "Occupied", evse_id=1)
    status(deps, "CP-2", 2, "Available", evse_id=1)
    finder = search(deps)

    def ids(**filters) -> list[str]:
        found = finder.nearby(52.52, 13.405, 1_000, SearchFilters(**filters))
        return [r.location.location_id for r in found]

    assert ids(standards=frozenset({"IEC_62196_T2_COMBO"}), min_power_w=100_000) == ["SITE"]
    assert ids(standards=frozenset({"IEC_62196_T2"}), min_power_w=50_000) == []  # 22 kW only
    assert ids(standards=frozenset({"CHADEMO"}), available_now=True) == []  # E2 is in use
    assert ids(standards=frozenset({"IEC_62196_T2"}), available_now=True) == ["SITE"]
    detail = finder.detail("SITE")
    assert detail is not None
    assert [(e.evse.uid, e.status) for e in detail.evses] == [
        ("E1", "AVAILABLE"),
        ("E2", "CHARGING"),
    ]
    assert detail.available_evses == 1
    assert finder.detail("NOPE") is None


def test_unpublished_sites_are_found_by_operators_only() -> None:
    deps = memory_deps()
    add(deps, location("HIDDEN", publish=False, evses=()))
    assert search(deps).nearby(52.52, 13.405, 500) == []
    found = search(deps).nearby(52.52, 13.405, 500, SearchFilters(include_unpublished=True))
    assert [r.location.location_id for r in found] == ["HIDDEN"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((91, 0, 100), "latitude"),
        ((0, 181, 100), "longitude"),
        ((float("nan"), 0, 100), "latitude"),
        ((0, 0, 0), "radius"),
        ((0, 0, MAX_RADIUS_M + 1), "radius"),
        ((80, 0, MAX_RADIUS_M), "pole"),  # too many cells: a 400, not a slow search
    ],
)
def test_out_of_range_arguments_are_search_errors(args, message) -> None:
    with pytest.raises(SearchError, match=message):
        search(memory_deps()).nearby(*args)
    with pytest.raises(SearchError, match="standards"):
        SearchFilters(standards=frozenset({"USB_C"}))


E1 = Evse("E1", (TYPE2_22KW,), binding=EvseBinding("CP", connector_id=1))
E2 = Evse("E2", (CCS_150KW,), binding=EvseBinding("CP", evse_id=2))


@pytest.mark.parametrize(
    ("evse", "record", "reports", "expected"),
    [
        (Evse("P", (TYPE2_22KW,)), None, [], "PLANNED"),
        (E1, None, [], "UNKNOWN"),  # not registered
        (E1, ChargerRecord("CP"), [("1", "Available")], "UNKNOWN"),  # offline
        (E1, ChargerRecord("CP", "Rejected", connection_id="c"), [], "INOPERATIVE"),
        (E1, ChargerRecord("CP", connection_id="c"), [], "UNKNOWN"),  # no report yet
        (E1, ChargerRecord("CP", connection_id="c"), [("1", "Available")], "AVAILABLE"),
        (E1, ChargerRecord("CP", connection_id="c"), [("1", "Preparing")], "CHARGING"),
        (E1, ChargerRecord("CP", connection_id="c"), [("1", "SuspendedEV")], "CHARGING"),
        (E1, ChargerRecord("CP", connection_id="c"), [("1", "Reserved")], "RESERVED"),
        (E1, ChargerRecord("CP", connection_id="c"), [("1", "Faulted")], "OUTOFORDER"),
        (E1, ChargerRecord("CP", connection_id="c"), [("1", "Unavailable")], "INOPERATIVE"),
        (
            E1,
            ChargerRecord("CP", connection_id="c"),
            [("1", "Available"), ("0", "Unavailable")],
            "INOPERATIVE",
        ),
        (
            E1,
            ChargerRecord("CP", connection_id="c"),
            [("1", "Charging"), ("0", "Faulted")],
            "CHARGING",
        ),
        (
            E2,
            ChargerRecord("CP", connection_id="c"),
            [("2/1", "Available"), ("2/2", "Occupied"), ("1/1", "Faulted")],
            "CHARGING",
        ),
        (
            E2,
            ChargerRecord("CP", connection_id="c"),
            [("2/1", "Faulted"), ("2/2", "Available")],
            "AVAILABLE",
        ),
    ],
)
def test_ocpp_statuses_become_ocpi_evse_statuses(evse, record, reports, expected) -> None:
    statuses = []
    for key, value in reports:
        evse_id, _, connector = key.rpartition("/")
        statuses.append(
            ConnectorStatus("CP", int(connector), value, "t", 1, int(evse_id) if evse_id else None)
        )
    assert evse_status(evse, record, statuses) == expected


# Search equals brute force: measure every location, filter, sort.

STANDARDS = ("IEC_62196_T2", "IEC_62196_T2_COMBO", "CHADEMO")
sites = st.lists(
    st.tuples(
        st.floats(min_value=-0.4, max_value=0.4),  # offsets in degrees around the centre
        st.floats(min_value=-0.4, max_value=0.4),
        st.sampled_from(STANDARDS),
        st.sampled_from((11_000, 22_000, 50_000, 150_000)),
        st.sampled_from(("Available", "Charging", "Faulted", None)),
    ),
    # At most 30: the search examines at least 30 candidates (more only for larger limits).
    max_size=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sites,
    st.sampled_from(((52.52, 13.405), (0.0, 179.9), (-33.87, 151.21), (64.1, -21.9))),
    st.floats(min_value=200, max_value=40_000),
    st.frozensets(st.sampled_from(STANDARDS), max_size=2),
    st.sampled_from((0, 22_000, 100_000)),
    st.booleans(),
    st.integers(min_value=1, max_value=50),
)
def test_search_equals_brute_force(
    sites, centre, radius, standards, min_power, available_now, limit
) -> None:
    deps = memory_deps()
    lat0, lon0 = centre
    expected = []
    for index, (dlat, dlon, standard, power, report) in enumerate(sites):
        lat, lon = lat0 + dlat, (lon0 + dlon + 540) % 360 - 180
        charger = f"CP-{index}"
        connector = replace(TYPE2_22KW, standard=standard, max_electric_power=power)
        site = location(
            f"L{index:03}",
            lat,
            lon,
            evses=(Evse("E1", (connector,), binding=EvseBinding(charger, connector_id=1)),),
        )
        add(deps, site)
        online(deps, charger)
        if report:
            status(deps, charger, 1, report)
        distance = distance_m(lat0, lon0, lat, lon)
        if (
            distance <= radius
            and (not standards or standard in standards)
            and power >= min_power
            and (not available_now or report == "Available")
        ):
            expected.append((distance, site.location_id))
    filters = SearchFilters(standards, min_power, available_now)
    found = search(deps).nearby(lat0, lon0, radius, filters, limit)
    assert [r.location.location_id for r in found] == [i for _, i in sorted(expected)][:limit]
