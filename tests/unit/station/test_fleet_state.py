"""The console's charger state rule: connector situations -> one state."""

from __future__ import annotations

import pytest

from shared.models.connection import ConnectorStatus
from shared.station.fleet import CHARGER_STATES, charger_state, is_fault


def c16(connector_id: int, status: str, error_code: str = "NoError") -> ConnectorStatus:
    return ConnectorStatus("CP", connector_id, status, "2030-01-01T00:00:00Z", 0, None, error_code)


def c201(evse_id: int, status: str, charging_state: str | None = None) -> ConnectorStatus:
    return ConnectorStatus(
        "CP", 1, status, "2030-01-01T00:00:00Z", 0, evse_id, charging_state=charging_state
    )


CASES = [
    # (situation, online, connectors, state)
    ("offline wins over everything", False, [c16(1, "Faulted")], "offline"),
    ("offline without statuses", False, [], "offline"),
    ("no status yet", True, [], "unknown"),
    ("one available", True, [c16(1, "Available")], "available"),
    (
        "available beside unavailable",
        True,
        [c16(1, "Available"), c16(2, "Unavailable")],
        "available",
    ),
    ("all unavailable", True, [c16(1, "Unavailable"), c16(2, "Unavailable")], "unavailable"),
    (
        "charge point unavailable (connector 0)",
        True,
        [c16(0, "Unavailable"), c16(1, "Available")],
        "unavailable",
    ),
    ("only connector 0 available", True, [c16(0, "Available")], "available"),
    (
        "connector 0 available, outlets unavailable",
        True,
        [c16(0, "Available"), c16(1, "Unavailable")],
        "unavailable",
    ),
    ("charging", True, [c16(1, "Charging"), c16(2, "Available")], "charging"),
    ("suspended by the EV", True, [c16(1, "SuspendedEV")], "charging"),
    ("suspended by the EVSE", True, [c16(1, "SuspendedEVSE")], "charging"),
    ("charging beats occupied", True, [c16(1, "Preparing"), c16(2, "Charging")], "charging"),
    ("preparing", True, [c16(1, "Preparing"), c16(2, "Available")], "occupied"),
    ("finishing", True, [c16(1, "Finishing")], "occupied"),
    ("reserved", True, [c16(1, "Reserved"), c16(2, "Unavailable")], "occupied"),
    (
        "2.0.1 occupied, no charging state named",
        True,
        [c201(1, "Occupied"), c201(2, "Available")],
        "occupied",
    ),
    ("2.0.1 charging", True, [c201(1, "Occupied", "Charging"), c201(2, "Available")], "charging"),
    ("2.0.1 suspended by the EV", True, [c201(1, "Occupied", "SuspendedEV")], "charging"),
    ("2.0.1 suspended by the EVSE", True, [c201(1, "Occupied", "SuspendedEVSE")], "charging"),
    ("2.0.1 plugged in, not charging", True, [c201(1, "Occupied", "EVConnected")], "occupied"),
    (
        "2.0.1 a stale charging state on a freed connector",
        True,
        [c201(1, "Available", "Charging")],
        "available",
    ),
    ("2.0.1 a fault beats charging", True, [c201(1, "Faulted", "Charging")], "faulted"),
    ("2.0.1 available", True, [c201(1, "Available")], "available"),
    (
        "2.0.1 all unavailable",
        True,
        [c201(1, "Unavailable"), c201(2, "Unavailable")],
        "unavailable",
    ),
    ("faulted beats charging", True, [c16(1, "Charging"), c16(2, "Faulted")], "faulted"),
    ("an error code while charging", True, [c16(1, "Charging", "HighTemperature")], "faulted"),
    (
        "an error code on connector 0",
        True,
        [c16(0, "Available", "PowerMeterFailure"), c16(1, "Available")],
        "faulted",
    ),
    ("2.0.1 faulted", True, [c201(1, "Faulted")], "faulted"),
    ("a status no rule knows", True, [c16(1, "SomethingNew")], "unknown"),
    (
        "unavailable beside a status no rule knows",
        True,
        [c16(1, "Unavailable"), c16(2, "Odd")],
        "unknown",
    ),
]


@pytest.mark.parametrize(
    ("online", "connectors", "state"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_state_rule(online, connectors, state) -> None:
    assert charger_state(online, connectors) == state


def test_every_state_is_reachable() -> None:
    assert {case[3] for case in CASES} == set(CHARGER_STATES)


def test_a_fault_is_faulted_or_an_error_code_but_no_error() -> None:
    assert is_fault(c16(1, "Faulted"))
    assert is_fault(c16(1, "Available", "GroundFailure"))
    assert not is_fault(c16(1, "Available"))
    assert not is_fault(c201(1, "Occupied"))  # 2.0.1: no error code at all
