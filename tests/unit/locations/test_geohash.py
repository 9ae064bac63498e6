"""Geohash cells and distances: known values, and the covering property the search relies on."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.locations.geohash import (
    bounds,
    cell_size,
    covering_cells,
    distance_m,
    encode,
)


def test_encode_matches_the_reference_geohashes() -> None:
    assert encode(57.64911, 10.40744, 11) == "u4pruydqqvj"  # geohash.org's example
    assert encode(52.5200, 13.4050, 6) == "u33dc0"
    assert encode(-33.8688, 151.2093, 5) == "r3gx2"
    assert encode(90, 180, 4) == "zzzz"
    assert encode(-90, -180, 4) == "0000"
    with pytest.raises(ValueError, match="precision"):
        encode(0, 0, 0)


def test_a_cell_holds_the_points_it_names() -> None:
    south, west, north, east = bounds("u33d")
    assert south <= 52.52 < north and west <= 13.405 < east
    height, width = cell_size(4)
    assert north - south == pytest.approx(height) and east - west == pytest.approx(width)


def test_distances_are_great_circle_metres() -> None:
    assert distance_m(52.52, 13.405, 52.52, 13.405) == 0
    # Berlin - Paris: 878 km (great circle, mean radius).
    assert distance_m(52.52, 13.405, 48.8566, 2.3522) == pytest.approx(877_464, rel=1e-3)
    # One degree of latitude: about 111.2 km anywhere.
    assert distance_m(10, 50, 11, 50) == pytest.approx(111_195, rel=1e-3)
    # Across the antimeridian.
    assert distance_m(0, 179.999, 0, -179.999) == pytest.approx(222.4, rel=1e-2)


def test_covering_cells_include_neighbours_across_edges_and_the_antimeridian() -> None:
    cells = covering_cells(0.0, 179.999, 5_000, 4)
    assert {encode(0.01, -179.99, 4), encode(-0.01, 179.99, 4)} <= set(cells)
    assert cells == sorted(set(cells))
    # A small circle inside one cell still names only the cells it can reach.
    assert len(covering_cells(52.52, 13.405, 100, 4)) <= 4


latitudes = st.floats(min_value=-80, max_value=80, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)


@settings(max_examples=400, deadline=None)
@given(
    latitudes,
    longitudes,
    st.floats(min_value=10, max_value=50_000),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=360),
    st.integers(min_value=4, max_value=6),
)
def test_every_point_within_the_radius_lies_in_a_covering_cell(
    lat, lon, radius, fraction, bearing, precision
) -> None:
    # A point at `fraction` of the radius in direction `bearing` (destination formula).
    angle = radius * fraction / 6_371_008.8
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing)
    p2 = math.asin(math.sin(p1) * math.cos(angle) + math.cos(p1) * math.sin(angle) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(angle) * math.cos(p1), math.cos(angle) - math.sin(p1) * math.sin(p2)
    )
    lat2, lon2 = math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180
    assert distance_m(lat, lon, lat2, lon2) <= radius * (1 + 1e-9) + 1e-6
    assert encode(lat2, lon2, precision) in covering_cells(lat, lon, radius, precision)
