"""The outbox over the in-memory adapters (the local platform's memory store): the same
behaviour as over DynamoDB (tests/faults/test_outbox_relay.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from shared.bootstrap import build_router
from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord
from shared.ocpp.router import MessageContext
from shared.ocpp.versions import OcppVersion
from shared.ports import relay_outbox
from tests.fakes import memory_deps, memory_services

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
START = {"connectorId": 1, "idTag": "GOOD", "meterStart": 0, "timestamp": "2026-03-01T12:00:00Z"}


def test_every_outbox_source_is_relayed_once_after_the_bus_comes_back():
    deps = memory_deps()
    deps.chargers.create(ChargerRecord("CP1"))
    deps.id_tags.put(IdTagRecord("GOOD", "Accepted"))
    services = memory_services(deps)
    router = build_router(services)

    def send(action: str, payload: dict[str, object], seconds: int) -> list[object]:
        ctx = MessageContext("CP1", "c1", OcppVersion.V16, T0 + timedelta(seconds=seconds))
        answer = router.handle(ctx, json.dumps([2, f"m{seconds}", action, payload]))
        assert answer is not None
        frame: list[object] = json.loads(answer)
        return frame

    deps.publisher.fail = True
    assert send("StartTransaction", START, 1)[0] == 3
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Charging"}
    assert send("StatusNotification", status, 2)[0] == 3
    deps.publisher.fail = False
    assert deps.publisher.events == []

    young = relay_outbox(services.outbox_sources(), datetime.now(UTC))
    assert young == {"sessions": 0, "commands": 0, "connectors": 0, "chargers": 0}
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert relay_outbox(services.outbox_sources(), later) == {
        "sessions": 1,
        "commands": 0,
        "connectors": 1,
        "chargers": 0,
    }
    assert [e.detail_type for e in deps.publisher.events] == [
        "TransactionStarted",
        "ConnectorStatusChanged",
    ]
    assert relay_outbox(services.outbox_sources(), later) == {
        "sessions": 0,
        "commands": 0,
        "connectors": 0,
        "chargers": 0,
    }
    assert len(deps.publisher.events) == 2
