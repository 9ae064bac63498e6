"""Whole charging sessions against the scripted CSMS, message by message."""

import asyncio
from typing import Any

import pytest

from simulator import SimulatedCharger, SimulatorError
from tests.unit.simulator.schemas import assert_valid_request
from tests.unit.simulator.scripted_csms import (
    Received,
    Reply,
    ScriptedCsms,
    TransactionResponder,
    async_test,
)

# An hour of charging per real second, so short sessions move the register by kWh.
FAST_METER: dict[str, Any] = {"time_scale": 3600}


def assert_all_valid(protocol: str, calls: list[Received]) -> None:
    for call in calls:
        assert call.action is not None
        assert_valid_request(protocol, call.action, call.payload)


def after_boot(csms: ScriptedCsms) -> list[Received]:
    return [c for c in csms.calls() if c.action != "BootNotification"]


def energy_of(meter_value: dict[str, Any]) -> float:
    (value,) = [
        v["value"]
        for v in meter_value["sampledValue"]
        if v["measurand"] == "Energy.Active.Import.Register"
    ]
    return float(value)


@async_test
async def test_16_session_sends_the_whole_sequence_with_the_csms_transaction_id():
    async with (
        ScriptedCsms(responder=TransactionResponder(next_id=4242)) as csms,
        SimulatedCharger(csms.url, "CP-1", **FAST_METER) as cp,
    ):
        await cp.boot()
        register_before = int(cp.meter(1).register_wh)
        result = await cp.run_session(1, "TAG-1", duration_s=0.3, meter_interval_s=0.05)

    calls = after_boot(csms)
    assert_all_valid("ocpp1.6", calls)
    actions = [c.action for c in calls]
    assert actions[:4] == [
        "StatusNotification",
        "Authorize",
        "StartTransaction",
        "StatusNotification",
    ]
    assert actions[-3:] == ["StopTransaction", "StatusNotification", "StatusNotification"]
    meter_values = [c.payload for c in calls[4:-3]]
    assert len(meter_values) >= 3
    assert {c.action for c in calls[4:-3]} == {"MeterValues"}
    assert [c.payload["status"] for c in csms.calls("StatusNotification")] == [
        "Preparing",
        "Charging",
        "Finishing",
        "Available",
    ]
    assert calls[1].payload == {"idTag": "TAG-1"}

    start = calls[2].payload
    assert (start["connectorId"], start["idTag"]) == (1, "TAG-1")
    assert start["meterStart"] == register_before == result.meter_start_wh

    # Every later message carries the id the CSMS assigned.
    assert {p["transactionId"] for p in meter_values} == {4242}
    assert {p["connectorId"] for p in meter_values} == {1}
    readings = [energy_of(p["meterValue"][0]) for p in meter_values]
    assert readings == sorted(readings)
    assert readings[0] > start["meterStart"]
    sampled = meter_values[0]["meterValue"][0]["sampledValue"]
    assert {(v["measurand"], v.get("phase"), v["unit"]) for v in sampled} == {
        ("Energy.Active.Import.Register", None, "Wh"),
        ("Power.Active.Import", None, "W"),
        ("Current.Import", "L1", "A"),
        ("Current.Import", "L2", "A"),
        ("Current.Import", "L3", "A"),
        ("Voltage", "L1-N", "V"),
        ("Voltage", "L2-N", "V"),
        ("Voltage", "L3-N", "V"),
    }
    assert {v["context"] for v in sampled} == {"Sample.Periodic"}
    power = next(v for v in sampled if v["measurand"] == "Power.Active.Import")
    assert power["value"] == "11000"

    stop = calls[-3].payload
    assert stop["transactionId"] == 4242
    assert (stop["reason"], stop["idTag"]) == ("Local", "TAG-1")
    assert stop["meterStop"] == result.meter_stop_wh
    assert stop["meterStop"] >= readings[-1]
    (final,) = stop["transactionData"]
    assert energy_of(final) == stop["meterStop"]
    assert {v["context"] for v in final["sampledValue"]} == {"Transaction.End"}

    assert result.outcome == "Completed"
    assert result.transaction_id == 4242
    assert result.energy_wh == stop["meterStop"] - start["meterStart"] > 0
    assert result.actions == actions
    assert [m.response for m in result.messages][2] == {
        "transactionId": 4242,
        "idTagInfo": {"status": "Accepted"},
    }
    totals = cp.stats.session_totals()
    assert (totals.sessions_started, totals.sessions_completed, totals.sessions_failed) == (1, 1, 0)
    assert (totals.transactions_started, totals.transactions_stopped) == (1, 1)
    assert totals.energy_kwh == pytest.approx(result.energy_wh / 1000, abs=0.001)
    assert cp.stats.errors == {}
    assert cp.transactions == {}
    assert len(cp.offline_queue) == 0


