"""The running-cost claim and a session's tariff against DynamoDB (moto): one CostUpdated per
interval per session, none after the stop; the tariff version stored with a 2.0.1 start."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.dynamodb.transactions import DynamoTransactionRepository
from shared.models.transaction import TransactionRecord
from shared.timeutil import iso_utc, to_epoch_ms

START = datetime(2026, 6, 1, 10, tzinfo=UTC)
MINUTE = 60_000


def ms(minute: int) -> int:
    return to_epoch_ms(START + timedelta(minutes=minute))


@pytest.fixture
def sessions(aws_env, dynamodb) -> DynamoTransactionRepository:
    repo = DynamoTransactionRepository(
        dynamodb, aws_env.transactions_table, aws_env.connectors_table
    )
    started = TransactionRecord(
        "CP1", "tx-1", "active", protocol="ocpp2.0.1", id_tag="CARD-1", meter_start_wh=1000,
        started_at=iso_utc(START), started_at_ms=ms(0), tariff_id="AC", tariff_version=3,
    )  # fmt: skip
    assert repo.record_start(started) is not None
    return repo


def test_the_tariff_version_is_stored_with_the_start(sessions) -> None:
    stored = sessions.get("CP1", "tx-1")
    assert stored is not None
    assert (stored.tariff_id, stored.tariff_version, stored.cost_updated_at_ms) == ("AC", 3, None)


def test_one_cost_update_per_interval_whichever_copy_asks(sessions) -> None:
    interval = 5 * MINUTE
    assert sessions.claim_cost_update("CP1", "tx-1", ms(1), interval)
    assert not sessions.claim_cost_update("CP1", "tx-1", ms(1), interval)  # the other copy
    assert not sessions.claim_cost_update("CP1", "tx-1", ms(4), interval)
    assert sessions.claim_cost_update("CP1", "tx-1", ms(6), interval)
    stored = sessions.get("CP1", "tx-1")
    assert stored is not None and stored.cost_updated_at_ms == ms(6)
    assert not sessions.claim_cost_update("CP1", "unknown", ms(6), interval)


def test_no_cost_update_once_the_session_stopped(sessions) -> None:
    stored = sessions.get("CP1", "tx-1")
    assert stored is not None
    stopped = replace(
        stored, status="completed", meter_stop_wh=2000, stopped_at=iso_utc(START),
        stopped_at_ms=ms(30), stop_reason="Local",
    )  # fmt: skip
    assert sessions.finish(stopped)
    assert not sessions.claim_cost_update("CP1", "tx-1", ms(31), 5 * MINUTE)


def test_a_session_priced_after_its_start_is_priced_once(aws_env, dynamodb) -> None:
    repo = DynamoTransactionRepository(
        dynamodb, aws_env.transactions_table, aws_env.connectors_table
    )
    cable_first = TransactionRecord(
        "CP1", "tx-2", "active", protocol="ocpp2.0.1", meter_start_wh=1000,
        started_at=iso_utc(START), started_at_ms=ms(0),
    )  # fmt: skip
    assert not repo.record_tariff("CP1", "tx-2", "AC", 3)  # no start yet
    assert repo.record_start(cable_first) is not None
    assert repo.record_tariff("CP1", "tx-2", "AC", 3)
    assert not repo.record_tariff("CP1", "tx-2", "AC", 4)
    stored = repo.get("CP1", "tx-2")
    assert stored is not None and (stored.tariff_id, stored.tariff_version) == ("AC", 3)
