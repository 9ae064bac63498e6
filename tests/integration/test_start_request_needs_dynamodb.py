"""A start request keeps the driver's charging needs on the DynamoDB store (moto) as on the
in-memory one, and one without needs reads back without them (ADR 0054)."""

from __future__ import annotations

from dataclasses import replace

from shared.load_management.session_schedules import driver_needs
from tests.integration.test_start_request_sweep import store, waiting  # noqa: F401 - fixture


def test_needs_survive_the_store(store) -> None:  # noqa: F811
    with_needs = replace(
        waiting(1, 1_893_500_000_000), departure_at_ms=1_893_564_000_000, energy_needed_wh=24_000
    )
    without = waiting(2, 1_893_500_000_000)
    assert store.create(with_needs) and store.create(without)
    read = store.get(with_needs.charge_point_id, with_needs.request_id)
    assert read == with_needs
    needs = driver_needs(read)
    assert needs is not None and needs.energy_wh == 24_000
    plain = store.get(without.charge_point_id, without.request_id)
    assert plain == without and driver_needs(plain) is None
