"""The trigger (docs/adr/0051): which events change which EVSE's live state, newest wins and
redelivery writes nothing, and which site is queued; MeterValues and chargers at no managed
site queue nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.adapters.memory.site_loads import MemorySiteLoadStore
from shared.adapters.memory.site_queue import MemorySiteQueue
from shared.load_management.sites import model_document
from shared.load_management.trigger import BOOTED_AT_MS, NEEDS_AT_MS, SiteTrigger
from shared.smart_charging.site import Evse, EvseLive, Node, PhaseCurrents, Site
from shared.timeutil import to_epoch_ms

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
SITE = Site(
    id="DEPOT",
    nodes=(Node("grid", max_current=PhaseCurrents.uniform(32)),),
    evses=(
        Evse("a1", "grid", "CP-A", 1),
        Evse("a2", "grid", "CP-A", 2),
        Evse("b1", "grid", "CP-B", 1),
    ),
)


class Owners:
    """The locations' charger claims: charger -> location."""

    def __init__(self, owners: dict[str, str]) -> None:
        self.owners = owners
        self.reads = 0

    def owner_of(self, charge_point_id: str) -> str | None:
        self.reads += 1
        return self.owners.get(charge_point_id)


def setup(with_model: bool = True) -> tuple[SiteTrigger, MemorySiteLoadStore, MemorySiteQueue]:
    store = MemorySiteLoadStore()
    if with_model:
        store.put_model("DEPOT", model_document(SITE), None, "2030-01-01T00:00:00Z")
    queue = MemorySiteQueue()
    owners = Owners({"CP-A": "DEPOT", "CP-B": "DEPOT", "CP-X": "ELSEWHERE"})
    trigger = SiteTrigger(store, owners, queue, now=lambda: T0)  # type: ignore[arg-type]
    return trigger, store, queue


def live(store: MemorySiteLoadStore, cp: str, n: int) -> EvseLive:
    return EvseLive.from_dict(store.live["DEPOT"][(cp, n)].live)


def started(cp: str = "CP-A", evse: int = 1) -> dict[str, object]:
    return {"chargePointId": cp, "evseId": evse, "connectorId": 1, "startedAt": T0.isoformat()}


def test_a_session_start_marks_its_evse_in_session_and_queues_the_site() -> None:
    trigger, store, queue = setup()
    result = trigger.handle("TransactionStarted", T0, started())
    assert result.outcome == "queued" and result.written == (("CP-A", 1),)
    assert live(store, "CP-A", 1).session_active
    assert live(store, "CP-A", 1).session_started_at == T0
    assert ("CP-A", 2) not in store.live["DEPOT"]
    assert queue.take() == ["DEPOT"]


def test_a_16_connector_id_names_the_evse() -> None:
    trigger, store, _ = setup()
    detail = {"chargePointId": "CP-B", "evseId": None, "connectorId": 1}
    trigger.handle("TransactionStarted", T0, detail)
    assert live(store, "CP-B", 1).session_active


def test_redelivery_writes_nothing_and_an_older_event_changes_nothing() -> None:
    trigger, store, queue = setup()
    trigger.handle("TransactionStarted", T0, started())
    stop_at = T0 + timedelta(minutes=30)
    trigger.handle("TransactionStopped", stop_at, started())
    assert trigger.handle("TransactionStopped", stop_at, started()).written == ()
    # the start delivered again, late: the stop stays
    assert trigger.handle("TransactionStarted", T0, started()).written == ()
    assert not live(store, "CP-A", 1).session_active
    assert store.live["DEPOT"][("CP-A", 1)].event_at_ms == to_epoch_ms(stop_at)
    assert set(queue.take()) == {"DEPOT"}


def test_a_disconnect_makes_every_evse_of_the_charger_unresponsive() -> None:
    trigger, store, _ = setup()
    result = trigger.handle("ChargerDisconnected", T0, {"chargePointId": "CP-A"})
    assert set(result.written) == {("CP-A", 1), ("CP-A", 2)}
    assert not live(store, "CP-A", 1).responsive and not live(store, "CP-A", 2).responsive
    assert ("CP-B", 1) not in store.live["DEPOT"]
    trigger.handle("ChargerConnected", T0 + timedelta(seconds=40), {"chargePointId": "CP-A"})
    assert live(store, "CP-A", 1).responsive


def test_an_accepted_boot_asks_for_the_fallback_layer_again() -> None:
    trigger, store, _ = setup()
    trigger.handle("TransactionStarted", T0, started())
    boot_at = T0 + timedelta(minutes=1)
    trigger.handle(
        "ChargerBooted", boot_at, {"chargePointId": "CP-A", "registrationStatus": "Accepted"}
    )
    stored = store.live["DEPOT"][("CP-A", 1)].live
    assert stored[BOOTED_AT_MS] == to_epoch_ms(boot_at)
    assert stored["sessionActive"]  # the boot keeps what it does not say
    # a later event of another kind keeps the boot's mark
    trigger.handle("TransactionStopped", boot_at + timedelta(seconds=5), started())
    assert store.live["DEPOT"][("CP-A", 1)].live[BOOTED_AT_MS] == to_epoch_ms(boot_at)
    pending = {"chargePointId": "CP-B", "registrationStatus": "Pending"}
    assert trigger.handle("ChargerBooted", boot_at, pending).written == ()


