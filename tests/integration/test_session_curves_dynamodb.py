"""Session curves and the network's energy against DynamoDB (moto): the live-energy write
appends the point, the rollup's transaction adds the network's day and hour."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.adapters.dynamodb import transactions as transactions_module
from shared.adapters.dynamodb.energy import DynamoEnergyLedger
from shared.adapters.dynamodb.transactions import DynamoTransactionRepository
from shared.adapters.memory.publishing import MemoryEventPublisher
from shared.models.telemetry import TelemetryRecord
from shared.models.transaction import TransactionRecord
from shared.ports import EnergyDay, EnergyPeriod, SessionFilter
from shared.telemetry.energy_rollup import EnergyRollup
from shared.telemetry.session_curve import curve_points
from shared.telemetry.session_progress import SessionProgress

START = "2026-06-01T10:00:00.000Z"
START_EPOCH = int(datetime(2026, 6, 1, 10, tzinfo=UTC).timestamp())


def at(minute: int) -> str:
    return f"2026-06-01T10:{minute:02d}:00.000Z"


@pytest.fixture
def sessions(aws_env, dynamodb) -> DynamoTransactionRepository:
    repo = DynamoTransactionRepository(
        dynamodb, aws_env.transactions_table, aws_env.connectors_table
    )
    repo.create(TransactionRecord("CP1", "1", "active", meter_start_wh=1000, started_at=START))
    return repo


@pytest.fixture
def ledger(aws_env, dynamodb) -> DynamoEnergyLedger:
    return DynamoEnergyLedger(dynamodb, aws_env.transactions_table, aws_env.energy_daily_table)


def test_the_live_energy_write_appends_newer_points_only(sessions) -> None:
    assert sessions.record_meter_progress("CP1", "1", 1500, at(5), (300, 500)) is not None
    assert sessions.record_meter_progress("CP1", "1", 1500, at(5), (300, 500)) is None  # replay
    assert sessions.record_meter_progress("CP1", "1", 1200, at(2), (120, 200)) is None  # older
    updated = sessions.record_meter_progress("CP1", "1", 2000, at(10), (600, 1000))
    assert updated is not None and updated.last_meter_wh == 2000
    stored = sessions.curve("CP1", "1")
    assert stored is not None
    assert stored.points == ((300, 500), (600, 1000))
    assert stored.session.last_meter_at == at(10)
    # The session still reads as before, alone and in listings (the curve is no field of it).
    assert sessions.get("CP1", "1").meter_start_wh == 1000
    listed = sessions.by_charger("CP1", SessionFilter(), 10, None).items
    assert [s.transaction_id for s in listed] == ["1"]
    assert sessions.record_meter_progress("CP1", "unknown", 1, at(5), (1, 1)) is None
    assert sessions.curve("CP1", "unknown") is None


def test_a_full_curve_keeps_its_points_and_the_live_energy_moves_on(sessions, monkeypatch) -> None:
    monkeypatch.setattr(transactions_module, "MAX_CURVE_POINTS", 2)
    for minute in (1, 2, 3, 4):
        written = sessions.record_meter_progress("CP1", "1", 1000 + minute, at(minute), (minute, 1))
        assert written is not None and written.last_meter_wh == 1000 + minute
    # Past the cap, a replay or an older reading is still refused.
    assert sessions.record_meter_progress("CP1", "1", 1, at(3), (3, 1)) is None
    stored = sessions.curve("CP1", "1")
    assert stored.points == ((1, 1), (2, 1))
    assert stored.session.last_meter_wh == 1004


def test_the_consumer_curve_through_dynamodb(sessions) -> None:
    progress = SessionProgress(sessions, MemoryEventPublisher(), publish=False)

    def reading(wh: int, minute: int) -> TelemetryRecord:
        sample = {
            "timestamp": at(minute),
            "sampledValue": [{"value": str(wh), "measurand": "Energy.Active.Import.Register"}],
        }
        return TelemetryRecord(
            "CP1", "ocpp1.6", "MeterValues", at(minute), [sample], 1, transaction_id="1"
        )

    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for n, (wh, minute) in enumerate(((1500, 5), (2000, 10), (2000, 10), (2600, 15))):
        assert progress.apply([(f"s{n}", reading(wh, minute))], now) == []
    stored = sessions.curve("CP1", "1")
    assert stored.points == ((START_EPOCH + 300, 1500), (600, 1000), (900, 1600))
    shown = [(p.at, p.energy_wh, p.power_w) for p in curve_points(stored.session, stored.points)]
    assert shown == [
        (START, 0, None),
        (at(5), 500, 6000),
        (at(10), 1000, 6000),
        (at(15), 1600, 7200),
    ]


def test_the_rollup_adds_the_network_day_and_hour_once(sessions, ledger) -> None:
    sessions.create(TransactionRecord("CP2", "9", "completed"))
    rollup = EnergyRollup(ledger)
    first = {"transactionId": "1", "energyWh": 1000, "stoppedAt": "2026-06-01T23:59:59.999Z"}
    second = {"transactionId": "9", "energyWh": 250, "stoppedAt": "2026-06-02T00:00:00.000Z"}
    assert rollup.on_transaction_stopped("CP1", first)
    assert rollup.on_transaction_stopped("CP2", second)
    assert not rollup.on_transaction_stopped("CP2", second)  # redelivered
    assert ledger.network("day", "2026-06-01", "2026-06-30") == [
        EnergyPeriod("2026-06-01", 1000, 1),
        EnergyPeriod("2026-06-02", 250, 1),
    ]
    assert ledger.network("hour", "2026-06-01T00:00:00Z", "2026-06-01T23:00:00Z") == [
        EnergyPeriod("2026-06-01T23:00:00Z", 1000, 1)
    ]
    assert ledger.network("hour", "2026-06-02T00:00:00Z", "2026-06-02T23:00:00Z") == [
        EnergyPeriod("2026-06-02T00:00:00Z", 250, 1)
    ]
    # The chargers' own days hold their sessions alone.
    assert ledger.days("CP1", "2026-06-01", "2026-06-30") == [EnergyDay("2026-06-01", 1000, 1)]
    assert ledger.days("CP2", "2026-06-01", "2026-06-30") == [EnergyDay("2026-06-02", 250, 1)]


def test_a_week_of_hours_reads_back_in_order(sessions, ledger) -> None:
    for n in range(30):
        tx = f"T{n}"
        sessions.create(TransactionRecord("CP1", tx, "completed"))
        day, hour = divmod(n * 5, 24)
        stopped = f"2026-06-{day + 1:02d}T{hour:02d}:30:00.000Z"
        ledger.add_session_once("CP1", tx, stopped[:10], 10, hour=f"{stopped[:13]}:00:00Z")
    hours = ledger.network("hour", "2026-06-01T00:00:00Z", "2026-06-07T23:00:00Z")
    assert len(hours) == 30
    assert [h.period for h in hours] == sorted(h.period for h in hours)
    assert sum(d.energy_wh for d in ledger.network("day", "2026-06-01", "2026-06-07")) == 300
