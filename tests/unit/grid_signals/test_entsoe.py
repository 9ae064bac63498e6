"""ENTSO-E day-ahead prices (A44) from recorded documents in the public format, no network."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.adapters.entsoe import DocumentError, EntsoeDayAhead, parse_day_ahead, resolution
from shared.grid_signals import step_series
from shared.ports.grid_signals import GridSignalUnavailable

FIXTURES = Path(__file__).parent / "fixtures"
RECEIVED = datetime(2026, 12, 6, 12, 30, tzinfo=UTC)
DAY = datetime(2026, 12, 6, 23, tzinfo=UTC)  # 7 December in CET


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_hourly_prices_per_kwh() -> None:
    signals = parse_day_ahead(fixture("a44_nl_pt60m.xml"), RECEIVED)
    assert len(signals) == 24
    first, last = signals[0], signals[-1]
    assert (first.start, first.end, first.currency) == (DAY, DAY + timedelta(hours=1), "EUR")
    assert first.value == pytest.approx(0.1125)
    assert (last.start, last.end) == (DAY + timedelta(hours=23), DAY + timedelta(hours=24))
    assert all(s.kind == "price" and s.source == "entsoe" for s in signals)
    assert all(a.end == b.start for a, b in itertools.pairwise(signals))


def test_quarter_hours_with_a03_fill_forward_and_the_finest_series_wins() -> None:
    signals = parse_day_ahead(fixture("a44_de_lu_pt15m_a03.xml"), RECEIVED)
    assert len(signals) == 96  # the 60-minute series over the same day is left out
    by_position = {int((s.start - DAY) / timedelta(minutes=15)) + 1: s.value for s in signals}
    expected = {1: 101.2, 2: 99.8, 3: 99.8, 4: 99.8, 5: 97.0, 8: 97.0, 9: -3.5, 10: -0.01}
    expected |= {12: -0.01, 13: 88.0, 49: 88.0, 50: 140.25, 95: 140.25, 96: 120.0}
    for position, price in expected.items():
        assert by_position[position] == pytest.approx(price / 1000), position
    # as a step series, equal neighbours merge: the blocks of the A03 curve come back
    steps = step_series(signals, "price", DAY, DAY + timedelta(days=1))
    assert [round((s.end - s.start) / timedelta(minutes=15)) for s in steps] == [
        1,
        3,
        4,
        1,
        3,
        37,
        46,
        1,
    ]


def test_half_hours_over_a_short_day() -> None:
    signals = parse_day_ahead(fixture("a44_pt30m_spring_forward.xml"), RECEIVED)
    assert len(signals) == 46
    assert signals[-1].end == datetime(2026, 3, 29, 22, tzinfo=UTC)
    assert [s.value for s in signals[:4]] == pytest.approx([0.055, 0.055, 0.0605, 0.0605])


def test_no_data_yet_is_an_empty_list() -> None:
    assert parse_day_ahead(fixture("a44_no_data_acknowledgement.xml"), RECEIVED) == []


def test_a_gap_in_an_a01_curve_stays_a_gap() -> None:
    document = fixture("a44_nl_pt60m.xml").replace(
        b"<Point>\n        <position>5</position>\n"
        b"        <price.amount>94.2</price.amount>\n      </Point>\n",
        b"",
    )
    signals = parse_day_ahead(document, RECEIVED)
    assert len(signals) == 23
    assert DAY + timedelta(hours=4) not in {s.start for s in signals}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ((b"<position>24</position>", b"<position>25</position>"), "position 25 is outside"),
        (
            (b"<price.amount>95.0</price.amount>", b"<price.amount>n/a</price.amount>"),
            "not a number",
        ),
        ((b"<resolution>PT60M</resolution>", b"<resolution>hourly</resolution>"), "resolution"),
        ((b"<price_Measure_Unit.name>MWH", b"<price_Measure_Unit.name>GJ"), "per GJ"),
        ((b"<currency_Unit.name>EUR</currency_Unit.name>", b""), "has no currency_Unit.name"),
        ((b'<?xml version="1.0" encoding="utf-8"?>', b'<!DOCTYPE x [<!ENTITY a "b">]>'), "DTD"),
        ((b"</Publication_MarketDocument>", b""), "not XML"),
    ],
)
def test_an_unreadable_document_says_why(change: tuple[bytes, bytes], message: str) -> None:
    document = fixture("a44_nl_pt60m.xml").replace(*change)
    with pytest.raises(DocumentError, match=message):
        parse_day_ahead(document, RECEIVED)


@pytest.mark.parametrize(
    ("text", "step"),
    [
        ("PT15M", timedelta(minutes=15)),
        ("PT30M", timedelta(minutes=30)),
        ("PT60M", timedelta(hours=1)),
        ("PT1H", timedelta(hours=1)),
        ("P1D", timedelta(days=1)),
    ],
)
def test_resolutions(text: str, step: timedelta) -> None:
    assert resolution(text) == step


def test_the_feed_asks_for_a44_of_the_zone_and_cuts_to_the_span() -> None:
    asked: list[str] = []

    def get(url: str, timeout_s: float) -> tuple[int, bytes]:
        asked.append(url)
        return 200, fixture("a44_nl_pt60m.xml")

    feed = EntsoeDayAhead("token-1", get=get, clock=lambda: RECEIVED)
    signals = feed.prices("10YNL----------L", DAY + timedelta(hours=6), DAY + timedelta(hours=9))
    assert [s.start for s in signals] == [DAY + timedelta(hours=h) for h in (6, 7, 8)]
    query = parse_qs(urlsplit(asked[0]).query)
    assert query == {
        "securityToken": ["token-1"],
        "documentType": ["A44"],
        "in_Domain": ["10YNL----------L"],
        "out_Domain": ["10YNL----------L"],
        "periodStart": ["202612070500"],
        "periodEnd": ["202612070800"],
    }


def test_the_feed_unavailable() -> None:
    def refused(url: str, timeout_s: float) -> tuple[int, bytes]:
        return 401, b"<html>Unauthorized</html>"

    def unreachable(url: str, timeout_s: float) -> tuple[int, bytes]:
        raise OSError("timed out")

    def garbage(url: str, timeout_s: float) -> tuple[int, bytes]:
        return 200, b"<Publication_MarketDocument"

    def no_data_as_400(url: str, timeout_s: float) -> tuple[int, bytes]:
        return 400, fixture("a44_no_data_acknowledgement.xml")

    for get, message in (
        (refused, "answered 401"),
        (unreachable, "cannot be reached"),
        (garbage, "not XML"),
    ):
        with pytest.raises(GridSignalUnavailable, match=message):
            EntsoeDayAhead("t", get=get).prices("Z", DAY, DAY + timedelta(days=1))
    assert EntsoeDayAhead("t", get=no_data_as_400).prices("Z", DAY, DAY + timedelta(days=1)) == []
