"""NotifyReport (B07/B08): multi-part reports assembled into the station's device model."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from shared.station.device_model_reader import DeviceModelReader
from tests.unit.transactions.helpers import V201, Station, make_deps


def variable(
    component: str,
    name: str,
    value: str | None = "1",
    *,
    evse: dict[str, int] | None = None,
    instance: str | None = None,
    **characteristics: Any,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "component": {"name": component, **({"evse": evse} if evse else {})},
        "variable": {"name": name, **({"instance": instance} if instance else {})},
        "variableAttribute": [{"value": value}] if value is not None else [{}],
    }
    if characteristics:
        entry["variableCharacteristics"] = {"supportsMonitoring": False, **characteristics}
    return entry


def part(
    request_id: int, seq_no: int, tbc: bool, *data: dict[str, Any], at: str = "2026-06-01T10:00:00Z"
) -> dict[str, Any]:
    return {
        "requestId": request_id,
        "generatedAt": at,
        "seqNo": seq_no,
        "tbc": tbc,
        "reportData": list(data),
    }


def report(station: Station, request_id: int, parts: list[list[dict[str, Any]]]) -> None:
    for seq_no, data in enumerate(parts):
        assert (
            station.call("NotifyReport", part(request_id, seq_no, seq_no < len(parts) - 1, *data))
            == {}
        )


def test_B07_a_three_part_base_report_is_the_union_of_its_parts():
    deps = make_deps()
    station = Station(deps, V201)
    report(
        station,
        7,
        [
            [variable("DeviceCtrlr", "ItemsPerMessage", "4", instance="GetVariables")],
            [
                variable(
                    "EVSE",
                    "Power",
                    "22000",
                    evse={"id": 1},
                    unit="W",
                    dataType="decimal",
                    maxLimit=22000,
                )
            ],
            [variable("Connector", "ConnectorType", "cType2", evse={"id": 1, "connectorId": 1})],
        ],
    )
    model = DeviceModelReader(deps.device_models).model("CP1")
    assert [(c.name, c.evse_id, c.connector_id) for c in model.components] == [
        ("Connector", 1, 1),
        ("DeviceCtrlr", None, None),
        ("EVSE", 1, None),
    ]
    power = model.components[2].variables[0]
    assert power.attributes == (
        {
            "type": "Actual",
            "value": "22000",
            "mutability": "ReadWrite",
            "persistent": False,
            "constant": False,
        },
    )
    assert power.characteristics == {
        "unit": "W",
        "dataType": "decimal",
        "maxLimit": 22000,
        "supportsMonitoring": False,
    }
    assert power.reported_at == "2026-06-01T10:00:00.000Z"  # the station's generatedAt
    progress = model.reports[7]
    assert progress.complete and progress.parts == {0, 1, 2}


def test_a_report_is_complete_only_when_every_part_arrived():
    deps = make_deps()
    station = Station(deps, V201)
    station.call("NotifyReport", part(3, 0, True, variable("A", "X")))
    station.call("NotifyReport", part(3, 2, False, variable("A", "Z")))
    (progress,) = deps.device_models.reports("CP1")
    assert not progress.complete and progress.last_seq_no == 2
    station.call("NotifyReport", part(3, 1, True, variable("A", "Y")))
    (progress,) = deps.device_models.reports("CP1")
    assert progress.complete


def test_a_report_read_as_complete_holds_its_last_part_even_while_that_part_arrives():
    """The operator API reads the model while a station sends the last part: whatever
    moment the part lands between the reader's queries, a complete report never comes with
    that part's variables missing."""
    deps = make_deps()
    station = Station(deps, V201)
    station.call("NotifyReport", part(9, 0, True, variable("A", "X")))
    store = deps.device_models
    reads: list[str] = []

    class LastPartLandsAfterTheFirstRead:
        def __getattr__(self, name: str) -> Any:
            method = getattr(store, name)
            if name not in ("variables", "reports"):
                return method

            def read(*args: Any, **kwargs: Any) -> Any:
                result = method(*args, **kwargs)
                reads.append(name)
                if len(reads) == 1:
                    station.call("NotifyReport", part(9, 1, False, variable("B", "Y")))
                return result

            return read

    model = DeviceModelReader(LastPartLandsAfterTheFirstRead()).model("CP1")
    names = {v.variable for c in model.components for v in c.variables}
    assert not model.reports[9].complete or names == {"X", "Y"}


