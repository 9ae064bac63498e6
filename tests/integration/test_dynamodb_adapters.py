import dataclasses
import time
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from shared.adapters.dynamodb.chargers import DynamoChargerRepository
from shared.adapters.dynamodb.connections import DynamoConnectionRepository
from shared.adapters.dynamodb.connectors import DynamoConnectorRepository
from shared.adapters.dynamodb.energy import DynamoEnergyLedger
from shared.adapters.dynamodb.transactions import DynamoTransactionRepository
from shared.models.charger import BootInfo, ChargerRecord
from shared.models.connection import ConnectionRecord, ConnectorStatus
from shared.models.transaction import TransactionRecord
from shared.ports import ChargerChanges
from tests.fault_injection import Fault, injected

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


def test_a_verifier_is_stored_only_over_its_own_hash_and_goes_with_a_new_password(chargers):
    chargers.create(ChargerRecord("CP1", password_hash="scrypt$1"))
    assert not chargers.store_auth_verifier("CP1", "scrypt$0", "hmac-sha256$old")
    assert chargers.get("CP1").auth_verifier is None
    assert not chargers.store_auth_verifier("GHOST", "scrypt$1", "hmac-sha256$x")
    assert chargers.get("GHOST") is None  # never creates a charger
    assert chargers.store_auth_verifier("CP1", "scrypt$1", "hmac-sha256$v")
    assert chargers.get("CP1").auth_verifier == "hmac-sha256$v"
    changed = chargers.update("CP1", ChargerChanges(password_hash="scrypt$2"))
    assert (changed.password_hash, changed.auth_verifier) == ("scrypt$2", None)
    assert chargers.store_auth_verifier("CP1", "scrypt$2", "hmac-sha256$w")
    cleared = chargers.update("CP1", ChargerChanges(clear_password=True))
    assert (cleared.password_hash, cleared.auth_verifier) == (None, None)


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


def test_the_applied_cost_profile_is_recorded_on_known_chargers_only(chargers):
    chargers.create(ChargerRecord("CP1", local_list_version=3))
    chargers.record_cost_profile("CP1", "lean", "2026-05-01T08:00:00.000Z")
    record = chargers.get("CP1")
    assert (record.cost_profile, record.cost_profile_applied_at, record.local_list_version) == (
        "lean",
        "2026-05-01T08:00:00.000Z",
        3,
    )
    chargers.record_cost_profile("GHOST", "lean", "2026-05-01T08:00:00.000Z")
    assert chargers.get("GHOST") is None


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


def _outbox_entries(dynamodb, table: str) -> list[str]:
    items = dynamodb.scan(TableName=table, IndexName="Outbox")["Items"]
    return sorted(item["chargePointId"]["S"] for item in items)


def test_a_disconnect_waits_in_the_outbox_index_until_a_reconnect_or_its_publish(
    chargers, aws_env, dynamodb
):
    chargers.create(ChargerRecord("CP1"))
    chargers.create(ChargerRecord("CP2"))
    for cp in ("CP1", "CP2"):
        chargers.attach_connection(cp, f"{cp}-a=", "ocpp1.6", 1000)
        assert chargers.detach_connection(cp, f"{cp}-a=", T0, "Going away")
    assert _outbox_entries(dynamodb, aws_env.chargers_table) == ["CP1", "CP2"]
    t0_ms = int(T0.timestamp() * 1000)
    assert chargers.disconnects_waiting(t0_ms) == []  # not older than T0
    waiting = chargers.disconnects_waiting(t0_ms + 1)
    assert {(p.charge_point_id, p.connection_id, p.at_ms, p.reason) for p in waiting} == {
        ("CP1", "CP1-a=", t0_ms, "Going away"),
        ("CP2", "CP2-a=", t0_ms, "Going away"),
    }
    # CP1 reconnects: the same write takes its disconnect out and hands it back.
    attachment = chargers.attach_connection("CP1", "CP1-b=", "ocpp1.6", t0_ms + 5_000)
    assert attachment.pending_disconnect is not None
    assert attachment.pending_disconnect.connection_id == "CP1-a="
    assert chargers.get("CP1").unpublished == frozenset()
    # CP2's is published: cleared, out of the index.
    (cp2,) = chargers.disconnects_waiting(t0_ms + 1)
    chargers.disconnect_published(cp2)
    assert _outbox_entries(dynamodb, aws_env.chargers_table) == []
    assert chargers.get("CP2").unpublished == frozenset()
    assert chargers.get("CP2").disconnect_reason == "Going away"


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


CHANGED = frozenset({"ConnectorStatusChanged"})


def test_status_is_ordered_by_receipt_and_a_change_is_marked_with_its_previous_status(
    aws_env, dynamodb
):
    connectors = DynamoConnectorRepository(dynamodb, aws_env.connectors_table)
    first = connectors.apply_status(status("Available", 100), CHANGED)
    assert first.applied and first.stored is not None
    assert (first.stored.previous_status, first.stored.unpublished) == (None, CHANGED)
    connectors.mark_published("CP1", "1", "ConnectorStatusChanged", 100)
    second = connectors.apply_status(status("Charging", 200, error="OtherError"), CHANGED)
    assert second.stored is not None
    assert (second.stored.previous_status, second.stored.error_code) == ("Available", "OtherError")
    assert second.stored.unpublished == CHANGED
    assert not connectors.apply_status(status("Available", 150), CHANGED).applied
    connectors.apply_status(status("Occupied", 100, error=None, connector=1, evse=2), CHANGED)
    listed = {s.connector_key: s.status for s in connectors.list_for("CP1")}
    assert listed == {"1": "Charging", "2/1": "Occupied"}


