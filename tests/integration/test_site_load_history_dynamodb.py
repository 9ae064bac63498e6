"""A site's load history in the SiteLoads table against moto, and the in-memory history under
the same contract (docs/adr/0053): one sample per site and minute (the minute's last wins),
read back exactly by minute range, oldest first, never another site's and never the site's
model or allocation items; on DynamoDB the item's key and its 8-day `expiresAt`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from shared.adapters.dynamodb.site_load_history import DynamoSiteLoadHistory
from shared.adapters.dynamodb.site_loads import DynamoSiteLoadStore
from shared.adapters.memory.site_load_history import MemorySiteLoadHistory
from shared.load_management.sites import NodeLoad, SiteAllocationView
from shared.ports.site_load_history import LoadSample, NodeSample, SiteLoadHistory
from tests.fault_injection import Fault, injected

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["dynamodb", "memory"])
def history(request) -> SiteLoadHistory:
    if request.param == "memory":
        return MemorySiteLoadHistory()
    aws_env = request.getfixturevalue("aws_env")
    return DynamoSiteLoadHistory(request.getfixturevalue("dynamodb"), aws_env.site_loads_table)


def view(grid_load: float, site_id: str = "ALEX") -> SiteAllocationView:
    """An allocation view of a 2-node site: a 63 A grid connection and a power-only circuit."""
    return SiteAllocationView(
        location_id=site_id,
        at=T0,
        overloaded=(),
        evses=(),
        nodes=(
            NodeLoad("grid", (grid_load, 31.7, 0.0), (63.0, 63.0, 63.0), None),
            NodeLoad("c1", (grid_load, 0.0, 0.0), None, 11_000.0),
        ),
        model_revision=1,
    )


def sample(at: datetime, grid_load: float) -> LoadSample:
    return LoadSample(
        at,
        (
            NodeSample("grid", (63.0, 63.0, 63.0), (grid_load, 31.7, 0.0)),
            NodeSample("c1", None, (grid_load, 0.0, 0.0)),
        ),
    )


def test_a_sample_is_kept_per_minute_and_read_back_exactly(history: SiteLoadHistory) -> None:
    history.record("ALEX", view(10.5), T0 + timedelta(seconds=7, milliseconds=300))
    history.record("ALEX", view(20), T0 + timedelta(minutes=1, seconds=59))
    assert history.samples("ALEX", T0, T0 + timedelta(minutes=5)) == [
        sample(T0, 10.5),
        sample(T0 + timedelta(minutes=1), 20),
    ]


def test_a_later_allocation_of_the_same_minute_replaces_the_earlier(
    history: SiteLoadHistory,
) -> None:
    history.record("ALEX", view(10), T0 + timedelta(seconds=1))
    history.record("ALEX", view(30), T0 + timedelta(seconds=50))
    # A redelivery of the same allocation writes the same sample again.
    history.record("ALEX", view(30), T0 + timedelta(seconds=50))
    assert history.samples("ALEX", T0, T0 + timedelta(hours=1)) == [sample(T0, 30)]


def test_the_range_is_by_minute_and_both_ends_are_included(history: SiteLoadHistory) -> None:
    for minute in range(10):
        history.record("ALEX", view(minute), T0 + timedelta(minutes=minute))
    # 12:02:30 .. 12:05:10 covers the minutes 12:02 to 12:05.
    got = history.samples(
        "ALEX", T0 + timedelta(minutes=2, seconds=30), T0 + timedelta(minutes=5, seconds=10)
    )
    assert [s.at for s in got] == [T0 + timedelta(minutes=m) for m in (2, 3, 4, 5)]
    assert history.samples("ALEX", T0 - timedelta(days=1), T0 - timedelta(minutes=1)) == []


def test_another_sites_samples_are_never_returned(history: SiteLoadHistory) -> None:
    history.record("ALEX", view(10), T0)
    history.record("ALEXANDRA", view(99, "ALEXANDRA"), T0)
    history.record("ALE", view(98, "ALE"), T0)
    assert history.samples("ALEX", T0, T0 + timedelta(minutes=1)) == [sample(T0, 10)]
    assert history.samples("NOBODY", T0, T0 + timedelta(minutes=1)) == []


def test_a_naive_time_is_refused(history: SiteLoadHistory) -> None:
    with pytest.raises(ValueError, match="timezone"):
        history.record("ALEX", view(10), datetime(2030, 1, 1, 12, 0))


def test_on_dynamodb_an_item_per_minute_expires_after_8_days_and_other_items_stay_out(
    dynamodb, aws_env
) -> None:
    table = aws_env.site_loads_table
    history = DynamoSiteLoadHistory(dynamodb, table)
    store = DynamoSiteLoadStore(dynamodb, table)
    store.put_allocation("ALEX", {"limits": {}}, 1)
    store.put_live("ALEX", ("CP-1", 1), {"sessionActive": True}, 1)
    history.record("ALEX", view(10), T0 + timedelta(seconds=42))
    item = dynamodb.get_item(
        TableName=table, Key={"pk": {"S": "SITE#ALEX"}, "sk": {"S": "LOAD#2030-01-01T12:00Z"}}
    )["Item"]
    assert item["expiresAt"] == {"N": str(int((T0 + timedelta(days=8)).timestamp()))}
    assert len(item["nodes"]["S"]) < 120  # compact: about 40 bytes a node
    # A range over all time reads the samples only, not the site's allocation or live states.
    far = datetime(2100, 1, 1, tzinfo=UTC)
    assert history.samples("ALEX", datetime(2000, 1, 1, tzinfo=UTC), far) == [sample(T0, 10)]


def test_on_dynamodb_three_days_of_minutes_read_back_in_order(dynamodb, aws_env) -> None:
    history = DynamoSiteLoadHistory(dynamodb, aws_env.site_loads_table)
    minutes = 3 * 24 * 60
    for minute in range(minutes):
        history.record("ALEX", view(float(minute % 64)), T0 + timedelta(minutes=minute))
    got = history.samples("ALEX", T0, T0 + timedelta(days=8))
    assert len(got) == minutes and got[-1] == sample(
        T0 + timedelta(minutes=minutes - 1), float((minutes - 1) % 64)
    )
    assert got == sorted(got, key=lambda s: s.at)


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
def test_a_failed_put_raises_and_its_retry_leaves_one_sample(dynamodb, aws_env, after) -> None:
    """A PutItem that fails before it reaches the table (nothing stored) or after (stored, the
    answer lost) raises to the caller; the caller's retry of the same allocation writes the
    same item, so the minute has one sample either way."""
    history = DynamoSiteLoadHistory(dynamodb, aws_env.site_loads_table)
    with injected(dynamodb, Fault("PutItem", after=after)) as (fault,):
        with pytest.raises(ClientError):
            history.record("ALEX", view(10), T0 + timedelta(seconds=3))
        assert fault.raised == 1
        stored = history.samples("ALEX", T0, T0 + timedelta(minutes=1))
        assert stored == ([sample(T0, 10)] if after else [])
        history.record("ALEX", view(10), T0 + timedelta(seconds=3))
    assert history.samples("ALEX", T0, T0 + timedelta(minutes=1)) == [sample(T0, 10)]
