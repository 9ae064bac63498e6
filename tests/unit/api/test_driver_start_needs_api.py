"""A start with the driver's charging needs (departure time and energy, ADR 0054): checked,
stored with the start request, shown back; refused before anything is held or sent."""

from __future__ import annotations

import pytest

from shared.load_management.session_schedules import driver_needs
from tests.unit.api.test_auth_and_errors import assert_error
from tests.unit.api.test_driver_locations_api import alice, services  # noqa: F401 - fixtures

BODY = {"chargePointId": "CP-1", "connectorId": 1}


def test_needs_are_stored_with_the_start_and_shown(services, alice) -> None:  # noqa: F811
    body = {**BODY, "departureTime": "2030-01-02T07:00:00+01:00", "energyWh": 24_000}
    reply = alice.post("/driver/sessions", body)
    assert reply.status == 202, reply.body
    assert reply.body["departureTime"] == "2030-01-02T06:00:00.000Z"
    assert reply.body["energyWh"] == 24_000
    (stored,) = services.deps.start_requests.by_charger("CP-1", 0)
    assert (stored.departure_at_ms, stored.energy_needed_wh) == (1_893_564_000_000, 24_000)
    needs = driver_needs(stored)
    assert needs is not None and needs.energy_wh == 24_000
    shown = alice.get(reply.headers["Location"])
    assert (shown.body["departureTime"], shown.body["energyWh"]) == (
        "2030-01-02T06:00:00.000Z",
        24_000,
    )


def test_a_start_without_needs_stores_none(services, alice) -> None:  # noqa: F811
    reply = alice.post("/driver/sessions", BODY)
    assert reply.status == 202, reply.body
    assert (reply.body["departureTime"], reply.body["energyWh"]) == (None, None)
    (stored,) = services.deps.start_requests.by_charger("CP-1", 0)
    assert driver_needs(stored) is None


@pytest.mark.parametrize(
    ("needs", "code", "message"),
    [
        ({"departureTime": "2030-01-02T07:00:00Z"}, "ValidationError", "together"),
        ({"energyWh": 1000}, "ValidationError", "together"),
        ({"departureTime": "2030-01-02T07:00:00Z", "energyWh": 0}, "ValidationError", ""),
        ({"departureTime": "2030-01-02T07:00:00Z", "energyWh": 200_001}, "ValidationError", ""),
        ({"departureTime": "tomorrow", "energyWh": 1000}, "ValidationError", ""),
        # the service's clock is 2030-01-01T12:00Z
        (
            {"departureTime": "2030-01-01T11:59:00Z", "energyWh": 1000},
            "InvalidRequest",
            "departureTime must be in the future",
        ),
        (
            {"departureTime": "2030-01-03T12:01:00Z", "energyWh": 1000},
            "InvalidRequest",
            "departureTime must be within 48 hours",
        ),
        (
            {"departureTime": "2030-01-02T07:00:00", "energyWh": 1000},
            "InvalidRequest",
            "departureTime needs a time zone",
        ),
    ],
)
def test_needs_that_cannot_be_are_400_and_nothing_starts(
    services,  # noqa: F811
    alice,  # noqa: F811
    needs,
    code,
    message,
) -> None:
    reply = alice.post("/driver/sessions", {**BODY, **needs})
    assert_error(reply, 400, code)
    assert message in str(reply.body)
    assert services.deps.sender.sent == []
    assert services.deps.start_requests.by_charger("CP-1", 0) == []