@async_test
async def test_201_session_numbers_its_events_under_one_transaction_id():
    async with (
        ScriptedCsms(responder=TransactionResponder()) as csms,
        SimulatedCharger(csms.url, "CP-1", protocol="ocpp2.0.1", power_kw=50, **FAST_METER) as cp,
    ):
        await cp.boot()
        result = await cp.run_session(1, "TAG-1", duration_s=0.3, meter_interval_s=0.05)

    calls = after_boot(csms)
    assert_all_valid("ocpp2.0.1", calls)
    actions = [c.action for c in calls]
    assert actions[:2] == ["StatusNotification", "Authorize"]
    assert actions[-1] == "StatusNotification"
    assert [c.payload["connectorStatus"] for c in csms.calls("StatusNotification")] == [
        "Occupied",
        "Available",
    ]
    assert calls[1].payload == {"idToken": {"idToken": "TAG-1", "type": "ISO14443"}}

    events = [c.payload for c in csms.calls("TransactionEvent")]
    assert len(events) >= 5
    assert [e["seqNo"] for e in events] == list(range(len(events)))
    assert [e["eventType"] for e in events] == ["Started"] + ["Updated"] * (len(events) - 2) + [
        "Ended"
    ]
    assert {e["transactionInfo"]["transactionId"] for e in events} == {result.transaction_id}
    assert all("offline" not in e for e in events)

    started, ended = events[0], events[-1]
    assert started["triggerReason"] == "Authorized"
    assert started["evse"] == {"id": 1, "connectorId": 1}
    assert started["idToken"] == {"idToken": "TAG-1", "type": "ISO14443"}
    assert started["transactionInfo"]["chargingState"] == "Charging"
    assert {e["triggerReason"] for e in events[1:-1]} == {"MeterValuePeriodic"}
    assert ended["triggerReason"] == "StopAuthorized"
    assert ended["transactionInfo"]["stoppedReason"] == "Local"

    contexts = [{v["context"] for v in e["meterValue"][0]["sampledValue"]} for e in events]
    assert contexts[0] == {"Transaction.Begin"}
    assert all(c == {"Sample.Periodic"} for c in contexts[1:-1])
    assert contexts[-1] == {"Transaction.End"}
    readings = [energy_of(e["meterValue"][0]) for e in events]
    assert readings == sorted(readings)
    assert (readings[0], readings[-1]) == (result.meter_start_wh, result.meter_stop_wh)
    # A 50 kW charger is a DC charger: one current, one voltage, and the car's SoC.
    sampled = events[1]["meterValue"][0]["sampledValue"]
    assert {v["measurand"] for v in sampled} == {
        "Energy.Active.Import.Register",
        "Power.Active.Import",
        "Current.Import",
        "Voltage",
        "SoC",
    }
    assert all(isinstance(v["value"], int | float) for v in sampled)
    assert result.outcome == "Completed"
    assert cp.stats.session_totals().transactions_stopped == 1
    assert cp.stats.errors == {}


