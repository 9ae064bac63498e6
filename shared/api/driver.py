"""The driver API: the HTTP app of the drivers' mobile app, behind the driver check
(shared/api/driver_auth.py). Every route acts for the calling driver only."""

from __future__ import annotations

from shared.api.driver_auth import require_driver
from shared.api.driver_routes import (
    cards,
    locations,
    meta,
    payment_methods,
    profile,
    sessions,
    starts,
)
from shared.api.http_app import HttpApp, HttpAppSpec
from shared.api.openapi import DRIVER_API
from shared.bootstrap import Services

PUBLIC_PATHS = frozenset({"/driver/health", "/driver/openapi.json", "/driver/docs"})

DRIVER_APP = HttpAppSpec(
    description=DRIVER_API,
    public_paths=PUBLIC_PATHS,
    realm="csms-driver",
    route_modules=(meta, profile, cards, sessions, starts, payment_methods, locations),
)


class DriverApi(HttpApp):
    def __init__(self, services: Services) -> None:
        super().__init__(services, DRIVER_APP, require_driver)
