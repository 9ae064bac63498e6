"""The operator API: the HTTP app of chargers, id tags, sessions, commands and tariffs,
behind the operator check (shared/api/operator_auth.py)."""

from __future__ import annotations

from typing import Any

from shared.api.http_app import HttpApp, HttpAppSpec
from shared.api.openapi import OPERATOR_API
from shared.api.operator_auth import require_operator
from shared.api.routes import (
    certificates,
    charger_events,
    chargers,
    commands,
    cost_profiles,
    device_model,
    diagnostics,
    energy,
    firmware_campaigns,
    firmware_images,
    grid,
    id_tags,
    locations,
    meta,
    overview,
    passwords,
    payments,
    sessions,
    site_electrical,
    site_load_history,
    tariffs,
)
from shared.bootstrap import Services

PUBLIC_PATHS = frozenset({"/api/health", "/api/openapi.json", "/api/docs"})

OPERATOR_APP = HttpAppSpec(
    description=OPERATOR_API,
    public_paths=PUBLIC_PATHS,
    realm="csms-operator",
    route_modules=(
        meta,
        chargers,
        device_model,
        charger_events,
        certificates,
        id_tags,
        sessions,
        energy,
        commands,
        passwords,
        cost_profiles,
        tariffs,
        payments,
        locations,
        overview,
        firmware_campaigns,
        firmware_images,
        diagnostics,
        site_electrical,
        site_load_history,
        grid,
    ),
)


class OperatorApi(HttpApp):
    def __init__(self, services: Services) -> None:
        dev_token = services.settings.operator_dev_token

        def authenticate(event: dict[str, Any]) -> str:
            return require_operator(event, dev_token)

        super().__init__(services, OPERATOR_APP, authenticate)