@async_test
async def test_the_meter_register_only_grows_across_sessions_and_per_connector():
    async with (
        ScriptedCsms(responder=TransactionResponder()) as csms,
        SimulatedCharger(csms.url, "CP-1", connectors=2, **FAST_METER) as cp,
    ):
        await cp.boot()
        connector_2_before = int(cp.meter(2).register_wh)

        async def twice_on_connector_1():
            first = await cp.run_session(1, "TAG-A", 0.15, 0.05)
            await asyncio.sleep(0.05)  # idle: the register must not move
            second = await cp.run_session(1, "TAG-A", 0.15, 0.05)
            return first, second

        (first, second), other = await asyncio.gather(
            twice_on_connector_1(), cp.run_session(2, "TAG-B", 0.2, 0.05)
        )

    assert_all_valid("ocpp1.6", csms.calls())
    assert second.meter_start_wh == first.meter_stop_wh
    assert first.energy_wh > 0
    assert second.energy_wh > 0
    assert other.meter_start_wh == connector_2_before
    readings_1 = []
    for call in csms.calls():
        payload = call.payload
        if call.action == "StartTransaction" and payload["connectorId"] == 1:
            readings_1.append(payload["meterStart"])
        elif call.action == "MeterValues" and payload["connectorId"] == 1:
            readings_1.append(energy_of(payload["meterValue"][0]))
        elif call.action == "StopTransaction" and payload["transactionId"] in (
            first.transaction_id,
            second.transaction_id,
        ):
            readings_1.append(payload["meterStop"])
    assert len(readings_1) >= 6
    assert readings_1 == sorted(readings_1)
    assert len({first.transaction_id, second.transaction_id, other.transaction_id}) == 3


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
@async_test
async def test_a_rejected_id_tag_starts_no_transaction(protocol):
    async with (
        ScriptedCsms(responder=TransactionResponder(invalid_tags={"BAD"})) as csms,
        SimulatedCharger(csms.url, "CP-1", protocol=protocol) as cp,
    ):
        await cp.boot()
        result = await cp.run_session(1, "BAD", 0.2, 0.05)

    assert [c.action for c in after_boot(csms)] == [
        "StatusNotification",
        "Authorize",
        "StatusNotification",
    ]
    assert result.outcome == "Rejected"
    assert result.authorization == "Invalid"
    assert result.transaction_id is None
    assert result.energy_wh == 0
    totals = cp.stats.session_totals()
    assert (totals.sessions_failed, totals.id_tag_rejections, totals.transactions_started) == (
        1,
        1,
        0,
    )
    assert cp.transaction_on(1) is None
    assert not cp.meter(1).charging
    # The summary says why: the status the CSMS refused the session with.
    assert totals.refused == {"Invalid": 1}
    assert cp.connector_status[1] == "Available"


@async_test
async def test_16_start_answered_blocked_is_stopped_at_once_as_deauthorized():
    async with (
        ScriptedCsms(responder=TransactionResponder(blocked_tags={"BLK"}, next_id=9)) as csms,
        SimulatedCharger(csms.url, "CP-1") as cp,
    ):
        await cp.boot()
        result = await cp.run_session(1, "BLK", 0.3, 0.05)

    calls = after_boot(csms)
    assert_all_valid("ocpp1.6", calls)
    assert [c.action for c in calls] == [
        "StatusNotification",
        "Authorize",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
        "StatusNotification",
        "StatusNotification",
    ]
    stop = csms.calls("StopTransaction")[0].payload
    assert (stop["transactionId"], stop["reason"]) == (9, "DeAuthorized")
    assert result.outcome == "DeAuthorized"
    assert result.stop_reason == "DeAuthorized"
    totals = cp.stats.session_totals()
    assert (totals.sessions_failed, totals.deauthorized_stops, totals.id_tag_rejections) == (
        1,
        1,
        1,
    )
    assert (totals.transactions_started, totals.transactions_stopped) == (1, 1)


