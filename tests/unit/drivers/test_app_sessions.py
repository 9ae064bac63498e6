"""A driver's session from the app to the receipt, in-process over the in-memory adapters and
the fake payment provider: the hold, the remote start, the sweep, the settlement, and every
path on which a hold must be released or a driver must not be charged twice."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.drivers.sessions import app_token
from shared.models.connection import ConnectorStatus
from shared.models.tariff import PriceComponent, TariffElement
from shared.models.transaction import IdTagRecord, TransactionRecord
from shared.ports.payments import PaymentProviderUnavailable
from shared.timeutil import iso_utc, to_epoch_ms
from tests.fakes import (
    Clock,
    MemoryServices,
    ac_tariff,
    memory_deps,
    memory_services,
    online_charger,
    site,
)
from tests.unit.api.driver_client import DriverClient, drivers

START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
# 0.40 EUR per kWh and a 0.50 EUR session fee, 19 % tax.
TARIFF = ac_tariff(START - timedelta(days=1))


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def services(clock) -> MemoryServices:
    deps = memory_deps()
    services = memory_services(deps, now=clock)
    assert deps.locations.save(site("SITE-1", {"CP-1": 1}, TARIFF.tariff_id), None).saved
    services.engine.clock_ms = lambda: to_epoch_ms(clock.now)  # command deadlines, too
    deps.tariffs.add_version(TARIFF)
    online_charger(deps, "CP-1")
    return services


@pytest.fixture
def alice(services) -> DriverClient:
    client = drivers(services, "alice-sub")[0]
    setup = client.post("/driver/payment-methods/setup").body
    services.deps.payments.add_payment_method(setup["customerId"], "pm_card_visa")
    return client


def sent_calls(services) -> list[list[Any]]:
    return [json.loads(text) for _, text in services.deps.sender.sent]


def start(alice: DriverClient):
    return alice.post("/driver/sessions", {"chargePointId": "CP-1", "connectorId": 1})


def only_request(services):
    (request,) = services.deps.start_requests.records.values()
    return request


def charger_starts(services, energy_wh: int | None = None, minutes: int = 30, **fields):
    """The charger starts (and, with energy, stops) the session with the driver's app token."""
    started = START + timedelta(minutes=1)
    fields.setdefault("id_tag", app_token("alice-sub"))
    record = TransactionRecord(
        charge_point_id="CP-1", transaction_id="17", status="active", protocol="ocpp1.6",
        connector_id=1, meter_start_wh=1000,
        started_at=iso_utc(started), started_at_ms=to_epoch_ms(started), **fields,
    )  # fmt: skip
    if energy_wh is not None:
        stopped = started + timedelta(minutes=minutes)
        record = replace(
            record, status="completed", meter_stop_wh=1000 + energy_wh, energy_wh=energy_wh,
            stopped_at=iso_utc(stopped), stopped_at_ms=to_epoch_ms(stopped),
            duration_s=minutes * 60, stop_reason="Local",
        )  # fmt: skip
    services.deps.transactions.records[("CP-1", "17")] = record
    return record


def intent(services, intent_id):
    return services.deps.payments.get_payment_intent(intent_id)


def test_a_start_holds_the_payment_and_sends_the_remote_start(services, alice) -> None:
    reply = start(alice)
    assert reply.status == 202, reply.body
    assert reply.body["status"] == "sent"
    assert (reply.body["holdMinor"], reply.body["currency"]) == (5000, "EUR")
    request = only_request(services)
    assert request.status == "sent" and request.command_id is not None
    held = intent(services, request.payment_intent_id)
    assert (held.status, held.amount_minor) == ("requires_capture", 5000)
    ((_, _, action, payload),) = sent_calls(services)
    assert action == "RemoteStartTransaction"
    assert payload == {"connectorId": 1, "idTag": app_token("alice-sub")}
    followed = alice.get(reply.headers["Location"]).body
    assert followed["status"] == "sent" and followed["sessionId"] is None


def test_a_declined_card_never_sends_a_start_and_leaves_no_hold(services, alice) -> None:
    services.deps.payments.add_payment_method(
        services.deps.drivers.get("alice-sub").customer_id, "pm_card_chargeDeclined"
    )
    alice.put("/driver/payment-methods/default", {"paymentMethodId": "pm_card_chargeDeclined"})
    reply = start(alice)
    assert reply.status == 402
    assert reply.error["code"] == "PaymentDeclined"
    assert sent_calls(services) == []
    assert only_request(services).status == "declined"
    assert all(
        i.intent.status != "requires_capture" for i in services.deps.payments.intents.values()
    )


