"""The platform's timestamp format: RFC 3339, UTC, milliseconds, 'Z'."""

from datetime import UTC, datetime, timedelta, timezone

from shared.timeutil import from_epoch_ms, iso_utc, parse_timestamp, to_epoch_ms


def test_aware_moments_are_converted_to_utc_and_truncated_to_milliseconds() -> None:
    berlin_winter = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 25, 10, 0, 0, 123_999, tzinfo=berlin_winter)
    assert iso_utc(moment) == "2026-11-25T09:00:00.123Z"


def test_naive_moments_are_taken_as_utc_and_whole_seconds_keep_their_milliseconds() -> None:
    assert iso_utc(datetime(2026, 1, 1)) == "2026-01-01T00:00:00.000Z"
    assert iso_utc(datetime(2026, 12, 31, 23, 59, 59, 999_999)) == "2026-12-31T23:59:59.999Z"


def test_the_format_reads_back_to_the_same_millisecond() -> None:
    moment = datetime(2026, 3, 29, 1, 30, 15, 250_000, tzinfo=UTC)
    text = iso_utc(moment)
    assert parse_timestamp(text) == moment
    assert from_epoch_ms(to_epoch_ms(moment)) == moment