def test_a_repeated_status_writes_nothing_and_shows_a_pending_marker(aws_env, dynamodb):
    connectors = DynamoConnectorRepository(dynamodb, aws_env.connectors_table)
    connectors.apply_status(status("Available", 100), CHANGED)
    repeat = connectors.apply_status(
        dataclasses.replace(status("Available", 300), timestamp="2026-05-01T10:00:00.000Z"),
        CHANGED,
    )
    assert repeat.stored is not None
    # Still waiting for the change's event: the repeat's caller publishes it.
    assert repeat.stored.unpublished == CHANGED
    # The status's own report stays: its timestamp says since when, its event keeps its id.
    assert (repeat.stored.timestamp, repeat.stored.received_at_ms) == (
        "2026-05-01T08:00:00.000Z",
        100,
    )
    connectors.mark_published("CP1", "1", "ConnectorStatusChanged", 50)  # an older report's
    assert connectors.list_for("CP1")[0].unpublished == CHANGED
    connectors.mark_published("CP1", "1", "ConnectorStatusChanged", 100)
    assert connectors.list_for("CP1")[0].unpublished == frozenset()
    again = connectors.apply_status(status("Available", 400), CHANGED)
    assert again.stored is not None and again.stored.unpublished == frozenset()


def test_a_charging_state_is_kept_beside_the_status_and_the_latest_moment_wins(aws_env, dynamodb):
    connectors = DynamoConnectorRepository(dynamodb, aws_env.connectors_table)
    # A state may arrive before the connector's first status: the item holds it alone.
    assert connectors.record_charging_state("CP1", "1/1", "Charging", 200)
    assert connectors.list_for("CP1") == []
    connectors.apply_status(status("Occupied", 100, error=None, evse=1), CHANGED)
    (stored,) = connectors.list_for("CP1")
    assert (stored.status, stored.charging_state) == ("Occupied", "Charging")
    # An older state changes nothing; a resend of the stored one is harmless.
    assert not connectors.record_charging_state("CP1", "1/1", "SuspendedEV", 150)
    assert connectors.record_charging_state("CP1", "1/1", "Charging", 200)
    # A new status leaves the charging state as it is; the overview's Scan reads it too.
    connectors.apply_status(status("Occupied", 300, error="NoError", evse=1), CHANGED)
    assert connectors.list_all()[0].charging_state == "Charging"
    assert connectors.record_charging_state("CP1", "1/1", None, 400)
    (cleared,) = connectors.list_for("CP1")
    assert (cleared.status, cleared.charging_state) == ("Occupied", None)


def _ledger_with_a_session(aws_env, dynamodb) -> DynamoEnergyLedger:
    DynamoTransactionRepository(
        dynamodb, aws_env.transactions_table, aws_env.connectors_table
    ).create(TransactionRecord("CP1", "T1", status="completed"))
    return DynamoEnergyLedger(dynamodb, aws_env.transactions_table, aws_env.energy_daily_table)


def test_only_a_failed_condition_means_already_done(aws_env, dynamodb) -> None:
    ledger = _ledger_with_a_session(aws_env, dynamodb)
    assert ledger.add_session_once("CP1", "T1", "2030-01-01", 10) is True
    # The real second attempt fails on the session's marker: that is "already done".
    assert ledger.add_session_once("CP1", "T1", "2030-01-01", 10) is False
    assert ledger.days("CP1", "2030-01-01", "2030-01-01")[0].energy_wh == 10


@pytest.mark.parametrize(
    "reasons",
    [
        [{"Code": "TransactionConflict"}, {"Code": "None"}],
        [{"Code": "None"}, {"Code": "ThrottlingError"}],
        [{"Code": "ConditionalCheckFailed"}, {"Code": "TransactionConflict"}],
        [],
    ],
)
def test_a_transaction_cancelled_for_another_reason_raises_and_is_retried(
    aws_env, dynamodb, reasons
) -> None:
    ledger = _ledger_with_a_session(aws_env, dynamodb)
    fault = Fault(
        "TransactWriteItems",
        code="TransactionCanceledException",
        response={"CancellationReasons": reasons},
    )
    with injected(dynamodb, fault), pytest.raises(ClientError):
        ledger.add_session_once("CP1", "T1", "2030-01-01", 10)
    # Nothing was counted, and the redelivered event adds the energy once.
    assert ledger.days("CP1", "2030-01-01", "2030-01-01") == []
    assert ledger.add_session_once("CP1", "T1", "2030-01-01", 10) is True
    assert ledger.days("CP1", "2030-01-01", "2030-01-01")[0].sessions == 1


def test_a_cancellation_on_conditions_alone_is_already_done(aws_env, dynamodb) -> None:
    ledger = _ledger_with_a_session(aws_env, dynamodb)
    reasons = [{"Code": "ConditionalCheckFailed"}, {"Code": "None"}]
    fault = Fault(
        "TransactWriteItems",
        code="TransactionCanceledException",
        response={"CancellationReasons": reasons},
    )
    with injected(dynamodb, fault):
        assert ledger.add_session_once("CP1", "T1", "2030-01-01", 10) is False


def test_throttling_of_a_single_conditional_write_raises(aws_env, dynamodb) -> None:
    chargers = DynamoChargerRepository(dynamodb, aws_env.chargers_table)
    with injected(dynamodb, Fault("PutItem")), pytest.raises(ClientError):
        chargers.create(ChargerRecord("CP-T"))
    assert chargers.create(ChargerRecord("CP-T")) is True
