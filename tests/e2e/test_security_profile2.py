"""Security profile 2 end to end: wss:// with a local CA's certificate and HTTP Basic auth,
and A01, the CSMS rotating a station's password (docs/adr/0043-security-profiles.md)."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import pytest

from csms_cli.client import ApiError, Client
from shared.access.passwords import hash_password
from shared.adapters.dynamodb.chargers import DynamoChargerRepository
from shared.models.charger import ChargerRecord
from simulator import SimulatedCharger
from simulator.errors import ConnectionFailed, ConnectionRefused
from simulator.handlers import default_handlers
from tests.e2e.conftest import moto_client, run, start_platform

pytestmark = pytest.mark.e2e

V201 = "ocpp2.0.1"
OLD = "station-Secret-0123456789"


@pytest.fixture(scope="module")
def platform():
    with start_platform(unknown_chargers="reject", tls=True, tls_port=0) as platform:
        chargers = DynamoChargerRepository(
            moto_client(platform, "dynamodb"), platform.environment["CHARGERS_TABLE"]
        )
        for cp_id in ("SP2-1", "SP2-2"):
            chargers.create(ChargerRecord(cp_id, password_hash=hash_password(OLD)))
        yield platform


def station(platform: Any, cp_id: str, password: str | None, **kwargs: Any) -> SimulatedCharger:
    return SimulatedCharger(
        platform.wss_url,
        cp_id,
        protocol=V201,
        password=password,
        ssl_context=platform.tls.client_context(),
        **kwargs,
    )


async def connect_status(platform: Any, cp_id: str, password: str | None) -> Any:
    cp = station(platform, cp_id, password)
    try:
        await cp.connect()
        return (await cp.boot())["status"]
    except ConnectionRefused as refused:
        return refused.status
    finally:
        await cp.close()  # also the session of a refused handshake


def test_the_wss_endpoint_is_served_with_the_local_ca_and_basic_auth(platform):
    assert platform.wss_url.startswith("wss://localhost:")
    assert run(connect_status(platform, "SP2-1", OLD)) == "Accepted"
    # Profile 2's password check happens at the TLS handshake's HTTP upgrade: 401.
    assert run(connect_status(platform, "SP2-1", "a-wrong-Password-000")) == 401
    assert run(connect_status(platform, "SP2-1", None)) == 401


def test_a_client_that_does_not_trust_the_ca_cannot_connect(platform):
    async def untrusting() -> None:
        cp = SimulatedCharger(
            platform.wss_url,
            "SP2-1",
            protocol=V201,
            password=OLD,
            ssl_context=ssl.create_default_context(),
            response_timeout_s=5,
        )
        try:
            await cp.connect()
        finally:
            await cp.close()

    with pytest.raises(ConnectionFailed):
        run(untrusting())


def test_A01_the_operator_rotates_the_station_password_over_wss(platform):
    operator = Client(platform.http_url, "dev-operator-token", timeout_s=30)
    taken: dict[str, str] = {}
    handlers = default_handlers()

    # The station of A01: it takes a new BasicAuthPassword and answers Accepted (A01.FR.01),
    # then reconnects with it.
    async def set_variables(cp: Any, payload: dict[str, Any]) -> dict[str, Any]:
        results = []
        for item in payload["setVariableData"]:
            if (item["component"]["name"], item["variable"]["name"]) == (
                "SecurityCtrlr",
                "BasicAuthPassword",
            ):
                taken["password"] = item["attributeValue"]
            results.append(
                {
                    "attributeStatus": "Accepted",
                    "component": item["component"],
                    "variable": item["variable"],
                }
            )
        return {"setVariableResult": results}

    handlers.register("SetVariables", set_variables, V201)

    async def scenario() -> dict[str, Any]:
        async with station(platform, "SP2-2", OLD, handlers=handlers) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            rotated: dict[str, Any] = await asyncio.to_thread(
                operator.request, "POST", "/chargers/SP2-2/password/rotate"
            )
        new = taken["password"]
        # The operator never sees the password, not even in the command history.
        assert new not in repr(rotated)
        history = await asyncio.to_thread(operator.get, "/chargers/SP2-2/commands")
        assert new not in repr(history)
        # The station reconnects with its new password and is admitted.
        async with station(platform, "SP2-2", new) as cp:
            assert (await cp.boot())["status"] == "Accepted"
        return rotated

    rotated = run(scenario(), timeout=60)
    assert rotated["passwordChanged"] is True
    assert rotated["command"]["status"] == "answered"
    assert rotated["command"]["request"]["setVariableData"][0]["attributeValue"] == "[redacted]"
    # The first connect with the new password ended the old one's grace: it is refused now.
    assert run(connect_status(platform, "SP2-2", OLD)) == 401
    assert run(connect_status(platform, "SP2-2", taken["password"])) == "Accepted"
    state = operator.get("/chargers/SP2-2/password")
    assert state["previousPasswordValidUntil"] is None and state["rotationCommandId"] is None


def test_A01_a_rejected_rotation_keeps_the_old_password(platform):
    operator = Client(platform.http_url, "dev-operator-token", timeout_s=30)

    async def scenario() -> dict[str, Any]:
        # The default simulated station knows no BasicAuthPassword: it rejects the change.
        async with station(platform, "SP2-1", OLD) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            answer: dict[str, Any] = await asyncio.to_thread(
                operator.request, "POST", "/chargers/SP2-1/password/rotate"
            )
            # Nor can the generic command API set the password behind the CSMS's back.
            payload = {
                "setVariableData": [
                    {
                        "component": {"name": "SecurityCtrlr"},
                        "variable": {"name": "BasicAuthPassword"},
                        "attributeValue": "x" * 32,
                    }
                ]
            }
            with pytest.raises(ApiError) as refused:
                await asyncio.to_thread(
                    operator.request, "POST", "/chargers/SP2-1/commands/SetVariables", None, payload
                )
            assert (refused.value.status, refused.value.code) == (400, "PasswordNotSettable")
            return answer

    rotated = run(scenario(), timeout=60)
    assert rotated["passwordChanged"] is False
    assert run(connect_status(platform, "SP2-1", OLD)) == "Accepted"
