"""Simulator runs against the local platform: the simulator speaks through the ocpp package,
so a clean run means the platform's answers (and its commands) pass an OCPP implementation
this project did not write; a run whose sessions are all refused fails and says why."""

from __future__ import annotations

import uuid

import pytest

from shared.adapters.dynamodb.id_tags import DynamoIdTagRepository
from shared.models.transaction import IdTagRecord
from simulator import FleetConfig, SessionPlan, run_fleet
from tests.e2e.conftest import moto_client, run

pytestmark = pytest.mark.e2e

# One per charger: the platform refuses a tag already charging elsewhere (ConcurrentTx).
TAGS = ("INTEROP-TAG-A", "INTEROP-TAG-B")


@pytest.fixture
def accepted_tags(platform):
    tags = DynamoIdTagRepository(
        moto_client(platform, "dynamodb"), platform.environment["ID_TAGS_TABLE"]
    )
    for tag in TAGS:
        tags.put(IdTagRecord(tag, "Accepted"))
    return TAGS


def _config(platform, protocol: str, tags: tuple[str, ...]) -> FleetConfig:
    return FleetConfig(
        url=platform.ws_url,
        chargers=2,
        protocol=protocol,
        duration_s=20,
        heartbeat_interval_s=0.2,
        id_prefix=f"IOP-{uuid.uuid4().hex[:6]}-",
        session_plan=SessionPlan(
            sessions=1, duration_s=0.5, meter_interval_s=0.2, id_tags=tags, authorize_share=1.0
        ),
    )


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
def test_a_fleet_charges_with_every_frame_accepted_by_the_ocpp_package(
    platform, accepted_tags, protocol
):
    summary = run(run_fleet(_config(platform, protocol, accepted_tags)))
    assert summary.errors == {}, summary.error_details
    assert summary.accepted == 2
    totals = summary.sessions
    assert (
        totals.sessions_completed,
        totals.transactions_started,
        totals.transactions_stopped,
    ) == (
        2,
        2,
        2,
    )
    assert summary.ok


def test_a_fleet_whose_tag_the_platform_does_not_know_fails_and_says_why(platform):
    unknown = tuple(f"NOBODY-{uuid.uuid4().hex[:6]}" for _ in range(2))
    summary = run(run_fleet(_config(platform, "ocpp1.6", unknown)))
    assert summary.errors == {}
    assert summary.sessions.refused == {"Invalid": 2}
    assert not summary.ok
