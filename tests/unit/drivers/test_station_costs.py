"""Cost on a 2.0.1 station (block I) through the real router and the telemetry consumer over
in-memory adapters: the price text at the start (I01), the running cost during the session
(I02, CostUpdated at most once per interval, also under redelivery), the final cost at the end
(I03) equal to what the settlement charges; nothing for a session without a tariff."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord
from shared.ocpp.framing import CallResult
from shared.pricing.station import tariff_text
from tests.fakes import ac_tariff, memory_deps, site
from tests.unit.transactions.helpers import T0, V16, V201, Station, energy_sample_v201, ts

TARIFF = ac_tariff(T0 - timedelta(days=1))
CARD = {"idToken": "CARD-1", "type": "ISO14443"}  # alice's card
FLEET = {"idToken": "FLEET-CARD", "type": "ISO14443"}  # nobody's: not settled, not priced


def make_station(interval_s: int = 300, tariff: str | None = TARIFF.tariff_id) -> Station:
    deps = memory_deps(COST_UPDATE_INTERVAL_S=str(interval_s))
    deps.chargers.create(ChargerRecord("CP1", protocol="ocpp2.0.1", connection_id="conn-1"))
    deps.id_tags.put(IdTagRecord("CARD-1", "Accepted", owner_id="alice"))
    deps.id_tags.put(IdTagRecord("FLEET-CARD", "Accepted"))
    deps.tariffs.add_version(TARIFF)
    assert deps.locations.save(site("SITE-1", {"CP1": 1}, tariff), None).saved
    return Station(deps, V201)


def event(event_type: str, seq: int, minute: float, meter: int | None = None, **extra: Any):
    payload: dict[str, Any] = {
        "eventType": event_type,
        "timestamp": ts(minute),
        "triggerReason": {"Started": "Authorized", "Updated": "MeterValuePeriodic",
                          "Ended": "StopAuthorized"}[event_type],
        "seqNo": seq,
        "transactionInfo": {"transactionId": "tx-1"},
        "evse": {"id": 1, "connectorId": 1},
    }  # fmt: skip
    if meter is not None:
        context = {"Started": "Transaction.Begin", "Updated": "Sample.Periodic",
                   "Ended": "Transaction.End"}[event_type]  # fmt: skip
        payload["meterValue"] = [energy_sample_v201(meter, minute, context)]
    return payload | extra


def reading(station: Station, seq: int, minute: float, meter: int) -> list[Any]:
    """A periodic reading, through the telemetry consumer: the CostUpdated frames it sent."""
    before = len(station.deps.sender.sent)
    station.call("TransactionEvent", event("Updated", seq, minute, meter))
    record = station.deps.telemetry.records[-1]
    failed = station.services.session_progress.apply([(f"r{seq}", record)], T0)
    assert failed == []
    return cost_updates(station)[before:] if before < len(station.deps.sender.sent) else []


def cost_updates(station: Station) -> list[Any]:
    frames = [json.loads(text) for _, text in station.deps.sender.sent]
    return [frame for frame in frames if frame[2] == "CostUpdated"]


def answer(station: Station, frame: list[Any]) -> None:
    """The station answers a CostUpdated (its command slot is free again)."""
    station.services.engine.on_reply("CP1", CallResult(frame[1], {}))


def test_I01_the_started_answer_carries_the_price_text_and_the_session_its_tariff() -> None:
    station = make_station()
    answer_ = station.call("TransactionEvent", event("Started", 0, 0, 10_000, idToken=CARD))
    assert answer_["updatedPersonalMessage"] == {
        "format": "UTF8", "language": "en", "content": tariff_text(TARIFF),
    }  # fmt: skip
    assert answer_["idTokenInfo"]["status"] == "Accepted"
    assert "totalCost" not in answer_
    stored = station.deps.transactions.get("CP1", "tx-1")
    assert (stored.tariff_id, stored.tariff_version) == (TARIFF.tariff_id, TARIFF.version)
    # A resent Started is answered the same.
    again = station.call("TransactionEvent", event("Started", 0, 0, 10_000, idToken=CARD))
    assert again == answer_


def test_I03_the_ended_answer_carries_the_price_the_settlement_charges() -> None:
    station = make_station()
    station.call("TransactionEvent", event("Started", 0, 0, 10_000, idToken=CARD))
    updated = station.call("TransactionEvent", event("Updated", 1, 10, 12_000))
    assert "totalCost" not in updated and "updatedPersonalMessage" not in updated
    ended = event("Ended", 2, 30, 16_537)
    ended["transactionInfo"]["stoppedReason"] = "EVDisconnected"
    final = station.call("TransactionEvent", ended)
    # 0.50 + 6.537 kWh x 0.40 = 3.1148 -> 3.11, 19 % tax 0.59: 3.70.
    assert final["totalCost"] == 3.70
    assert station.call("TransactionEvent", ended)["totalCost"] == 3.70  # a resent Ended
    settled = station.services.settlement.settle("CP1", "tx-1")
    receipt = station.deps.receipts.get("CP1", "tx-1")
    assert settled["total"] == receipt.total_incl_tax == 370
    assert receipt.outcome == "invoice"  # alice has no payment method yet


@pytest.mark.parametrize(("token", "tariff"), [(FLEET, TARIFF.tariff_id), (CARD, None)])
def test_a_session_without_a_tariff_gets_no_cost_fields_and_no_cost_updates(token, tariff) -> None:
    station = make_station(tariff=tariff)
    started = station.call("TransactionEvent", event("Started", 0, 0, 10_000, idToken=token))
    assert set(started) == {"idTokenInfo"}
    assert reading(station, 1, 10, 12_000) == []
    stored = station.deps.transactions.get("CP1", "tx-1")
    assert (stored.tariff_id, stored.cost_updated_at_ms) == (None, None)
    assert station.call("TransactionEvent", event("Ended", 2, 30, 16_500)) == {}


def test_a_session_started_without_a_token_is_not_priced() -> None:
    station = make_station()
    assert station.call("TransactionEvent", event("Started", 0, 0, 10_000)) == {}
    assert station.call("TransactionEvent", event("Ended", 1, 30, 16_500)) == {}


def test_I02_running_cost_at_most_once_per_interval_also_under_redelivery() -> None:
    station = make_station(interval_s=300)
    station.call("TransactionEvent", event("Started", 0, 0, 10_000, idToken=CARD))
    (first,) = reading(station, 1, 1, 11_000)
    # 0.50 + 1 kWh x 0.40 = 0.90, 19 % tax: 1.07.
    assert first[3] == {"totalCost": 1.07, "transactionId": "tx-1"}
    answer(station, first)
    assert reading(station, 2, 3, 12_000) == []  # two minutes later: not yet
    # The same batch delivered again, and the same reading seen by a second consumer.
    record = station.deps.telemetry.records[-1]
    assert station.services.session_progress.apply([("r2", record)], T0) == []
    session = station.deps.transactions.get("CP1", "tx-1")
    cost_updates_ = station.services.session_progress.after_write
    assert cost_updates_ is not None
    assert session is not None
    for _ in range(2):
        cost_updates_(session, T0 + timedelta(minutes=6))
    assert len(cost_updates(station)) == 2  # one more, for both copies
    answer(station, cost_updates(station)[-1])
    (later,) = reading(station, 3, 12, 15_000)
    # 0.50 + 5 kWh x 0.40 = 2.50, 19 % tax: 2.98.
    assert later[3] == {"totalCost": 2.98, "transactionId": "tx-1"}
    stored = station.deps.transactions.get("CP1", "tx-1")
    assert stored.cost_updated_at_ms == int((T0 + timedelta(minutes=12)).timestamp() * 1000)


def test_I02_a_busy_charger_skips_the_update_until_the_next_interval() -> None:
    station = make_station(interval_s=300)
    station.call("TransactionEvent", event("Started", 0, 0, 10_000, idToken=CARD))
    assert len(reading(station, 1, 1, 11_000)) == 1  # not answered: the slot stays taken
    assert reading(station, 2, 7, 12_000) == []
    assert station.deps.transactions.get("CP1", "tx-1").cost_updated_at_ms is not None


def test_I02_no_cost_update_after_the_end_or_when_disabled() -> None:
    station = make_station(interval_s=0)
    assert station.services.session_progress.after_write is None
    station = make_station(interval_s=300)
    station.call("TransactionEvent", event("Started", 0, 0, 10_000, idToken=CARD))
    session = station.deps.transactions.get("CP1", "tx-1")
    assert session is not None
    station.call("TransactionEvent", event("Ended", 1, 30, 16_500))
    after_write = station.services.session_progress.after_write
    assert after_write is not None
    after_write(session, T0 + timedelta(minutes=29))  # a late reading of the running session
    assert cost_updates(station) == []


def test_a_1_6_session_is_told_no_price() -> None:
    station = make_station()
    station.version = V16
    answer_ = station.call("StartTransaction", {
        "connectorId": 1, "idTag": "CARD-1", "meterStart": 0, "timestamp": ts(0),
    })  # fmt: skip
    assert set(answer_) == {"transactionId", "idTagInfo"}


def test_E02_a_drivers_token_after_a_cable_first_start_prices_the_session() -> None:
    station = make_station()
    plugged = event("Started", 0, 0, 10_000, triggerReason="CablePluggedIn")
    assert station.call("TransactionEvent", plugged) == {}
    authorized = event("Updated", 1, 1, 10_000, triggerReason="Authorized", idToken=CARD)
    answer_ = station.call("TransactionEvent", authorized)
    assert answer_["updatedPersonalMessage"]["content"] == tariff_text(TARIFF)
    stored = station.deps.transactions.get("CP1", "tx-1")
    assert stored is not None
    assert (stored.id_tag, stored.tariff_id, stored.tariff_version) == ("CARD-1", "AC-STANDARD", 1)
    (update,) = reading(station, 2, 10, 12_000)
    assert update[3]["transactionId"] == "tx-1"
    final = station.call("TransactionEvent", event("Ended", 3, 30, 16_537))
    station.services.settlement.settle("CP1", "tx-1")
    receipt = station.deps.receipts.get("CP1", "tx-1")
    assert receipt is not None
    assert final["totalCost"] * 100 == receipt.total_incl_tax == 370


def test_E02_a_token_nobody_owns_after_a_cable_first_start_prices_nothing() -> None:
    station = make_station()
    station.call("TransactionEvent", event("Started", 0, 0, 10_000, triggerReason="CablePluggedIn"))
    authorized = event("Updated", 1, 1, 10_000, triggerReason="Authorized", idToken=FLEET)
    assert set(station.call("TransactionEvent", authorized)) == {"idTokenInfo"}
    stored = station.deps.transactions.get("CP1", "tx-1")
    assert stored is not None and stored.tariff_id is None
