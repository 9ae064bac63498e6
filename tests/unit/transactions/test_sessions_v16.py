import pytest

from shared.transactions import sessions
from tests.unit.transactions.helpers import Station, energy_sample_v16, make_deps, ts


def start(station, connector=1, tag="GOOD", meter=1000, minute=0, **extra):
    return station.call(
        "StartTransaction",
        {
            "connectorId": connector,
            "idTag": tag,
            "meterStart": meter,
            "timestamp": ts(minute),
            **extra,
        },
    )


def stop(station, tx, meter=8400, minute=60, **extra):
    return station.call(
        "StopTransaction",
        {"transactionId": tx, "meterStop": meter, "timestamp": ts(minute), **extra},
    )


def test_start_records_the_session_and_answers_a_32_bit_safe_id():
    deps = make_deps()
    answer = start(Station(deps), reservationId=7)
    tx = answer["transactionId"]
    assert 0 < tx < 2**31
    assert answer["idTagInfo"]["status"] == "Accepted"
    record = deps.transactions.get("CP1", str(tx))
    assert (
        record.status,
        record.connector_id,
        record.id_tag,
        record.meter_start_wh,
        record.started_at,
        record.reservation_id,
    ) == ("active", 1, "GOOD", 1000, "2026-06-01T10:00:00.000Z", 7)
    assert deps.publisher.of_type("TransactionStarted")[0].detail["transactionId"] == str(tx)


def test_replayed_start_returns_the_same_id_and_creates_nothing():
    deps = make_deps()
    station = Station(deps)
    first = start(station)["transactionId"]
    assert start(station)["transactionId"] == first
    assert len(deps.transactions.records) == 1
    assert len(deps.publisher.of_type("TransactionStarted")) == 1


def test_a_start_differing_in_any_field_is_a_new_session():
    deps = make_deps()
    station = Station(deps)
    ids = {
        start(station)["transactionId"],
        start(station, meter=1001)["transactionId"],
        start(station, minute=1)["transactionId"],
        start(station, tag="BLOCKED")["transactionId"],
    }
    assert len(ids) == 4


def test_unauthorized_tag_still_gets_an_id_and_its_status():
    deps = make_deps()
    answer = start(Station(deps), tag="NOBODY")
    assert answer["idTagInfo"] == {"status": "Invalid"}
    assert deps.transactions.get("CP1", str(answer["transactionId"])).authorization_status == (
        "Invalid"
    )


def test_new_start_on_a_busy_connector_replaces_the_old_session_with_a_reason():
    deps = make_deps()
    station = Station(deps)
    old = start(station)["transactionId"]
    new = start(station, meter=5000, minute=90)["transactionId"]
    record = deps.transactions.get("CP1", str(old))
    assert (record.status, record.replaced_by) == ("replaced", str(new))
    replaced = deps.publisher.of_type("TransactionReplaced")
    assert replaced[0].detail["transactionId"] == str(old)
    assert replaced[0].detail["reason"]
    # The late stop of the replaced session still completes it, with its energy.
    stop(station, old, meter=4000, minute=80)
    assert deps.transactions.get("CP1", str(old)).energy_wh == 3000


def test_other_connectors_are_not_affected():
    deps = make_deps()
    station = Station(deps)
    one = start(station, connector=1)["transactionId"]
    start(station, connector=2)
    assert deps.transactions.get("CP1", str(one)).status == "active"


def test_stop_closes_with_energy_duration_and_reason():
    deps = make_deps()
    station = Station(deps)
    tx = start(station)["transactionId"]
    answer = stop(station, tx, reason="EVDisconnected", idTag="GOOD")
    assert answer == {"idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET-1"}}
    record = deps.transactions.get("CP1", str(tx))
    assert (record.status, record.energy_wh, record.duration_s, record.stop_reason) == (
        "completed",
        7400,
        3600,
        "EVDisconnected",
    )
    stopped = deps.publisher.of_type("TransactionStopped")
    assert [e.detail["energyWh"] for e in stopped] == [7400]


