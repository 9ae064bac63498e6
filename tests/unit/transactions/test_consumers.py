from datetime import UTC, datetime

from shared.adapters.memory.sessions import MemoryEnergyLedger
from shared.models.telemetry import TelemetryRecord
from shared.telemetry.energy_rollup import EnergyRollup
from shared.telemetry.session_progress import SessionProgress
from tests.fakes import make_settings, memory_deps, memory_services
from tests.unit.transactions.helpers import Station, energy_sample_v16, make_deps, ts

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def record(tx, wh, minute, cp="CP1"):
    return TelemetryRecord(
        cp,
        "ocpp1.6",
        "MeterValues",
        ts(minute),
        [energy_sample_v16(wh, minute)],
        connector_id=1,
        transaction_id=tx,
    )


def started_session(deps, connector=1):
    station = Station(deps)
    return str(
        station.call(
            "StartTransaction",
            {"connectorId": connector, "idTag": "GOOD", "meterStart": 1000, "timestamp": ts(0)},
        )["transactionId"]
    )


def test_one_write_per_session_per_batch_newest_reading_wins():
    deps = make_deps()
    tx = started_session(deps)
    progress = SessionProgress(deps.transactions, deps.publisher)
    batch = [("s3", record(tx, 1900, 9)), ("s1", record(tx, 1500, 5)), ("s2", record(None, 50, 6))]
    assert progress.apply(batch, NOW) == []
    session = deps.transactions.get("CP1", tx)
    assert (session.last_meter_wh, session.last_meter_at) == (1900, "2026-06-01T10:09:00.000Z")
    summary = deps.publisher.of_type("MeterValuesReceived")
    assert [(e.detail["samples"], e.detail["sessionEnergyWh"]) for e in summary] == [(2, 900)]
    # An older batch delivered late does not move the reading back.
    progress.apply([("s0", record(tx, 1200, 2))], NOW)
    assert deps.transactions.get("CP1", tx).last_meter_wh == 1900


def test_without_publishing_a_batch_only_stores_the_progress():
    deps = make_deps()
    tx = started_session(deps)
    progress = SessionProgress(deps.transactions, deps.publisher, publish=False)
    assert progress.apply([("s1", record(tx, 1500, 5))], NOW) == []
    assert deps.transactions.get("CP1", tx).last_meter_wh == 1500
    assert deps.publisher.of_type("MeterValuesReceived") == []


def test_the_stack_setting_decides_whether_the_consumer_publishes():
    assert memory_services(memory_deps()).session_progress.publish is False
    assert make_settings(PUBLISH_METER_VALUES="true").publish_meter_values is True
    opted_in = memory_services(memory_deps(PUBLISH_METER_VALUES="true"))
    assert opted_in.session_progress.publish is True
    # Live energy: at most every five minutes unless the stack says otherwise.
    assert memory_services(memory_deps()).session_progress.write_interval_s == 300
    every_batch = memory_services(memory_deps(LIVE_ENERGY_WRITE_INTERVAL_S="0"))
    assert every_batch.session_progress.write_interval_s == 0


def test_live_energy_is_written_at_most_once_per_write_interval_per_session():
    deps = make_deps()
    tx = started_session(deps)
    progress = SessionProgress(deps.transactions, deps.publisher, write_interval_s=300)
    writes = []
    store = deps.transactions.record_meter_progress

    def counted(*args):
        writes.append(args[3])
        return store(*args)

    deps.transactions.record_meter_progress = counted  # type: ignore[method-assign]
    for minute, wh in ((1, 1100), (3, 1300), (5, 1500), (6, 1600), (11, 2100)):
        assert progress.apply([(f"s{minute}", record(tx, wh, minute))], NOW) == []
    # 1 min, then nothing until five minutes of readings later (6 min), then 11 min.
    assert [at[11:16] for at in writes] == ["10:01", "10:06", "10:11"]
    assert deps.transactions.get("CP1", tx).last_meter_wh == 2100
    # Another session has its own interval.
    other = started_session(deps, connector=2)
    progress.apply([("o1", record(other, 500, 12))], NOW)
    assert deps.transactions.get("CP1", other).last_meter_wh == 500


def test_a_failed_write_is_not_taken_for_a_written_one():
    deps = make_deps()
    tx = started_session(deps)
    progress = SessionProgress(deps.transactions, deps.publisher, write_interval_s=300)
    store = deps.transactions.record_meter_progress

    def broken(*args):
        raise ConnectionError("dynamodb unavailable")

    deps.transactions.record_meter_progress = broken  # type: ignore[method-assign]
    assert progress.apply([("s1", record(tx, 1100, 1))], NOW) == ["s1"]
    deps.transactions.record_meter_progress = store  # type: ignore[method-assign]
    assert progress.apply([("s1", record(tx, 1100, 1))], NOW) == []  # the retry writes
    assert deps.transactions.get("CP1", tx).last_meter_wh == 1100


def test_readings_for_unknown_sessions_are_dropped_without_failure():
    deps = make_deps()
    assert (
        SessionProgress(deps.transactions, deps.publisher).apply(
            [("s1", record("999", 10, 1))], NOW
        )
        == []
    )
    assert deps.publisher.of_type("MeterValuesReceived")[0].detail["sessionEnergyWh"] is None


def test_a_failing_store_reports_the_sessions_records_for_retry():
    deps = make_deps()
    tx = started_session(deps)

    class Broken:
        def record_meter_progress(self, *args):
            raise ConnectionError("dynamodb unavailable")

    failed = SessionProgress(Broken(), deps.publisher).apply(  # type: ignore[arg-type]
        [("s1", record(tx, 1100, 1)), ("s2", record(tx, 1200, 2))], NOW
    )
    assert failed == ["s1", "s2"]


def test_energy_is_rolled_up_once_per_session():
    deps = make_deps()
    station = Station(deps)
    tx = started_session(deps)
    station.call(
        "StopTransaction", {"transactionId": int(tx), "meterStop": 8000, "timestamp": ts(50)}
    )
    detail = deps.publisher.of_type("TransactionStopped")[0].full_detail()
    ledger = MemoryEnergyLedger(deps.transactions)
    rollup = EnergyRollup(ledger)
    assert rollup.on_transaction_stopped("CP1", detail)
    assert not rollup.on_transaction_stopped("CP1", detail)  # EventBridge redelivery
    assert ledger.day_total("CP1", "2026-06-01") == (7000, 1)


def test_sessions_without_energy_are_not_rolled_up():
    deps = make_deps()
    ledger = MemoryEnergyLedger(deps.transactions)
    assert not EnergyRollup(ledger).on_transaction_stopped(
        "CP1",
        {
            "transactionId": "1",
            "energyWh": None,
            "stoppedAt": "2026-06-01T10:00:00Z",
            "anomaly": "MeterDecreased",
        },
    )
    assert ledger.totals == {}
