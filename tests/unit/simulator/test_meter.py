from typing import Any

import pytest

from simulator.meter import ConnectorMeter, initial_register_wh, is_dc
from simulator.protocols import profile_for
from tests.unit.simulator.schemas import assert_valid_request


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_register_integrates_power_while_charging_only():
    clock = Clock()
    meter = ConnectorMeter(1000.0, power_w=11_000, dc=False, clock=clock)
    clock.now += 60
    assert meter.register_wh == 1000.0  # idle
    meter.start()
    clock.now += 360  # a tenth of an hour at 11 kW
    assert meter.register_wh == pytest.approx(2100.0)
    meter.start()  # already charging: no restart, no double counting
    clock.now += 360
    meter.stop()
    clock.now += 3600
    assert meter.register_wh == pytest.approx(3200.0)


def test_time_scale_accelerates_the_energy():
    clock = Clock()
    meter = ConnectorMeter(0.0, power_w=11_000, dc=False, time_scale=60, clock=clock)
    meter.start()
    clock.now += 60  # one real minute is an hour of charging
    assert meter.register_wh == pytest.approx(11_000.0)


def test_ac_samples_are_balanced_over_three_phases():
    clock = Clock()
    meter = ConnectorMeter(0.0, power_w=11_040, dc=False, clock=clock)
    assert meter.sample().power_w == 0.0
    meter.start()
    sample = meter.sample("Transaction.Begin")
    assert (sample.power_w, sample.voltage_v, sample.soc_percent) == (11_040, 230.0, None)
    assert sample.current_a == pytest.approx(16.0)
    assert sample.context == "Transaction.Begin"


def test_dc_soc_rises_and_charging_stops_at_a_full_battery():
    clock = Clock()
    meter = ConnectorMeter(0.0, power_w=75_000, dc=True, clock=clock)
    meter.start(soc_percent=50.0)
    clock.now += 1800  # half an hour at 75 kW into a 75 kWh battery: +50 %
    sample = meter.sample()
    assert sample.soc_percent == pytest.approx(100.0)
    assert sample.energy_wh == pytest.approx(37_500.0)
    clock.now += 600
    full = meter.sample()
    assert full.energy_wh == pytest.approx(37_500.0)
    assert full.power_w == 0.0


def test_registers_start_at_a_stable_per_connector_value():
    assert initial_register_wh("CP-1", 1) == initial_register_wh("CP-1", 1)
    assert initial_register_wh("CP-1", 1) != initial_register_wh("CP-1", 2)
    assert 0 <= initial_register_wh("CP-9", 3) < 1_000_000


def test_dc_follows_the_power_unless_given():
    assert not is_dc(22, None)
    assert is_dc(50, None)
    assert is_dc(11, True)


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
@pytest.mark.parametrize("dc", [False, True])
def test_meter_values_of_both_kinds_match_the_official_schema(protocol, dc):
    meter = ConnectorMeter(123.0, power_w=50_000, dc=dc)
    meter.start(soc_percent=30.0)
    profile = profile_for(protocol)
    payload: dict[str, Any] = {
        "connectorId": 1,
        "meterValue": [profile.meter_value(meter.sample())],
    }
    if protocol == "ocpp2.0.1":
        payload = {"evseId": 1, "meterValue": payload["meterValue"]}
    assert_valid_request(protocol, "MeterValues", payload)
    measurands = {v["measurand"] for v in payload["meterValue"][0]["sampledValue"]}
    assert ("SoC" in measurands) is dc