def test_a_start_that_cannot_be_sent_releases_its_hold(services, alice) -> None:
    services.deps.sender.gone.add("conn-1")  # the charger's connection is gone
    reply = start(alice)
    assert reply.status == 503
    request = only_request(services)
    assert request.status == "released"
    assert intent(services, request.payment_intent_id).status == "canceled"


def test_a_refused_remote_start_releases_the_hold_at_once(services, alice) -> None:
    start(alice)
    request = only_request(services)
    services.session_starts.command_completed(
        {"chargePointId": "CP-1", "requestedBy": f"start:{request.request_id}",
         "status": "answered", "result": {"status": "Rejected"}}
    )  # fmt: skip
    assert only_request(services).status == "released"
    assert intent(services, request.payment_intent_id).status == "canceled"
    # Delivered again (at least once), it changes nothing.
    services.session_starts.command_completed(
        {"chargePointId": "CP-1", "requestedBy": f"start:{request.request_id}",
         "status": "timeout", "result": None}
    )  # fmt: skip
    assert only_request(services).status == "released"


def test_a_charger_that_never_starts_leaves_no_hold(services, alice, clock) -> None:
    start(alice)
    clock.now = START + timedelta(minutes=4)
    assert services.session_starts.sweep() == 0  # not due yet: the driver may still plug in
    clock.now = START + timedelta(minutes=6)
    assert services.session_starts.sweep() == 1
    request = only_request(services)
    assert (request.status, request.reason) == ("released", "no session started in time")
    assert intent(services, request.payment_intent_id).status == "canceled"
    assert services.deps.start_requests.due(to_epoch_ms(clock.now) + 10**9, 10) == []


def test_a_started_session_is_claimed_then_settled_for_exactly_its_price(
    services, alice, clock
) -> None:
    start(alice)
    charger_starts(services)
    clock.now = START + timedelta(minutes=6)
    services.session_starts.sweep()
    assert only_request(services).status == "claimed"
    session = charger_starts(services, energy_wh=12_345)
    result = services.settlement.settle("CP-1", "17")
    # 0.50 + 12.345 kWh x 0.40 = 0.50 + 4.938 -> 5.44 excl. tax; 19 % tax -> 6.47
    assert result == {"status": "settled", "outcome": "captured", "total": 647}
    request = only_request(services)
    assert (request.status, request.captured_minor) == ("settled", 647)
    captured = intent(services, request.payment_intent_id)
    assert (captured.status, captured.captured_minor) == ("succeeded", 647)
    receipt = services.deps.receipts.get("CP-1", "17")
    assert (receipt.total_excl_tax, receipt.tax, receipt.total_incl_tax) == (544, 103, 647)
    assert receipt.energy_wh == session.energy_wh and receipt.duration_s == 1800
    (event,) = [e for e in services.deps.publisher.events if e.detail_type == "ReceiptIssued"]
    assert event.detail["totalInclTax"] == 647 and event.detail["driverId"] == "alice-sub"
    page = alice.get(f"/driver/sessions/{receipt_id(alice)}/receipt").body
    assert page["totalInclTax"] == 647 and page["outcome"] == "captured"


def test_a_charger_whose_clock_runs_fast_is_settled_against_its_hold(
    services, alice, clock
) -> None:
    """Its session seems to start hours after the request: the platform's own receipt time
    still finds the request, so the hold is captured instead of a second charge."""
    start(alice)
    session = charger_starts(services, energy_wh=12_345)
    fast = timedelta(hours=3)
    services.deps.transactions.records[("CP-1", "17")] = replace(
        session,
        started_at=iso_utc(START + fast),
        started_at_ms=to_epoch_ms(START + fast),
        stopped_at=iso_utc(START + fast + timedelta(minutes=30)),
        stopped_at_ms=to_epoch_ms(START + fast + timedelta(minutes=30)),
        received_at=iso_utc(START + timedelta(minutes=1)),
    )
    result = services.settlement.settle("CP-1", "17")
    assert result == {"status": "settled", "outcome": "captured", "total": 647}
    request = only_request(services)
    assert (request.status, request.captured_minor) == ("settled", 647)
    assert [i.intent.status for i in services.deps.payments.intents.values()] == ["succeeded"]


def receipt_id(alice: DriverClient) -> str:
    (item,) = alice.get("/driver/sessions").body["items"]
    return str(item["sessionId"])


