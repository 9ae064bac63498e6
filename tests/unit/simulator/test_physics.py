"""The car model: what a car draws under a limit, tapering, 1-phase cars, latency, and the
meter reporting it (simulator/physics.py, simulator/meter.py)."""

import asyncio
import math
from typing import Any

import pytest

from simulator import Backoff, SimulatedCharger
from simulator.meter import ConnectorMeter
from simulator.physics import Car, ChargingCar
from simulator.protocols import profile_for
from tests.unit.simulator.schemas import assert_valid_request
from tests.unit.simulator.scripted_csms import ScriptedCsms, TransactionResponder, async_test

CAR = Car(battery_wh=60_000, max_current_a=16, phases=3, taper_from_soc=0.8, end_current_a=2)


def test_the_draw_is_the_least_of_the_car_the_limit_and_the_hardware():
    assert CAR.drawn_a(0.5, None, 32) == 16
    assert CAR.drawn_a(0.5, 10, 32) == 10
    assert CAR.drawn_a(0.5, None, 13) == 13
    # Below the IEC minimum the car pauses rather than draw a little.
    assert CAR.drawn_a(0.5, 5.9, 32) == 0
    assert CAR.drawn_a(0.5, 0, 32) == 0


def test_the_car_tapers_above_its_threshold_and_stops_at_its_target():
    assert CAR.acceptance_a(0.8) == 16
    assert CAR.acceptance_a(0.9) == pytest.approx(9)  # halfway from 16 A to 2 A
    assert CAR.acceptance_a(1.0) == 0
    limited = Car(target_soc=0.7)
    assert limited.acceptance_a(0.7) == 0
    soc, energy = limited.charge(0.69, None, 32, 3600)
    assert soc == pytest.approx(0.7)
    assert energy == pytest.approx(0.01 * 60_000)


def test_charging_under_a_binding_limit_is_linear():
    soc, energy = CAR.charge(0.2, 10, 32, 3600)
    assert energy == pytest.approx(3 * 230 * 10)  # 6.9 kWh in an hour at 10 A
    assert soc == pytest.approx(0.2 + 6_900 / 60_000)


def test_the_exact_integration_matches_small_steps_through_the_taper():
    soc_exact, energy_exact = CAR.charge(0.75, 12, 32, 7200)
    soc, energy = 0.75, 0.0
    for _ in range(72_000):
        drawn = CAR.drawn_a(soc, 12, 32)
        step = drawn * 3 * 230 * 0.1 / 3600
        energy += step
        soc += step / 60_000
    assert soc_exact == pytest.approx(soc, abs=1e-4)
    assert energy_exact == pytest.approx(energy, rel=1e-3)
    assert CAR.charge(soc_exact, 12, 32, 1)[0] >= soc_exact


def test_seconds_to_target_agrees_with_charge():
    seconds = CAR.seconds_to_target(0.5, 16, 32)
    assert math.isfinite(seconds)
    assert CAR.charge(0.5, 16, 32, seconds)[0] == pytest.approx(1.0)
    assert CAR.charge(0.5, 16, 32, seconds * 0.99)[0] < 1.0
    assert CAR.seconds_to_target(0.5, 3, 32) == math.inf


def test_a_new_limit_is_obeyed_only_after_the_latency():
    car = ChargingCar(CAR, 0.2, hardware_max_a=32, latency_s=5)
    car.advance(0)
    car.accept_limit(0, None)
    car.accept_limit(100, 8)
    assert car.phase_currents(104.9) == (16, 16, 16)
    assert car.phase_currents(105) == (8, 8, 8)
    energy = car.advance(205)
    assert energy == pytest.approx(3 * 230 * (16 * 105 + 8 * 100) / 3600)


def test_a_one_phase_car_draws_on_the_first_phase_only():
    car = ChargingCar(Car(phases=1, max_current_a=32), 0.3, hardware_max_a=32)
    car.advance(0)
    assert car.phase_currents(0) == (32, 0, 0)


def test_bad_cars_are_refused_with_every_reason():
    with pytest.raises(ValueError, match=r"phases.*target_soc"):
        Car(phases=4, target_soc=0)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
def test_the_meter_reports_what_the_car_draws_under_the_profile(protocol):
    clock = Clock()
    limit: list[float | None] = [None]
    meter = ConnectorMeter(
        1000.0,
        power_w=22_080,  # 32 A on three phases
        dc=False,
        clock=clock,
        car=Car(phases=1, max_current_a=20),
        start_soc=0.2,
        limit=lambda: limit[0],
        latency_s=2,
    )
    meter.start()
    sample = meter.sample()
    assert sample.phase_currents == (20, 0, 0)
    assert sample.power_w == pytest.approx(20 * 230)
    limit[0] = 10.0
    meter.observe_limit()  # the charger accepted a profile
    clock.now += 1
    assert meter.sample().phase_currents == (20, 0, 0)
    clock.now += 1
    assert meter.sample().phase_currents == (10, 0, 0)
    clock.now += 3600
    meter.stop()
    assert meter.register_wh == pytest.approx(1000 + 230 * (20 * 2 + 10 * 3600) / 3600)
    meter.start()
    clock.now += 1
    where: dict[str, Any] = {"connectorId": 1} if protocol == "ocpp1.6" else {"evseId": 1}
    payload = {**where, "meterValue": [profile_for(protocol).meter_value(meter.sample())]}
    assert_valid_request(protocol, "MeterValues", payload)
    currents = [
        (v.get("phase"), float(v["value"]))
        for v in payload["meterValue"][0]["sampledValue"]
        if v["measurand"] == "Current.Import"
    ]
    assert currents == [("L1", 10.0), ("L2", 0.0), ("L3", 0.0)]


def test_without_a_car_model_the_meter_draws_its_power_as_before():
    clock = Clock()
    meter = ConnectorMeter(0.0, power_w=11_040, dc=False, clock=clock)
    meter.start()
    assert meter.sample().phase_currents is None
    assert meter.sample().current_a == pytest.approx(16)


@async_test
async def test_a_simulated_charger_obeys_the_profile_it_accepted_after_its_latency():
    profile = {
        "chargingProfileId": 7,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10}],
        },
    }
    async with ScriptedCsms(responder=TransactionResponder()) as csms:
        cp = SimulatedCharger(
            csms.url,
            "CP-1",
            power_kw=22.08,  # 32 A on three phases
            dc=False,
            car=Car(phases=1, max_current_a=20),
            car_start_soc=0.3,
            limit_latency_s=0.2,
            backoff=Backoff(initial_s=0.01, max_s=0.05),
        )
        async with cp:
            await cp.start_transaction(1, "TAG-1")
            assert cp.meter(1).sample().phase_currents == (20, 0, 0)
            frame = await csms.send_call(
                "CP-1", "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile}
            )
            assert frame[2] == {"status": "Accepted"}
            assert cp.meter(1).sample().phase_currents == (20, 0, 0)  # not obeyed yet
            await asyncio.sleep(0.3)
            reading = cp.meter(1).sample()
    assert reading.phase_currents == (10, 0, 0)
    assert reading.power_w == pytest.approx(2300)
