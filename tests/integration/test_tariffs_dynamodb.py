"""Tariff versions in DynamoDB (moto): written once, read back whole, listed in pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

from shared.adapters.dynamodb.tariffs import DynamoTariffRepository
from shared.models.tariff import PriceComponent, Restrictions, Tariff, TariffElement

TARIFF = Tariff(
    tariff_id="DC-FAST",
    version=1,
    currency="EUR",
    tax_rate_bp=1900,
    time_zone="Europe/Berlin",
    elements=(
        TariffElement(
            (PriceComponent("ENERGY", 49, step_size=100),),
            Restrictions(
                start_time=time(22),
                end_time=time(6, 30),
                days_of_week=frozenset({"SATURDAY", "SUNDAY"}),
                min_power_w=50_000,
                max_wh=40_000,
            ),
        ),
        TariffElement(
            (
                PriceComponent("FLAT", 35),
                PriceComponent("ENERGY", 59),
                PriceComponent("PARKING_TIME", 1200, step_size=60, grace_s=600),
            )
        ),
    ),
    valid_from=datetime(2030, 1, 1, 13, 0, tzinfo=UTC),
)


def test_a_version_is_written_once_and_read_back_whole(aws_env, dynamodb):
    tariffs = DynamoTariffRepository(dynamodb, aws_env.tariffs_table)
    assert tariffs.add_version(TARIFF)
    assert not tariffs.add_version(replace(TARIFF, tax_rate_bp=0))  # never changed
    later = replace(TARIFF, version=2, valid_from=datetime(2030, 2, 1, tzinfo=UTC))
    assert tariffs.add_version(later)
    assert tariffs.versions("DC-FAST") == [TARIFF, later]
    assert tariffs.versions("NOPE") == []


def test_versions_are_listed_in_pages(aws_env, dynamodb):
    tariffs = DynamoTariffRepository(dynamodb, aws_env.tariffs_table)
    for version in (1, 2, 3):
        tariffs.add_version(replace(TARIFF, version=version))
    first = tariffs.list_page(2, None)
    rest = tariffs.list_page(2, first.next_cursor)
    seen = [(t.tariff_id, t.version) for t in first.items + rest.items]
    assert sorted(seen) == [("DC-FAST", 1), ("DC-FAST", 2), ("DC-FAST", 3)]
