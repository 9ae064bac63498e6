"""The network's energy per day and hour: what the rollup adds, and the periods of a range."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from shared.adapters.memory.sessions import MemoryEnergyLedger
from shared.models.transaction import TransactionRecord
from shared.ports import EnergyPeriod
from shared.telemetry.energy_rollup import EnergyRollup
from shared.telemetry.network_energy import (
    EnergyRangeError,
    NetworkEnergy,
    periods,
    stop_periods,
)
from tests.fakes import memory_deps

NOW = datetime(2026, 12, 6, 15, 30, tzinfo=UTC)


def stopped(cp: str, tx: str, energy: int, at: str) -> dict[str, Any]:
    return {"transactionId": tx, "energyWh": energy, "stoppedAt": at}


@pytest.fixture
def ledger() -> MemoryEnergyLedger:
    deps = memory_deps()
    for cp, tx in (("CP1", "1"), ("CP1", "2"), ("CP2", "1"), ("CP2", "2")):
        deps.transactions.create(TransactionRecord(cp, tx, "completed"))
    return MemoryEnergyLedger(deps.transactions)


def test_a_session_counts_in_the_day_and_hour_it_stopped_once(ledger) -> None:
    rollup = EnergyRollup(ledger)
    assert rollup.on_transaction_stopped(
        "CP1", stopped("CP1", "1", 1000, "2026-12-05T23:59:59.999Z")
    )
    assert rollup.on_transaction_stopped(
        "CP1", stopped("CP1", "2", 200, "2026-12-06T00:00:00.000Z")
    )
    assert rollup.on_transaction_stopped("CP2", stopped("CP2", "1", 30, "2026-12-06T00:59:00.000Z"))
    # EventBridge delivers again: nothing more is added anywhere.
    assert not rollup.on_transaction_stopped(
        "CP2", stopped("CP2", "1", 30, "2026-12-06T00:59:00.000Z")
    )
    assert ledger.network("day", "2026-12-01", "2026-12-31") == [
        EnergyPeriod("2026-12-05", 1000, 1),
        EnergyPeriod("2026-12-06", 230, 2),
    ]
    assert ledger.network("hour", "2026-12-05T00:00:00Z", "2026-12-06T23:00:00Z") == [
        EnergyPeriod("2026-12-05T23:00:00Z", 1000, 1),
        EnergyPeriod("2026-12-06T00:00:00Z", 230, 2),
    ]
    # The per-charger days are as before.
    assert ledger.day_total("CP1", "2026-12-06") == (200, 1)


def test_stop_periods_are_utc() -> None:
    assert stop_periods("2026-12-06T01:30:00+02:00") == ("2026-12-05", "2026-12-05T23:00:00Z")
    assert stop_periods("2026-12-06T13:00:00.000Z") == ("2026-12-06", "2026-12-06T13:00:00Z")
    # Not a timestamp: the day as the per-charger rollup has it, no hour.
    assert stop_periods("2026-12-06 garbage") == ("2026-12-06", None)


def test_every_period_of_the_range_is_listed() -> None:
    assert periods("day", date(2026, 12, 30), date(2027, 1, 2)) == [
        "2026-12-30",
        "2026-12-31",
        "2027-01-01",
        "2027-01-02",
    ]
    hours = periods("hour", date(2026, 12, 6), date(2026, 12, 7))
    assert len(hours) == 48
    assert (hours[0], hours[23], hours[24], hours[-1]) == (
        "2026-12-06T00:00:00Z",
        "2026-12-06T23:00:00Z",
        "2026-12-07T00:00:00Z",
        "2026-12-07T23:00:00Z",
    )


def test_the_report_fills_periods_without_sessions_with_zeros(ledger) -> None:
    ledger.add_session_once("CP1", "1", "2026-12-04", 700, hour="2026-12-04T08:00:00Z")
    report = NetworkEnergy(ledger, lambda: NOW)
    days = report.report("day", date(2026, 12, 3), date(2026, 12, 5))
    assert [(p.period, p.energy_wh, p.sessions) for p in days.items] == [
        ("2026-12-03", 0, 0),
        ("2026-12-04", 700, 1),
        ("2026-12-05", 0, 0),
    ]
    hours = report.report("hour", date(2026, 12, 4), date(2026, 12, 4)).items
    assert len(hours) == 24
    assert [p.period for p in hours if p.energy_wh] == ["2026-12-04T08:00:00Z"]


def test_default_ranges_end_today() -> None:
    report = NetworkEnergy(MemoryEnergyLedger(memory_deps().transactions), lambda: NOW)
    by_day = report.report()
    assert (by_day.granularity, by_day.first, by_day.last) == (
        "day",
        date(2026, 11, 23),
        date(2026, 12, 6),
    )
    assert len(by_day.items) == 14
    by_hour = report.report("hour")
    assert (by_hour.first, by_hour.last, len(by_hour.items)) == (
        date(2026, 11, 30),
        date(2026, 12, 6),
        7 * 24,
    )
    # Only `from`: the default span from there; only `to`: the default span up to it.
    assert report.report("day", first=date(2026, 1, 1)).last == date(2026, 1, 14)
    assert report.report("day", last=date(2026, 1, 14)).first == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("granularity", "first", "last", "field"),
    [
        ("day", date(2026, 12, 6), date(2026, 12, 5), "query.from"),
        ("day", date(2025, 12, 4), date(2026, 12, 5), "query.to"),  # 367 days
        ("hour", date(2026, 12, 1), date(2026, 12, 8), "query.to"),  # 8 days
        ("week", date(2026, 12, 1), date(2026, 12, 1), "query.granularity"),
    ],
)
def test_ranges_the_report_refuses(granularity, first, last, field) -> None:
    report = NetworkEnergy(MemoryEnergyLedger(memory_deps().transactions), lambda: NOW)
    with pytest.raises(EnergyRangeError) as refused:
        report.report(granularity, first, last)
    assert refused.value.field == field


def test_the_widest_ranges_are_served() -> None:
    report = NetworkEnergy(MemoryEnergyLedger(memory_deps().transactions), lambda: NOW)
    assert len(report.report("day", date(2025, 12, 6), date(2026, 12, 6)).items) == 366
    assert len(report.report("hour", date(2026, 11, 30), date(2026, 12, 6)).items) == 168
