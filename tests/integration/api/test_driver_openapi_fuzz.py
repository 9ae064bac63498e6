"""OpenAPI-driven fuzzing of the driver API, as a signed-in driver: schemathesis generates
requests for every documented operation from the API's own document. No generated input may
produce a 5xx, and nothing a driver sends may touch another driver's records."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.checks import not_a_server_error

from shared.drivers.sessions import session_id
from shared.models.transaction import IdTagRecord, TransactionRecord
from tests.integration.api.fuzzing import FUZZ_SETTINGS
from tests.unit.api.driver_client import driver_claims, drivers
from tests.unit.api.world import World, make_world
from tests.unit.api.wsgi_shim import WsgiShim

OTHERS_CARD = IdTagRecord("0BB0B0B0", "Accepted", owner_id="bob-sub", token_type="ISO14443")
OTHERS_SESSION = TransactionRecord(
    charge_point_id="CP-1", transaction_id="5", status="active", protocol="ocpp1.6",
    connector_id=1, id_tag=OTHERS_CARD.id_tag, started_at="2030-01-01T11:00:00Z",
    started_at_ms=1893495600000, meter_start_wh=0,
)  # fmt: skip


def _seeded_world() -> World:
    world = make_world()
    world.online_charger("CP-1")
    world.deps.id_tags.put(OTHERS_CARD)
    world.deps.transactions.create(OTHERS_SESSION)
    return world


WORLD = _seeded_world()


def _schema() -> Any:
    (alice,) = drivers(WORLD.services, "alice-sub")
    document = alice.get("/driver/openapi.json", claims=None).body
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                # Another driver's ids, so that generated requests try them too.
                if parameter["name"] == "sessionId":
                    parameter["example"] = session_id(OTHERS_SESSION)
                if parameter["name"] == "uid":
                    parameter["example"] = OTHERS_CARD.id_tag
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = WsgiShim(alice.api, claims=driver_claims("alice-sub"))
    return loaded


schema = _schema()


@schema.parametrize()  # type: ignore[untyped-decorator]
@FUZZ_SETTINGS
def test_no_generated_request_gets_a_server_error_or_reaches_another_driver(case: Any) -> None:
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    assert WORLD.deps.id_tags.get(OTHERS_CARD.id_tag) == OTHERS_CARD
    assert WORLD.deps.transactions.get("CP-1", "5") == OTHERS_SESSION
    assert WORLD.sent_calls() == []
