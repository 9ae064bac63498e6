import socket

import aiohttp
import pytest

from simulator import ConnectionFailed, SimulatedCharger
from simulator.connect_errors import describe_connect_failure
from tests.unit.simulator.scripted_csms import async_test


@async_test
async def test_a_refused_local_connect_says_so_and_points_at_make_run():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port any more.
    charger = SimulatedCharger(f"ws://127.0.0.1:{port}/ocpp", "CP-1")
    with pytest.raises(ConnectionFailed) as caught:
        await charger.connect()
    await charger.close()
    assert str(caught.value) == (
        f"cannot connect to ws://127.0.0.1:{port}/ocpp/CP-1: connection refused"
        " — is the platform running? (`make run`)"
    )


def test_connect_failures_are_worded_for_websockets_not_http():
    timeout = describe_connect_failure("wss://csms.example/ocpp/CP-1", TimeoutError(), 5)
    assert timeout == (
        "cannot connect to wss://csms.example/ocpp/CP-1: no answer to the handshake within 5 s"
        " — check --url (and that the endpoint is deployed)"
    )
    other = describe_connect_failure("ws://localhost:1/ocpp/CP-1", aiohttp.ClientError("x"), 5)
    assert (
        other
        == "cannot connect to ws://localhost:1/ocpp/CP-1: x — is the platform running? (`make run`)"
    )
