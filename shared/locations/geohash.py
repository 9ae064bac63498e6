"""Geohash cells and great-circle distances: the keys of the geo search (docs/adr/0022).

A geohash names a rectangle of latitude x longitude; each character halves both axes
alternately five times (longitude first). Points sharing a prefix are in the same cell, so a
cell is an index partition and a search queries the cells covering its circle. Pure functions,
no dependencies.
"""

from __future__ import annotations

import math

BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
_DECODE = {ch: i for i, ch in enumerate(BASE32)}
EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
MAX_PRECISION = 12


def encode(latitude: float, longitude: float, precision: int) -> str:
    """The cell of `precision` characters holding the point (edges belong to the upper cell,
    the poles and the antimeridian to the last one)."""
    if not 1 <= precision <= MAX_PRECISION:
        raise ValueError(f"precision must be 1..{MAX_PRECISION}")
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    chars: list[str] = []
    bits = 0
    value = 0
    even = True  # longitude bits first
    while len(chars) < precision:
        if even:
            mid = (lon_lo + lon_hi) / 2
            upper = longitude >= mid
            lon_lo, lon_hi = (mid, lon_hi) if upper else (lon_lo, mid)
        else:
            mid = (lat_lo + lat_hi) / 2
            upper = latitude >= mid
            lat_lo, lat_hi = (mid, lat_hi) if upper else (lat_lo, mid)
        value = (value << 1) | upper
        even = not even
        bits += 1
        if bits == 5:
            chars.append(BASE32[value])
            bits = value = 0
    return "".join(chars)


def bounds(cell: str) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a cell."""
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    even = True
    for ch in cell:
        value = _DECODE[ch]
        for shift in range(4, -1, -1):
            bit = (value >> shift) & 1
            if even:
                mid = (lon_lo + lon_hi) / 2
                lon_lo, lon_hi = (mid, lon_hi) if bit else (lon_lo, mid)
            else:
                mid = (lat_lo + lat_hi) / 2
                lat_lo, lat_hi = (mid, lat_hi) if bit else (lat_lo, mid)
            even = not even
    return lat_lo, lon_lo, lat_hi, lon_hi


def cell_size(precision: int) -> tuple[float, float]:
    """(height, width) of every cell of this precision, in degrees."""
    lon_bits = (5 * precision + 1) // 2
    lat_bits = 5 * precision // 2
    return 180.0 / 2**lat_bits, 360.0 / 2**lon_bits


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def circle_box(
    latitude: float, longitude: float, radius_m: float
) -> tuple[float, float, float, float, bool]:
    """(south, west, north, east, wraps) bounding every point within `radius_m`: latitude by
    the angular radius; longitude widened by the latitude nearest a pole the circle reaches
    (the whole circle of longitude when it reaches a pole). `wraps`: west > east across the
    antimeridian."""
    angle = math.degrees(radius_m / EARTH_RADIUS_M)
    south, north = latitude - angle, latitude + angle
    if south <= -90 or north >= 90 or angle >= 90:
        return max(south, -90.0), -180.0, min(north, 90.0), 180.0, False
    # The widest longitude span of a spherical cap: asin(sin(angle) / cos(latitude)).
    ratio = math.sin(math.radians(angle)) / math.cos(math.radians(latitude))
    if ratio >= 1:
        return south, -180.0, north, 180.0, False
    half_width = math.degrees(math.asin(ratio))
    west, east = longitude - half_width, longitude + half_width
    if west < -180:
        return south, west + 360, north, east, True
    if east > 180:
        return south, west, north, east - 360, True
    return south, west, north, east, False


def covering_cells(latitude: float, longitude: float, radius_m: float, precision: int) -> list[str]:
    """Every cell of `precision` that may hold a point within `radius_m` of the centre: the
    cells meeting the circle's bounding box, padded by a metre and a part per thousand so that
    rounding cannot drop a neighbour holding a point on the circle. Sorted, no repeats."""
    height, width = cell_size(precision)
    south, west, north, east, wraps = circle_box(latitude, longitude, radius_m * 1.001 + 1.0)
    rows = _steps(south, north, height, -90.0, 90.0, wrap=False)
    spans = [(west, 180.0), (-180.0, east)] if wraps else [(west, east)]
    cells: set[str] = set()
    for lo, hi in spans:
        for lon in _steps(lo, hi, width, -180.0, 180.0, wrap=True):
            for lat in rows:
                cells.add(encode(lat, lon, precision))
    return sorted(cells)


def _steps(
    low: float, high: float, step: float, floor: float, ceiling: float, wrap: bool
) -> list[float]:
    """Centres of the cells from the one holding `low` to the one holding `high`; longitude
    wraps past the antimeridian, latitude stops at the poles."""
    span = round((ceiling - floor) / step)
    first = math.floor((low - floor) / step)
    last = math.floor((high - floor) / step)
    if not wrap:
        first, last = max(first, 0), min(last, span - 1)
    elif last - first + 1 >= span:
        first, last = 0, span - 1
    return [floor + ((i % span) + 0.5) * step for i in range(first, last + 1)]
