from tests.unit.transactions.helpers import V201, Station, energy_sample_v201, make_deps, ts

TOKEN = {"idToken": "GOOD", "type": "ISO14443"}


def event(event_type, seq, minute, meter=None, trigger=None, tx="tx-1", **extra):
    payload = {
        "eventType": event_type,
        "timestamp": ts(minute),
        "triggerReason": trigger
        or {"Started": "Authorized", "Updated": "MeterValuePeriodic", "Ended": "StopAuthorized"}[
            event_type
        ],
        "seqNo": seq,
        "transactionInfo": {"transactionId": tx},
        "evse": {"id": 1, "connectorId": 1},
    }
    if meter is not None:
        context = {
            "Started": "Transaction.Begin",
            "Updated": "Sample.Periodic",
            "Ended": "Transaction.End",
        }[event_type]
        payload["meterValue"] = [energy_sample_v201(meter, minute, context)]
    payload.update(extra)
    return payload


def test_started_updated_ended_make_one_session_with_its_energy():
    deps = make_deps()
    station = Station(deps, V201)
    assert station.call("TransactionEvent", event("Started", 0, 0, 10_000, idToken=TOKEN)) == {
        "idTokenInfo": {
            "status": "Accepted",
            "groupIdToken": {"idToken": "FLEET-1", "type": "Central"},
        }
    }
    station.call("TransactionEvent", event("Updated", 1, 10, 12_000))
    ended = event("Ended", 2, 30, 16_500)
    ended["transactionInfo"]["stoppedReason"] = "EVDisconnected"
    station.call("TransactionEvent", ended)
    record = deps.transactions.get("CP1", "tx-1")
    assert (
        record.status,
        record.evse_id,
        record.connector_id,
        record.meter_start_wh,
        record.meter_stop_wh,
        record.energy_wh,
        record.duration_s,
        record.stop_reason,
        record.id_tag,
    ) == ("completed", 1, 1, 10_000, 16_500, 6_500, 1800, "EVDisconnected", "GOOD")
    assert len(deps.telemetry.records) == 3


def test_duplicates_are_dropped_by_station_transaction_and_seq_no():
    deps = make_deps()
    station = Station(deps, V201)
    started = event("Started", 0, 0, 10_000)
    station.call("TransactionEvent", started)
    station.call("TransactionEvent", started)  # a retry carries a new message id
    station.call("TransactionEvent", event("Ended", 1, 5, 11_000))
    station.call("TransactionEvent", event("Ended", 1, 5, 11_000))
    assert len(deps.publisher.of_type("TransactionStarted")) == 1
    assert len(deps.publisher.of_type("TransactionStopped")) == 1
    assert [r.source for r in deps.telemetry.records] == ["TransactionEvent"] * 2


def test_periodic_updates_cost_no_dedup_write():
    deps = make_deps()
    station = Station(deps, V201)
    station.call("TransactionEvent", event("Started", 0, 0, 10_000))
    for seq in range(1, 4):
        station.call("TransactionEvent", event("Updated", seq, seq, 10_000 + seq))
    assert len(deps.transaction_events.seen_events) == 1


def test_ended_before_started_is_completed_when_the_start_arrives():
    deps = make_deps()
    station = Station(deps, V201)
    station.call("TransactionEvent", event("Ended", 2, 30, 16_000))
    assert deps.transactions.get("CP1", "tx-1").status == "orphan"
    station.call("TransactionEvent", event("Started", 0, 0, 10_000))
    record = deps.transactions.get("CP1", "tx-1")
    assert (record.status, record.energy_wh) == ("completed", 6_000)
    assert [e.detail["energyWh"] for e in deps.publisher.of_type("TransactionStopped")] == [6_000]


def test_same_transaction_id_on_another_station_is_another_session():
    deps = make_deps()
    Station(deps, V201, cp="CP1").call("TransactionEvent", event("Started", 0, 0, 1))
    Station(deps, V201, cp="CP2").call("TransactionEvent", event("Started", 0, 0, 1))
    assert len(deps.transactions.records) == 2


def test_meter_values_v201_go_to_telemetry():
    deps = make_deps()
    Station(deps, V201).call("MeterValues", {"evseId": 2, "meterValue": [energy_sample_v201(5, 1)]})
    assert [(r.source, r.evse_id) for r in deps.telemetry.records] == [("MeterValues", 2)]


def test_E02_a_token_presented_after_a_cable_first_start_becomes_the_sessions():
    deps = make_deps()
    station = Station(deps, V201)
    station.call("TransactionEvent", event("Started", 0, 0, 10_000, trigger="CablePluggedIn"))
    assert deps.transactions.get("CP1", "tx-1").id_tag is None
    authorized = event("Updated", 1, 1, trigger="Authorized", idToken=TOKEN)
    assert station.call("TransactionEvent", authorized)["idTokenInfo"]["status"] == "Accepted"
    other = event("Updated", 2, 2, trigger="Authorized", idToken={**TOKEN, "idToken": "OTHER"})
    station.call("TransactionEvent", other)  # a later token does not replace the first
    record = deps.transactions.get("CP1", "tx-1")
    assert (record.id_tag, record.authorization_status) == ("GOOD", "Accepted")


def test_a_token_for_a_transaction_not_started_yet_is_answered_and_not_stored():
    deps = make_deps()
    station = Station(deps, V201)
    authorized = event("Updated", 1, 1, trigger="Authorized", idToken=TOKEN)
    assert station.call("TransactionEvent", authorized)["idTokenInfo"]["status"] == "Accepted"
    assert deps.transactions.get("CP1", "tx-1") is None
