"""The DeviceModels table in DynamoDB (moto): variables written in batches and read back whole,
report parts noted idempotently, a reused requestId started afresh."""

from __future__ import annotations

from shared.adapters.dynamodb.device_models import DynamoDeviceModelStore
from shared.ports.device_models import VariableEntry


def entry(component: str, name: str, value: str, request_id: int = 1, **kw) -> VariableEntry:
    return VariableEntry(
        component=component,
        component_instance=kw.get("component_instance"),
        evse_id=kw.get("evse_id"),
        connector_id=kw.get("connector_id"),
        variable=name,
        variable_instance=kw.get("variable_instance"),
        attributes=({"type": "Actual", "value": value, "mutability": "ReadWrite"},),
        characteristics=kw.get("characteristics"),
        request_id=request_id,
        reported_at="2026-06-01T10:00:00.000Z",
        received_at="2026-06-01T10:00:01.000Z",
    )


def test_a_base_report_of_hundreds_of_variables_is_stored_and_read_back(aws_env, dynamodb):
    store = DynamoDeviceModelStore(dynamodb, aws_env.device_models_table)
    entries = [entry(f"C{i // 10}", f"V{i}", str(i)) for i in range(260)]
    limits = {"dataType": "decimal", "minLimit": -1.5, "maxLimit": 1e40, "unit": "W"}
    entries.append(entry("EVSE", "Power", "22000", evse_id=1, characteristics=limits))
    store.put_variables("CP1", entries)
    stored = store.variables("CP1")
    assert len(stored) == 261
    assert {e.key: e for e in stored} == {e.key: e for e in entries}
    assert store.variables("CP1", component="evse") == [entries[-1]]
    assert store.variables("CP2") == []


def test_a_later_entry_replaces_the_variable_and_names_with_bars_stay_apart(aws_env, dynamodb):
    store = DynamoDeviceModelStore(dynamodb, aws_env.device_models_table)
    store.put_variables("CP1", [entry("A|B", "X", "1"), entry("A", "B|X", "2")])
    store.put_variables("CP1", [entry("a|b", "x", "3", request_id=2)])
    values = {(e.component, e.variable): e.attributes[0]["value"] for e in store.variables("CP1")}
    assert values == {("a|b", "x"): "3", ("A", "B|X"): "2"}


def test_report_parts_are_noted_once_and_seq_no_zero_starts_afresh(aws_env, dynamodb):
    store = DynamoDeviceModelStore(dynamodb, aws_env.device_models_table)
    assert not store.record_part("CP1", 7, 0, False, "2026-06-01T10:00:00.000Z").complete
    store.record_part("CP1", 7, 1, False, "2026-06-01T10:00:01.000Z")
    store.record_part("CP1", 7, 1, False, "2026-06-01T10:00:02.000Z")  # resent
    done = store.record_part("CP1", 7, 2, True, "2026-06-01T10:00:03.000Z")
    assert done.complete and done.parts == {0, 1, 2} and done.last_seq_no == 2
    assert done.started_at == "2026-06-01T10:00:00.000Z"
    assert store.reports("CP1") == [done]
    again = store.record_part("CP1", 7, 0, False, "2026-06-02T10:00:00.000Z")
    assert again.parts == {0} and again.last_seq_no is None and not again.complete
    single = store.record_part("CP1", -3, 0, True, "2026-06-02T10:00:00.000Z")
    assert single.complete and single.request_id == -3
    assert {r.request_id for r in store.reports("CP1")} == {7, -3}


def test_the_longest_names_fit_dynamodb_keys(aws_env, dynamodb):
    store = DynamoDeviceModelStore(dynamodb, aws_env.device_models_table)
    long = "\u0390" * 50  # case folding makes each six bytes
    odd = entry(long, long, "1", component_instance=long, variable_instance="|%" * 25)
    store.put_variables("CP1", [odd])
    assert store.variables("CP1", component=long) == [odd]
