"""Refusing chargers at the WebSocket handshake: unknown ids and wrong passwords."""

from __future__ import annotations

import pytest

from shared.access.passwords import hash_password
from shared.adapters.dynamodb.chargers import DynamoChargerRepository
from shared.models.charger import ChargerRecord
from simulator import SimulatedCharger
from simulator.errors import ConnectionRefused
from tests.e2e.conftest import moto_client, run, start_platform

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-charger-secret"


@pytest.fixture(scope="module")
def strict_platform():
    with start_platform(unknown_chargers="reject") as platform:
        chargers = DynamoChargerRepository(
            moto_client(platform, "dynamodb"), platform.environment["CHARGERS_TABLE"]
        )
        chargers.create(ChargerRecord("KNOWN-1"))
        chargers.create(ChargerRecord("LOCKED-1", password_hash=hash_password(PASSWORD)))
        yield platform


async def connect_status(platform, cp_id, password=None):
    try:
        async with SimulatedCharger(platform.ws_url, cp_id, password=password) as cp:
            return (await cp.boot())["status"]
    except ConnectionRefused as refused:
        return refused.status


def test_unknown_charger_is_refused_when_auto_registration_is_off(strict_platform):
    assert run(connect_status(strict_platform, "STRANGER-1")) == 403
    assert run(connect_status(strict_platform, "KNOWN-1")) == "Accepted"


def test_password_is_required_and_checked(strict_platform):
    assert run(connect_status(strict_platform, "LOCKED-1")) == 401
    assert run(connect_status(strict_platform, "LOCKED-1", "the-wrong-password")) == 401
    assert run(connect_status(strict_platform, "LOCKED-1", PASSWORD)) == "Accepted"