def test_an_evse_out_of_service_and_control_alerts_queue_the_site_without_a_write() -> None:
    trigger, store, queue = setup()
    faulted = {"chargePointId": "CP-A", "evseId": 1, "status": "Faulted"}
    assert trigger.handle("ConnectorStatusChanged", T0, faulted).outcome == "queued"
    for kind in ("EvseControlLost", "ChargingLimitChanged"):
        result = trigger.handle(kind, T0, {"chargePointId": "CP-A", "evseId": 1})
        assert result.outcome == "queued" and result.written == ()
    assert store.live.get("DEPOT", {}) == {}
    assert queue.take() == ["DEPOT"]


def test_statuses_that_follow_sessions_queue_nothing() -> None:
    trigger, _, queue = setup()
    for status in ("Available", "Preparing", "Charging", "SuspendedEV", "Finishing"):
        detail = {"chargePointId": "CP-A", "evseId": 1, "status": status}
        assert trigger.handle("ConnectorStatusChanged", T0, detail).outcome == "ignored"
    assert queue.take() == []


def test_meter_values_never_trigger() -> None:
    trigger, _, queue = setup()
    result = trigger.handle("MeterValuesReceived", T0, {"chargePointId": "CP-A", "evseId": 1})
    assert result.outcome == "ignored" and queue.take() == []


def test_a_charger_at_no_managed_site_costs_one_read_and_queues_nothing() -> None:
    trigger, store, queue = setup()
    assert trigger.handle("TransactionStarted", T0, started("CP-Z")).outcome == "no_site"
    assert trigger.locations.reads == 1  # type: ignore[attr-defined]
    assert trigger.handle("TransactionStarted", T0, started("CP-X")).outcome == "no_site"
    assert queue.take() == [] and store.live == {}


def test_site_events_queue_the_site_they_name() -> None:
    trigger, _, queue = setup(with_model=False)
    assert trigger.handle("SiteModelChanged", T0, {"siteId": "DEPOT"}).outcome == "queued"
    assert trigger.handle("GridLimitChanged", T0, {"siteId": "DEPOT"}).outcome == "queued"
    assert trigger.handle("GridLimitChanged", T0, {"siteId": ""}).outcome == "ignored"
    # what the grid feed publishes: the location, no charger (docs/adr/0052)
    detail = {"chargePointId": "", "locationId": "DEPOT", "limited": True}
    assert trigger.handle("GridLimitChanged", T0, detail).outcome == "queued"
    assert queue.take() == ["DEPOT"]  # one window: one allocation


def test_the_session_keeps_its_transaction_id_until_it_stops() -> None:
    from shared.load_management.trigger import TRANSACTION_ID

    trigger, store, _ = setup()
    trigger.handle("TransactionStarted", T0, {**started(), "transactionId": "T-9"})
    assert store.live["DEPOT"][("CP-A", 1)].live[TRANSACTION_ID] == "T-9"
    trigger.handle("TransactionStopped", T0 + timedelta(minutes=1), started())
    assert store.live["DEPOT"][("CP-A", 1)].live[TRANSACTION_ID] is None


def test_wake_ups_that_are_due_queue_their_site_and_early_ones_go_on() -> None:
    import json

    from shared.load_management.trigger import forward_wake_ups
    from shared.ports.site_queue import WakeUp

    queue = MemorySiteQueue()
    due = WakeUp("DEPOT", T0).to_dict()
    later = WakeUp("OTHER", T0 + timedelta(hours=2)).to_dict()
    records = [
        {"messageId": "1", "body": json.dumps(due)},
        {"messageId": "2", "body": json.dumps(later)},
        {"messageId": "3", "body": "{}"},
    ]
    assert forward_wake_ups(records, queue, T0) == []
    assert queue.take() == ["DEPOT"]
    assert [w.site_id for w in queue.wake_ups] == ["OTHER"]


def test_needs_promised_a_schedule_mark_their_evse_and_refused_ones_do_not() -> None:
    trigger, store, queue = setup()
    at = T0 + timedelta(minutes=1)
    refused = {"chargePointId": "CP-A", "evseId": 2, "answer": "Rejected"}
    trigger.handle("EVChargingNeedsReceived", at, refused)
    assert ("CP-A", 2) not in store.live.get("DEPOT", {})
    accepted = {"chargePointId": "CP-A", "evseId": 1, "answer": "Accepted"}
    result = trigger.handle("EVChargingNeedsReceived", at, accepted)
    assert result.written == (("CP-A", 1),)
    assert store.live["DEPOT"][("CP-A", 1)].live[NEEDS_AT_MS] == to_epoch_ms(at)
    assert queue.take() == ["DEPOT"]  # both in one debounce window: one allocation