@async_test
async def test_201_start_answered_blocked_ends_with_deauthorized():
    async with (
        ScriptedCsms(responder=TransactionResponder(blocked_tags={"BLK"})) as csms,
        SimulatedCharger(csms.url, "CP-1", protocol="ocpp2.0.1") as cp,
    ):
        await cp.boot()
        result = await cp.run_session(1, "BLK", 0.3, 0.05)

    events = [c.payload for c in csms.calls("TransactionEvent")]
    assert_all_valid("ocpp2.0.1", csms.calls())
    assert [(e["eventType"], e["seqNo"], e["triggerReason"]) for e in events] == [
        ("Started", 0, "Authorized"),
        ("Ended", 1, "Deauthorized"),
    ]
    assert events[1]["transactionInfo"]["stoppedReason"] == "DeAuthorized"
    assert result.outcome == "DeAuthorized"
    assert cp.stats.session_totals().deauthorized_stops == 1
    assert cp.stats.session_totals().refused == {"Blocked": 1}


@async_test
async def test_a_start_refused_with_callerror_fails_the_session_without_jamming_the_queue():
    responder = TransactionResponder(script={"StartTransaction": [Reply("InternalError")]})
    async with (
        ScriptedCsms(responder=responder) as csms,
        SimulatedCharger(csms.url, "CP-1") as cp,
    ):
        await cp.boot()
        failed = await cp.run_session(1, "TAG-1", 0.1, 0.05)
        assert len(cp.offline_queue) == 0
        assert cp.transaction_on(1) is None
        later = await cp.run_session(1, "TAG-1", 0.1, 0.05)

    assert failed.outcome == "Failed"
    assert [c.action for c in csms.calls()][1:6] == [
        "StatusNotification",
        "Authorize",
        "StartTransaction",
        "StatusNotification",
        "StatusNotification",  # the next session's Preparing: no MeterValues, no stop
    ]
    assert later.completed
    assert later.transaction_id == 1000
    assert cp.stats.errors == {"CallError.InternalError": 1}


@async_test
async def test_sessions_without_authorize_start_right_away():
    async with (
        ScriptedCsms(responder=TransactionResponder()) as csms,
        SimulatedCharger(csms.url, "CP-1", protocol="ocpp2.0.1") as cp,
    ):
        await cp.boot()
        await cp.run_session(1, "TAG-1", 0.05, 0.05, authorize=False)
    assert "Authorize" not in [c.action for c in csms.calls()]
    started = csms.calls("TransactionEvent")[0].payload
    assert started["triggerReason"] == "CablePluggedIn"
    assert started["idToken"]["idToken"] == "TAG-1"


@async_test
async def test_a_stop_event_ends_the_session_early_with_a_proper_stop():
    async with (
        ScriptedCsms(responder=TransactionResponder()) as csms,
        SimulatedCharger(csms.url, "CP-1") as cp,
    ):
        await cp.boot()
        stop = asyncio.Event()
        session = asyncio.create_task(cp.run_session(1, "TAG-1", 60, 0.05, stop=stop))
        await csms.wait_until(lambda: len(csms.calls("MeterValues")) >= 1)
        stop.set()
        result = await asyncio.wait_for(session, 2)
    assert result.completed
    assert csms.calls("StopTransaction")[0].payload["reason"] == "Local"


@async_test
async def test_library_calls_for_the_other_edition_are_refused():
    async with ScriptedCsms() as csms, SimulatedCharger(csms.url, "CP-1") as cp:
        with pytest.raises(SimulatorError, match=r"TransactionEvent does not exist in ocpp1\.6"):
            await cp.transaction_event("Started")
        with pytest.raises(ValueError, match=r"connectors 1\.\.1"):
            await cp.start_transaction(2, "TAG")
    assert csms.calls() == []
