"""A whole charging session (statuses, start, meter values, stop) with AWS faults at random
call positions, of random kinds, before or after the call took effect; the charger retries what
was not acknowledged, as chargers do, and the outbox relay runs once at the end.

Whatever the faults: one session, completed with its energy; TransactionStarted and
TransactionStopped published once each (one event id); every connector change published is a
real one and the latest is published; nothing left waiting in any outbox.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.models.charger import ChargerRecord
from shared.ports import SessionFilter
from tests.fault_injection import nth_call_fails
from tests.faults.conftest import Platform
from tests.faults.test_outbox_relay import outbox_index
from tests.faults.test_session_faults import START_16, clients, stop_16

CODES = ("ThrottlingException", "InternalServerError", "ProvisionedThroughputExceededException")
CHARGERS = itertools.count(1)
STATUSES = ("Available", "Preparing", "Charging", "Finishing", "Available")
CHANGES = set(itertools.pairwise((None, *STATUSES)))


@dataclass
class FaultPlan:
    """Fails the AWS calls at the planned positions (1-based, across the clients given)."""

    planned: dict[int, tuple[bool, str]]
    seen: int = 0
    failed: list[str] = field(default_factory=list)

    def _fail(self, model: Any, after: bool) -> None:
        plan = self.planned.get(self.seen)
        if plan is not None and plan[0] == after:
            self.failed.append(f"{model.name}@{self.seen}{' after' if after else ''}")
            raise ClientError({"Error": {"Code": plan[1], "Message": "injected"}}, model.name)

    def before(self, model: Any, **_: Any) -> None:
        self.seen += 1
        self._fail(model, after=False)

    def after_call(self, model: Any, **_: Any) -> None:
        self._fail(model, after=True)


def status(value: str) -> dict[str, Any]:
    return {"connectorId": 1, "errorCode": "NoError", "status": value}


def deliver(platform: Platform, action: str, payload: dict[str, Any]) -> list[Any]:
    """Send until acknowledged: a charger retries a CALL that got InternalError."""
    for _ in range(12):
        frame = platform.send(action, payload)
        if frame[0] == 3:
            return frame
        assert frame[2] == "InternalError", frame
    raise AssertionError(f"{action} never acknowledged")


def waiting(platform: Platform, table: str) -> list[dict[str, Any]]:
    return [
        item
        for item in outbox_index(platform, table)
        if item["chargePointId"]["S"] == platform.charge_point_id
    ]


def published(platform: Platform, detail_type: str) -> list[dict[str, Any]]:
    return [
        detail
        for detail in platform.published.of_type(detail_type)
        if detail["chargePointId"] == platform.charge_point_id
    ]


faults = st.dictionaries(
    st.integers(min_value=1, max_value=40),
    st.tuples(st.booleans(), st.sampled_from(CODES)),
    max_size=5,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(planned=faults)
def test_a_session_with_faults_anywhere_is_stored_and_published_once(
    platform: Platform, planned: dict[int, tuple[bool, str]]
) -> None:
    # Each example on a charger of its own: moto's tables are shared by the examples.
    platform.charge_point_id = f"CP-R{next(CHARGERS)}"
    platform.services.deps.chargers.create(ChargerRecord(platform.charge_point_id))
    plan = FaultPlan(planned)
    with nth_call_fails(clients(platform), plan):
        deliver(platform, "StatusNotification", status("Available"))
        deliver(platform, "StatusNotification", status("Preparing"))
        tx = deliver(platform, "StartTransaction", START_16)[2]["transactionId"]
        deliver(platform, "StatusNotification", status("Charging"))
        deliver(platform, "StopTransaction", stop_16(tx))
        deliver(platform, "StatusNotification", status("Finishing"))
        deliver(platform, "StatusNotification", status("Available"))
    platform.relay()

    settings_ = platform.services.settings
    sessions = platform.services.deps.transactions.by_charger(
        platform.charge_point_id, SessionFilter(), 10, None
    ).items
    assert [(s.transaction_id, s.status, s.energy_wh) for s in sessions] == [
        (str(tx), "completed", 5000)
    ], plan.failed
    for detail_type in ("TransactionStarted", "TransactionStopped"):
        ids = {e["eventId"] for e in published(platform, detail_type)}
        assert len(ids) == 1, (detail_type, plan.failed)
    changes = published(platform, "ConnectorStatusChanged")
    pairs = {(c["previousStatus"], c["status"]) for c in changes}
    # A change held back and overtaken by the next one is published as that next one.
    assert pairs <= CHANGES, plan.failed
    assert ("Finishing", "Available") in pairs, plan.failed
    assert len({c["eventId"] for c in changes}) == len(pairs), plan.failed
    for table in (
        settings_.transactions_table,
        settings_.connectors_table,
        settings_.commands_table,
    ):
        assert waiting(platform, table) == [], (table, plan.failed)
        unpublished = [
            item
            for item in platform.client("dynamodb").scan(TableName=table)["Items"]
            if item["chargePointId"]["S"] == platform.charge_point_id and "unpublished" in item
        ]
        assert unpublished == [], (table, plan.failed)