def test_a_resent_part_changes_nothing():
    deps = make_deps()
    station = Station(deps, V201)
    first = part(5, 0, True, variable("A", "X", "1"), variable("A", "Y", "2"))
    station.call("NotifyReport", first)
    before = dict(deps.device_models.models["CP1"])
    station.call("NotifyReport", first)  # the answer was lost: the station sends it again
    station.call("NotifyReport", part(5, 1, False, variable("B", "Z")))
    station.call("NotifyReport", part(5, 1, False, variable("B", "Z")))
    # The same entries (only when they arrived moved on).
    assert {
        k: replace(v, received_at="")
        for k, v in deps.device_models.models["CP1"].items()
        if k in before
    } == {k: replace(v, received_at="") for k, v in before.items()}
    assert len(deps.device_models.models["CP1"]) == 3
    (progress,) = deps.device_models.reports("CP1")
    assert progress.complete and progress.parts == {0, 1}


def test_B08_a_newer_report_replaces_values_and_keeps_what_it_does_not_name():
    deps = make_deps()
    station = Station(deps, V201)
    report(
        station,
        1,
        [[variable("OCPPCommCtrlr", "HeartbeatInterval", "300"), variable("A", "X", "1")]],
    )
    # GetReport for one component: a later report of that component only.
    station.call(
        "NotifyReport",
        part(
            2,
            0,
            False,
            variable("ocppcommctrlr", "heartbeatinterval", "60"),
            at="2026-06-02T10:00:00Z",
        ),
    )
    reader = DeviceModelReader(deps.device_models)
    model = reader.model("CP1")
    assert len(model.components) == 2
    heartbeat = reader.model("CP1", component="OCPPCommCtrlr").components[0].variables[0]
    assert heartbeat.attribute("Actual") == {
        "type": "Actual",
        "value": "60",
        "mutability": "ReadWrite",
        "persistent": False,
        "constant": False,
    }
    assert heartbeat.request_id == 2 and heartbeat.reported_at.startswith("2026-06-02")
    assert reader.model("CP1", component="A").components[0].variables[0].request_id == 1
    assert reader.value("CP1", "OCPPCommCtrlr", "HeartbeatInterval") == "60"


def test_a_reused_request_id_starts_a_new_report():
    deps = make_deps()
    station = Station(deps, V201)
    report(station, 1, [[variable("A", "X")], [variable("A", "Y")], [variable("A", "Z")]])
    station.call("NotifyReport", part(1, 0, True, variable("A", "X", "2")))
    (progress,) = deps.device_models.reports("CP1")
    assert progress.parts == {0} and not progress.complete


def test_attribute_defaults_write_only_and_odd_numbers():
    deps = make_deps()
    station = Station(deps, V201)
    entry = variable(
        "SecurityCtrlr",
        "BasicAuthPassword",
        None,
        dataType="string",
        minLimit=float("inf"),
        maxLimit=10**40,
    )
    entry["variableAttribute"] = [
        {"mutability": "WriteOnly"},
        {"type": "Target", "value": "a"},
        {"type": "Target", "value": "b"},
    ]
    station.call("NotifyReport", part(9, 0, False, entry))
    (stored,) = deps.device_models.variables("CP1")
    assert stored.attributes == (
        {"type": "Actual", "mutability": "WriteOnly", "persistent": False, "constant": False},
        {
            "type": "Target",
            "value": "b",
            "mutability": "ReadWrite",
            "persistent": False,
            "constant": False,
        },
    )
    assert stored.characteristics == {
        "dataType": "string",
        "maxLimit": 1e40,
        "supportsMonitoring": False,
    }


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"requestId": 1, "generatedAt": "2026-06-01T10:00:00Z"}, "OccurrenceConstraintViolation"),
        (part(1, -1, False, variable("A", "X")), None),
    ],
)
def test_invalid_reports_get_a_call_error(payload, code):
    station = Station(make_deps(), V201)
    frame = station.frame("NotifyReport", payload)
    assert frame[0] == 4
    if code:
        assert frame[2] == code


def test_a_part_without_report_data_is_still_counted():
    deps = make_deps()
    station = Station(deps, V201)
    station.call(
        "NotifyReport", {"requestId": 4, "generatedAt": "2026-06-01T10:00:00Z", "seqNo": 0}
    )
    (progress,) = deps.device_models.reports("CP1")
    assert progress.complete


def test_names_that_grow_when_case_folded_still_make_a_key_dynamodb_takes():
    deps = make_deps()
    station = Station(deps, V201)
    long = "\u0390" * 50  # each folds to three characters, six bytes
    entry = variable(long, long, "1", instance=long)
    entry["component"]["instance"] = long
    station.call("NotifyReport", part(1, 0, False, entry))
    station.call("NotifyReport", part(1, 0, False, entry))
    ((key, stored),) = deps.device_models.models["CP1"].items()
    assert len(key.encode()) <= 1024
    assert stored.variable == long
    assert DeviceModelReader(deps.device_models).model("CP1", component=long.upper()).components