def test_settling_twice_or_at_once_captures_once(services, alice) -> None:
    start(alice)
    charger_starts(services, energy_wh=10_000)
    first = services.settlement.settle("CP-1", "17")
    second = services.settlement.settle("CP-1", "17")
    assert first == second
    request = only_request(services)
    captures = [call for call in services.deps.payments.calls if call[0] == "capture"]
    assert len({key for _, key in captures}) == 1  # one idempotency key: one capture
    assert intent(services, request.payment_intent_id).captured_minor == first["total"]
    assert len(services.deps.receipts.records) == 1


def test_a_price_above_the_hold_captures_the_hold_and_charges_the_rest(services, alice) -> None:
    start(alice)
    charger_starts(services, energy_wh=120_000)  # 48.50 excl. tax: 57.72 with tax
    result = services.settlement.settle("CP-1", "17")
    assert result["outcome"] == "captured" and result["total"] == 5772
    receipt = services.deps.receipts.get("CP-1", "17")
    assert (receipt.paid_minor, receipt.outstanding_minor) == (5772, 0)
    hold, extra = receipt.payment_ids
    assert intent(services, hold).captured_minor == 5000
    assert intent(services, extra).amount_minor == 772


def test_an_empty_session_releases_the_hold(services, alice) -> None:
    tariff = replace(TARIFF, tariff_id="ENERGY-ONLY",
                     elements=(TariffElement((PriceComponent("ENERGY", 40),)),))  # fmt: skip
    services.deps.tariffs.add_version(tariff)
    location = services.deps.locations.get("SITE-1")
    assert services.deps.locations.save(
        replace(location, tariff_ids=("ENERGY-ONLY",), version=location.version + 1), location
    ).saved
    start(alice)
    charger_starts(services, energy_wh=0)
    assert services.settlement.settle("CP-1", "17")["outcome"] == "released"
    assert intent(services, only_request(services).payment_intent_id).status == "canceled"


def test_a_card_session_is_charged_to_the_default_method_or_invoiced(services, alice) -> None:
    alice.post("/driver/cards", {"uid": "04A2B3C4"})
    charger_starts(services, energy_wh=10_000, id_tag="04A2B3C4")
    settled = services.settlement.settle("CP-1", "17")
    assert settled["outcome"] == "charged"
    receipt = services.deps.receipts.get("CP-1", "17")
    (charge,) = receipt.payment_ids
    assert intent(services, charge).amount_minor == receipt.total_incl_tax
    # A driver without a payment method: the price is recorded for an invoice.
    services.deps.id_tags.put(IdTagRecord("0BB0B0B0", "Accepted", owner_id="bob-sub"))
    services.deps.transactions.records[("CP-1", "18")] = replace(
        services.deps.transactions.records[("CP-1", "17")], transaction_id="18", id_tag="0BB0B0B0"
    )
    assert services.settlement.settle("CP-1", "18")["outcome"] == "invoice"
    assert services.deps.receipts.get("CP-1", "18").outstanding_minor == receipt.total_incl_tax


def test_a_late_start_after_the_hold_was_released_is_charged_off_session(
    services, alice, clock
) -> None:
    start(alice)
    clock.now = START + timedelta(minutes=6)
    services.session_starts.sweep()
    assert only_request(services).status == "released"
    charger_starts(services, energy_wh=5_000)  # the car was plugged in after all
    settled = services.settlement.settle("CP-1", "17")
    assert settled["outcome"] == "charged"
    assert only_request(services).status == "settled"


def test_a_session_that_is_not_a_drivers_is_not_settled(services) -> None:
    services.deps.transactions.records[("CP-1", "5")] = replace(
        charger_starts(services, energy_wh=1000), transaction_id="5", id_tag="FLEET-1"
    )
    assert services.settlement.settle("CP-1", "5") == {"status": "not-a-driver-session"}
    assert services.settlement.settle("CP-1", "404") == {"status": "not-settleable"}
    assert services.deps.receipts.records.keys() == set()


