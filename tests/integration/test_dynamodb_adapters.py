import time
from datetime import UTC, datetime

import pytest

from shared.adapters.dynamodb.chargers import DynamoChargerRepository
from shared.adapters.dynamodb.connections import DynamoConnectionRepository
from shared.adapters.dynamodb.connectors import DynamoConnectorRepository
from shared.models.charger import BootInfo, ChargerRecord
from shared.models.connection import ConnectionRecord, ConnectorStatus

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def chargers(aws_env, dynamodb):
    return DynamoChargerRepository(dynamodb, aws_env.chargers_table)


def test_create_is_conditional_and_get_round_trips(chargers):
    record = ChargerRecord(
        "CP1",
        registration_status="Pending",
        password_hash="scrypt$1",
        auto_registered=True,
        created_at="2026-05-01T08:00:00.000Z",
    )
    assert chargers.create(record)
    assert not chargers.create(ChargerRecord("CP1"))
    assert chargers.get("CP1") == record
    assert chargers.get("NOPE") is None


def test_boot_replaces_the_self_description(chargers):
    chargers.create(ChargerRecord("CP1"))
    chargers.record_boot(
        "CP1", BootInfo("Acme", "X", firmware_version="1.0", iccid="99"), "ocpp1.6", T0
    )
    updated = chargers.record_boot(
        "CP1", BootInfo("Acme", "X", firmware_version="2.0"), "ocpp2.0.1", T0
    )
    assert (updated.firmware_version, updated.iccid, updated.protocol) == ("2.0", None, "ocpp2.0.1")
    assert updated.last_boot_at == "2026-05-01T08:00:00.000Z"
    assert chargers.record_boot("GHOST", BootInfo("A", "B"), "ocpp1.6", T0) is None
    assert chargers.get("GHOST") is None  # boot never creates a charger


def test_newest_connection_wins_and_stale_detach_is_refused(chargers):
    chargers.create(ChargerRecord("CP1"))
    assert chargers.attach_connection("CP1", "old=", "ocpp1.6", 1000)
    assert chargers.attach_connection("CP1", "new=", "ocpp1.6", 2000)
    assert not chargers.attach_connection("CP1", "older=", "ocpp1.6", 500)
    assert not chargers.detach_connection("CP1", "old=", T0)
    assert chargers.get("CP1").connection_id == "new="
    assert chargers.detach_connection("CP1", "new=", T0)
    record = chargers.get("CP1")
    assert (record.online, record.disconnected_at) == (False, "2026-05-01T08:00:00.000Z")
    assert not chargers.attach_connection("GHOST", "c=", "ocpp1.6", 1)


def test_connection_records_expire_on_read(aws_env, dynamodb):
    connections = DynamoConnectionRepository(dynamodb, aws_env.connections_table)
    now = int(time.time())
    live = ConnectionRecord("c1=", "CP1", "ocpp1.6", "lenient", "t", now * 1000, now + 60)
    expired = ConnectionRecord("c2=", "CP1", "ocpp1.6", "strict", "t", now * 1000, now - 1)
    connections.put(live)
    connections.put(expired)
    assert connections.get("c1=") == live
    assert connections.get("c2=") is None  # moto never deletes by TTL; AWS deletes late
    connections.delete("c1=")
    assert connections.get("c1=") is None


def status(value, at_ms, error="NoError", connector=1, evse=None):
    return ConnectorStatus(
        "CP1",
        connector,
        value,
        "2026-05-01T08:00:00.000Z",
        at_ms,
        evse_id=evse,
        error_code=error,
        info=None,
    )


def test_status_is_ordered_by_receipt_and_returns_the_previous_one(aws_env, dynamodb):
    connectors = DynamoConnectorRepository(dynamodb, aws_env.connectors_table)
    first = connectors.apply_status(status("Available", 100))
    assert (first.applied, first.previous_status) == (True, None)
    second = connectors.apply_status(status("Charging", 200))
    assert (second.applied, second.previous_status, second.previous_error_code) == (
        True,
        "Available",
        "NoError",
    )
    assert not connectors.apply_status(status("Available", 150)).applied
    connectors.apply_status(status("Occupied", 100, error=None, connector=1, evse=2))
    listed = {s.connector_key: s.status for s in connectors.list_for("CP1")}
    assert listed == {"1": "Charging", "2/1": "Occupied"}
