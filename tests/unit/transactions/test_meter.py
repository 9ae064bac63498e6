from typing import Any

from shared.transactions.meter import register_for, register_readings


def sv(value, **fields):
    return {"value": value, **fields}


def test_v16_defaults_wh_and_energy_register_and_converts_kwh():
    values = [
        {"timestamp": "t1", "sampledValue": [sv("1234")]},
        {
            "timestamp": "t2",
            "sampledValue": [sv("1.5", unit="kWh", measurand="Energy.Active.Import.Register")],
        },
    ]
    assert [(r.energy_wh, r.timestamp) for r in register_readings(values)] == [
        (1234, "t1"),
        (1500, "t2"),
    ]


def test_v201_unit_of_measure_and_multiplier():
    values = [
        {
            "timestamp": "t",
            "sampledValue": [
                sv(12.5, unitOfMeasure={"unit": "kWh"}),
            ],
        },
        {"timestamp": "u", "sampledValue": [sv(3, unitOfMeasure={"unit": "Wh", "multiplier": 3})]},
    ]
    assert [r.energy_wh for r in register_readings(values)] == [12500, 3000]


def test_phases_other_measurands_ev_side_and_garbage_are_ignored():
    values: list[Any] = [
        {
            "timestamp": "t",
            "sampledValue": [
                sv("5", measurand="Power.Active.Import", unit="W"),
                sv("6", phase="L1"),
                sv("7", location="EV"),
                sv("nan"),
                sv("x"),
                sv("8", unit="varh"),
                {"no": "value"},
            ],
        },
        "not a dict",
        {"sampledValue": None},
    ]
    assert register_readings(values) == []


def test_outlet_reading_wins_and_context_is_preferred():
    values = [
        {
            "timestamp": "a",
            "sampledValue": [
                sv("100", context="Transaction.Begin"),
                sv("101", location="Outlet", context="Transaction.Begin"),
            ],
        },
        {"timestamp": "b", "sampledValue": [sv("200")]},
        {"timestamp": "c", "sampledValue": [sv("300", context="Transaction.End")]},
        {"timestamp": "d", "sampledValue": [sv("250")]},
    ]
    assert register_for(values, "Transaction.Begin", last=False) == 101
    assert register_for(values, "Transaction.End", last=True) == 300
    assert register_for(values[3:], "Transaction.End", last=True) == 250
    assert register_for([], "Transaction.End", last=True) is None
