"""The tariff quote: an operator prices usage under a tariff before publishing it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.unit.api.test_auth_and_errors import assert_error

TARIFF: dict[str, Any] = {
    "tariffId": "AC-STANDARD",
    "currency": "EUR",
    "taxRateBp": 1900,
    "timeZone": "Europe/Berlin",
    "validFrom": "2026-01-01T00:00:00Z",
    "elements": [
        {
            "priceComponents": [{"type": "ENERGY", "price": 25}],
            "restrictions": {"startTime": "22:00", "endTime": "06:00"},
        },
        {
            "priceComponents": [
                {"type": "FLAT", "price": 50},
                {"type": "ENERGY", "price": 39},
                {"type": "PARKING_TIME", "price": 600, "stepSize": 60, "graceS": 900},
            ]
        },
    ],
}


def quote(world, tariff: dict[str, Any], periods: list[dict[str, Any]]):
    return world.client.post("/api/tariffs/quote", {"tariff": tariff, "periods": periods})


def test_a_quote_prices_each_dimension_and_adds_tax_once(world) -> None:
    reply = quote(
        world,
        TARIFF,
        [
            # 20:00-22:00 UTC is 21:00-23:00 in Berlin: the second hour at the night price.
            {"start": "2026-03-04T20:00:00Z", "durationS": 7200, "energyWh": 20_000},
            {"start": "2026-03-04T22:00:00Z", "durationS": 1800, "charging": False},
        ],
    )
    assert reply.status == 200, reply.body
    assert reply.body["lines"] == [
        {"dimension": "FLAT", "unitPrice": 50, "unit": "session", "volume": 1, "amount": 50},
        {"dimension": "ENERGY", "unitPrice": 39, "unit": "kWh", "volume": 10_000, "amount": 390},
        {"dimension": "ENERGY", "unitPrice": 25, "unit": "kWh", "volume": 10_000, "amount": 250},
        # 30 minutes parked, 15 free: 15 minutes at 10 cents.
        {
            "dimension": "PARKING_TIME",
            "unitPrice": 600,
            "unit": "hour",
            "volume": 900,
            "amount": 150,
        },
    ]
    assert (reply.body["totalExclTax"], reply.body["tax"], reply.body["totalInclTax"]) == (
        840,
        160,  # 19 % of 840 is 159.6
        1000,
    )
    assert (reply.body["energyWh"], reply.body["chargingS"], reply.body["parkingS"]) == (
        20_000,
        7200,
        1800,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "euro"}, "body.tariff.currency"),
        ({"taxRateBp": -1}, "body.tariff.taxRateBp"),
        ({"validFrom": "2026-01-01T00:00:00"}, "body.tariff.validFrom"),  # no zone
        ({"elements": []}, "body.tariff.elements"),
        (
            {"elements": [{"priceComponents": [{"type": "COFFEE", "price": 1}]}]},
            "body.tariff.elements.0.priceComponents.0.type",
        ),
        (
            {"elements": [{"priceComponents": [{"type": "ENERGY", "price": 1.5}]}]},
            "body.tariff.elements.0.priceComponents.0.price",
        ),
        (
            {
                "elements": [
                    {
                        "priceComponents": [{"type": "ENERGY", "price": 1}],
                        "restrictions": {"startTime": "25:00", "endTime": "06:00"},
                    }
                ]
            },
            "body.tariff.elements.0.restrictions.startTime",
        ),
    ],
)
def test_a_malformed_tariff_is_a_400_naming_the_field(world, change, field) -> None:
    reply = quote(world, {**TARIFF, **change}, [])
    assert_error(reply, 400, "ValidationError")
    assert field in {d["field"] for d in reply.body["error"]["details"]}, reply.body


@pytest.mark.parametrize(
    ("tariff_change", "periods", "message"),
    [
        ({"timeZone": "Mars/Olympus"}, [], "time zone"),
        ({"currency": "JPY"}, [], "no cents"),
        (
            {
                "elements": [
                    {
                        "priceComponents": [
                            {"type": "ENERGY", "price": 1},
                            {"type": "ENERGY", "price": 2},
                        ]
                    }
                ]
            },
            [],
            "at most once",
        ),
        (
            {},
            [
                {"start": "2026-03-04T20:00:00Z", "durationS": 3600},
                {"start": "2026-03-04T20:30:00Z", "durationS": 3600},
            ],
            "overlap",
        ),
        (
            {},
            [{"start": "2026-03-04T20:00:00Z", "durationS": 60, "energyWh": 5, "charging": False}],
            "parked",
        ),
    ],
)
def test_a_tariff_or_usage_that_cannot_be_priced_is_a_400_saying_why(
    world, tariff_change, periods, message
) -> None:
    reply = quote(world, {**TARIFF, **tariff_change}, periods)
    assert_error(reply, 400, "InvalidRequest")
    assert message in reply.body["error"]["message"]


def test_the_quote_is_in_the_published_openapi_document(world) -> None:
    document = world.client.get("/api/openapi.json").body
    assert "/api/tariffs/quote" in document["paths"]
    assert "TariffBody" in document["components"]["schemas"]


# Publishing and reading versions (the world's clock: tests/unit/api/world.py START).


def published(world, **changes: Any) -> dict[str, Any]:
    valid_from = (world.clock.now + timedelta(hours=1)).isoformat()
    reply = world.client.post("/api/tariffs", {**TARIFF, "validFrom": valid_from, **changes})
    assert reply.status == 201, reply.body
    body: dict[str, Any] = reply.body
    return body


def test_versions_are_numbered_published_and_read_back(world) -> None:
    first = published(world)
    assert first["version"] == 1
    assert first["elements"][0]["restrictions"]["startTime"] == "22:00"
    later = (world.clock.now + timedelta(days=30)).isoformat()
    second = published(world, validFrom=later, taxRateBp=2000)
    assert second["version"] == 2
    reply = world.client.get("/api/tariffs/AC-STANDARD/versions/1")
    assert reply.body == first
    body = world.client.get("/api/tariffs/AC-STANDARD").body
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["current"] is None  # version 1 starts in an hour
    world.clock.sleep(2 * 3600)
    assert world.client.get("/api/tariffs/AC-STANDARD").body["current"]["version"] == 1
    listed = world.client.get("/api/tariffs", query={"limit": "1"}).body
    assert [t["version"] for t in listed["items"]] == [1]
    rest = world.client.get(
        "/api/tariffs", query={"limit": "5", "cursor": listed["nextCursor"]}
    ).body
    assert [t["version"] for t in rest["items"]] == [2]


def test_a_version_is_never_changed_nor_backdated(world) -> None:
    published(world)
    stale = world.client.post(
        "/api/tariffs", {**TARIFF, "version": 1, "validFrom": "2099-01-01T00:00:00Z"}
    )
    assert_error(stale, 409, "Conflict")  # someone published version 1 already
    past = world.client.post("/api/tariffs", {**TARIFF, "validFrom": "2020-01-01T00:00:00Z"})
    assert_error(past, 400, "InvalidRequest")
    early = (world.clock.now + timedelta(minutes=30)).isoformat()
    before = world.client.post("/api/tariffs", {**TARIFF, "validFrom": early})
    assert_error(before, 400, "InvalidRequest")  # before version 1's start
    other = world.client.post(
        "/api/tariffs", {**TARIFF, "currency": "USD", "validFrom": "2099-01-01T00:00:00Z"}
    )
    assert_error(other, 400, "InvalidRequest")
    assert [
        v["version"] for v in world.client.get("/api/tariffs/AC-STANDARD").body["versions"]
    ] == [1]


def test_a_quote_by_id_uses_the_version_valid_when_the_usage_starts(world) -> None:
    published(world)  # valid from START + 1 h
    published(
        world,
        validFrom=(world.clock.now + timedelta(days=1)).isoformat(),
        elements=[{"priceComponents": [{"type": "ENERGY", "price": 99}]}],
    )
    at = world.clock.now + timedelta(hours=2)
    usage = {"periods": [{"start": at.isoformat(), "durationS": 3600, "energyWh": 10_000}]}
    first = world.client.post("/api/tariffs/AC-STANDARD/quote", usage).body
    assert (first["tariffVersion"], first["totalExclTax"]) == (1, 50 + 390)
    usage["periods"][0]["start"] = (at + timedelta(days=2)).isoformat()
    second = world.client.post("/api/tariffs/AC-STANDARD/quote", usage).body
    assert (second["tariffVersion"], second["totalExclTax"]) == (2, 990)
    too_early = {"periods": [{"start": world.clock.now.isoformat(), "durationS": 60}]}
    assert_error(world.client.post("/api/tariffs/AC-STANDARD/quote", too_early), 404, "NotFound")
    assert_error(world.client.post("/api/tariffs/NOPE/quote", usage), 404, "NotFound")
    assert_error(world.client.get("/api/tariffs/NOPE"), 404, "NotFound")
    assert_error(world.client.get("/api/tariffs/AC-STANDARD/versions/9"), 404, "NotFound")


def test_usage_spanning_more_than_a_week_is_refused(world) -> None:
    periods = [
        {"start": "2026-03-01T00:00:00Z", "durationS": 60},
        {"start": "2026-03-09T00:00:00Z", "durationS": 60},
    ]
    reply = quote(world, TARIFF, periods)
    assert_error(reply, 400, "ValidationError")