def test_replayed_stop_answers_the_same_and_changes_nothing():
    deps = make_deps()
    station = Station(deps)
    tx = start(station)["transactionId"]
    first = stop(station, tx)
    before = deps.transactions.get("CP1", str(tx))
    assert stop(station, tx, meter=9999, minute=70) == first
    assert deps.transactions.get("CP1", str(tx)) == before
    assert len(deps.publisher.of_type("TransactionStopped")) == 1


def test_stop_for_an_unknown_transaction_is_accepted_and_kept_as_orphan():
    deps = make_deps()
    station = Station(deps)
    assert stop(station, 424242, reason="PowerLoss") == {}
    record = deps.transactions.get("CP1", "424242")
    assert (record.status, record.meter_stop_wh, record.stop_reason) == (
        "orphan",
        8400,
        "PowerLoss",
    )
    assert len(deps.publisher.of_type("TransactionOrphanStop")) == 1
    stop(station, 424242, reason="PowerLoss")
    assert len(deps.publisher.of_type("TransactionOrphanStop")) == 1


def test_meter_reset_is_flagged_instead_of_negative_energy():
    deps = make_deps()
    station = Station(deps)
    tx = start(station, meter=99_000)["transactionId"]
    stop(station, tx, meter=120)
    record = deps.transactions.get("CP1", str(tx))
    assert (record.energy_wh, record.anomaly) == (None, "MeterDecreased")
    assert deps.publisher.of_type("TransactionStopped")[0].detail["anomaly"] == "MeterDecreased"


def test_transaction_data_and_meter_values_go_to_telemetry_once_per_message():
    deps = make_deps()
    station = Station(deps)
    tx = start(station)["transactionId"]
    station.call(
        "MeterValues",
        {"connectorId": 1, "transactionId": tx, "meterValue": [energy_sample_v16(2000, 10)]},
    )
    station.call("MeterValues", {"connectorId": 0, "meterValue": [energy_sample_v16(5, 11)]})
    stop(station, tx, transactionData=[energy_sample_v16(8400, 60, "Transaction.End")])
    records = deps.telemetry.records
    assert [(r.source, r.transaction_id, r.connector_id) for r in records] == [
        ("MeterValues", str(tx), 1),
        ("MeterValues", None, 0),
        ("StopTransaction", str(tx), None),
    ]


def test_id_collisions_within_a_charger_move_to_the_next_candidate(monkeypatch):
    monkeypatch.setattr(sessions, "candidate_transaction_ids", lambda fp: iter([77, 78, 79]))
    deps = make_deps()
    station = Station(deps)
    assert start(station)["transactionId"] == 77
    assert start(station, meter=2)["transactionId"] == 78  # 77 is another session: skip it
    assert start(station)["transactionId"] == 77  # the replay still finds its own


def test_candidates_are_deterministic_and_in_range():
    first = list(sessions.candidate_transaction_ids("CP1|1|GOOD|0|t"))[:8]
    assert first == list(sessions.candidate_transaction_ids("CP1|1|GOOD|0|t"))[:8]
    assert all(0 < c < 2**31 for c in first)


@pytest.mark.parametrize("missing", ["connectorId", "idTag", "meterStart", "timestamp"])
def test_incomplete_start_is_rejected_by_schema(missing):
    payload = {"connectorId": 1, "idTag": "GOOD", "meterStart": 0, "timestamp": ts(0)}
    del payload[missing]
    with pytest.raises(AssertionError, match="OccurenceConstraintViolation"):
        Station(make_deps()).call("StartTransaction", payload)


def test_a_session_has_one_info_line_at_its_start_and_one_with_its_energy_at_its_stop(caplog):
    station = Station(make_deps())
    with caplog.at_level("INFO", logger="csms.transactions.sessions"):
        tx = start(station)["transactionId"]
        start(station)  # a replay: logged as one, not as a second session
        stop(station, tx, reason="EVDisconnected")
        stop(station, tx)  # a replayed stop: no second line
    lines = [
        (r.getMessage(), r.__dict__.get("transactionId"))
        for r in caplog.records
        if r.name == "csms.transactions.sessions" and r.getMessage().startswith("session")
    ]
    assert lines == [("session started", str(tx)), ("session stopped: 7400 Wh", str(tx))]