def test_the_cost_cap_stops_a_running_session_once(services, alice, clock) -> None:
    start(alice)
    charger_starts(services)
    clock.now = START + timedelta(minutes=6)
    services.session_starts.sweep()  # claimed
    request = only_request(services)
    assert request.status == "claimed" and request.max_power_w == 22_000
    # 50.00 EUR at 0.40/kWh + 0.50 + 19 % tax is ~103 kWh away: ~4.7 h at 22 kW from the
    # start. The sweep looks again just before that, not every five minutes.
    wait = timedelta(milliseconds=request.due_at_ms - to_epoch_ms(clock.now))
    assert (
        timedelta(hours=4, minutes=30)
        < wait + timedelta(minutes=7)
        < timedelta(hours=4, minutes=45)
    )
    clock.now += timedelta(hours=1)
    services.session_starts.sweep()
    assert only_request(services).due_at_ms == request.due_at_ms  # not due: nothing read
    read_at = START + timedelta(hours=5)
    session = services.deps.transactions.records[("CP-1", "17")]
    services.deps.transactions.records[("CP-1", "17")] = replace(
        session,
        last_meter_wh=1000 + 110_000,  # 44.50 excl. -> 52.96 EUR: above the hold
        last_meter_at=iso_utc(read_at),
    )
    clock.now = read_at + timedelta(minutes=1)
    services.session_starts.sweep()
    stops = [c for c in sent_calls(services) if c[2] == "RemoteStopTransaction"]
    assert [c[3] for c in stops] == [{"transactionId": 17}]
    services.deps.commands.slots.clear()
    clock.now += timedelta(minutes=6)
    services.session_starts.sweep()
    assert len([c for c in sent_calls(services) if c[2] == "RemoteStopTransaction"]) == 1


def test_a_slow_session_is_priced_again_later_and_one_without_a_known_power_often(
    services, alice, clock
) -> None:
    """The next cost check follows the energy read so far: a session that drew little in its
    first hours has that much more headroom; without the EVSE's power, every five minutes."""
    start(alice)
    charger_starts(services)
    clock.now = START + timedelta(hours=3)
    session = services.deps.transactions.records[("CP-1", "17")]
    services.deps.transactions.records[("CP-1", "17")] = replace(
        session, last_meter_wh=1000 + 3_000, last_meter_at=iso_utc(clock.now)
    )
    services.session_starts.sweep()
    request = only_request(services)
    assert request.status == "claimed"
    # ~100 kWh of headroom at 22 kW: more than four hours, capped at the longest wait (6 h).
    assert request.due_at_ms - to_epoch_ms(clock.now) > 4 * 3_600_000
    assert request.due_at_ms - to_epoch_ms(clock.now) <= 6 * 3_600_000
    unknown = replace(request, max_power_w=None, due_at_ms=to_epoch_ms(clock.now))
    services.deps.start_requests.records[("CP-1", request.request_id)] = unknown
    services.session_starts.sweep()
    assert only_request(services).due_at_ms == to_epoch_ms(clock.now) + 300_000


def test_a_provider_outage_during_the_hold_fails_the_start_without_a_hold(services, alice) -> None:
    services.deps.payments.fail_next("authorise", PaymentProviderUnavailable("down"))
    reply = start(alice)
    assert reply.status == 503
    assert only_request(services).status == "failed"
    assert sent_calls(services) == []


def test_no_start_without_a_payment_method_a_price_or_a_free_connector(services, clock) -> None:
    (bob,) = drivers(services, "bob-sub")
    assert start(bob).status == 409  # no payment method
    setup = bob.post("/driver/payment-methods/setup").body
    services.deps.payments.add_payment_method(setup["customerId"], "pm_card_visa_bob")
    services.deps.connectors.apply_status(
        ConnectorStatus("CP-1", 1, "Charging", "2030-01-01T11:30:00Z", 1), frozenset()
    )
    busy = start(bob)
    assert busy.status == 409 and "Charging" in busy.error["message"]
    assert bob.post("/driver/sessions", {"chargePointId": "NOPE", "connectorId": 1}).status == 404
    assert services.deps.start_requests.records == {}


def test_two_settlements_at_once_capture_once(services, alice) -> None:
    """The app's stop and the charger's stop make one TransactionStopped, delivered at least
    once: two SettleSession executions may run at the same moment."""
    import threading

    start(alice)
    charger_starts(services, energy_wh=10_000)
    barrier = threading.Barrier(4)
    results: list[dict[str, Any]] = []

    def settle() -> None:
        barrier.wait()
        results.append(services.settlement.settle("CP-1", "17"))

    threads = [threading.Thread(target=settle) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 4 and all(r == results[0] for r in results)
    request = only_request(services)
    held = intent(services, request.payment_intent_id)
    assert held.captured_minor == results[0]["total"]
    assert len(services.deps.receipts.records) == 1
    charges = [i for i in services.deps.payments.intents.values() if i.intent.status == "succeeded"]
    assert len(charges) == 1  # the hold, captured once: no second payment
