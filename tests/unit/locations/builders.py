"""Locations for the tests: a valid site to vary."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shared.models.location import (
    BusinessDetails,
    Connector,
    Coordinates,
    Evse,
    EvseBinding,
    Location,
)

TYPE2_22KW = Connector("1", "IEC_62196_T2", "SOCKET", "AC_3_PHASE", 230, 32, 22_000)
CCS_150KW = Connector("1", "IEC_62196_T2_COMBO", "CABLE", "DC", 920, 200, 150_000)
CHADEMO_50KW = Connector("2", "CHADEMO", "CABLE", "DC", 500, 125, 50_000)


def location(
    location_id: str = "LOC-1",
    latitude: float = 52.5200,
    longitude: float = 13.4050,
    evses: tuple[Evse, ...] | None = None,
    **changes: Any,
) -> Location:
    site = Location(
        location_id=location_id,
        name="Alexanderplatz garage",
        address="Alexanderstrasse 1",
        city="Berlin",
        postal_code="10178",
        country="DEU",
        coordinates=Coordinates(latitude, longitude),
        time_zone="Europe/Berlin",
        operator=BusinessDetails("Acme Charging", "https://acme.example"),
        evses=evses
        if evses is not None
        else (
            Evse("E1", (TYPE2_22KW,), binding=EvseBinding("CP-1", connector_id=1)),
            Evse("E2", (CCS_150KW, CHADEMO_50KW), binding=EvseBinding("CP-2", evse_id=1)),
        ),
    )
    return replace(site, **changes) if changes else site
