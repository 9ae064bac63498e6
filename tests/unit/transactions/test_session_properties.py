"""Random orders and duplications of a session's messages yield exactly one session with the
right energy (the charger's offline queue and lost responses make these normal)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.transactions.sessions import candidate_transaction_ids, start_fingerprint
from tests.unit.transactions.helpers import (
    V16,
    V201,
    Station,
    energy_sample_v16,
    energy_sample_v201,
    make_deps,
    ts,
)

METER_START = 50_000


def expected_tx_id(meter_start):
    fingerprint = start_fingerprint("CP1", 1, "GOOD", meter_start, "2026-06-01T10:00:00.000Z")
    return next(candidate_transaction_ids(fingerprint))


@st.composite
def v16_deliveries(draw):
    energy = draw(st.integers(0, 200_000))
    samples = draw(st.integers(0, 4))
    messages = ["start"] + [f"meter{i}" for i in range(samples)] + ["stop"]
    copies = [m for m in messages for _ in range(draw(st.integers(1, 3)))]
    order = draw(st.permutations(copies))
    # A 1.6 charger learns the transaction id from the first answered start: no message that
    # names the id can be delivered before the first start.
    first_start = order.index("start")
    order = ["start"] + [m for i, m in enumerate(order) if i != first_start]
    return energy, samples, order


@settings(max_examples=150, deadline=None)
@given(v16_deliveries())
def test_v16_any_replay_order_gives_one_session_with_the_right_energy(delivery):
    energy, samples, order = delivery
    deps = make_deps()
    station = Station(deps, V16)
    tx = expected_tx_id(METER_START)
    for message in order:
        if message == "start":
            answer = station.call(
                "StartTransaction",
                {"connectorId": 1, "idTag": "GOOD", "meterStart": METER_START, "timestamp": ts(0)},
            )
            assert answer["transactionId"] == tx
        elif message == "stop":
            station.call(
                "StopTransaction",
                {"transactionId": tx, "meterStop": METER_START + energy, "timestamp": ts(90)},
            )
        else:
            minute = 1 + int(message.removeprefix("meter"))
            station.call(
                "MeterValues",
                {
                    "connectorId": 1,
                    "transactionId": tx,
                    "meterValue": [
                        energy_sample_v16(METER_START + energy * minute // (samples + 1), minute)
                    ],
                },
            )
    assert list(deps.transactions.records) == [("CP1", str(tx))]
    record = deps.transactions.get("CP1", str(tx))
    assert (record.status, record.energy_wh) == ("completed", energy)
    assert len(deps.publisher.of_type("TransactionStarted")) == 1
    assert [e.detail["energyWh"] for e in deps.publisher.of_type("TransactionStopped")] == [energy]


@st.composite
def v201_deliveries(draw):
    energy = draw(st.integers(0, 200_000))
    updates = draw(st.integers(0, 3))
    messages = list(range(updates + 2))  # seqNo 0 = Started, last = Ended
    copies = [m for m in messages for _ in range(draw(st.integers(1, 3)))]
    return energy, updates, draw(st.permutations(copies))


@settings(max_examples=150, deadline=None)
@given(v201_deliveries())
def test_v201_any_order_and_duplication_gives_one_session_with_the_right_energy(delivery):
    energy, updates, order = delivery
    deps = make_deps()
    station = Station(deps, V201)
    last = updates + 1
    for seq in order:
        event_type = "Started" if seq == 0 else "Ended" if seq == last else "Updated"
        context = {"Started": "Transaction.Begin", "Ended": "Transaction.End"}.get(
            event_type, "Sample.Periodic"
        )
        reading = METER_START + energy * seq // last
        station.call(
            "TransactionEvent",
            {
                "eventType": event_type,
                "timestamp": ts(seq),
                "triggerReason": {"Started": "Authorized", "Ended": "EVDeparted"}.get(
                    event_type, "MeterValuePeriodic"
                ),
                "seqNo": seq,
                "transactionInfo": {"transactionId": "TX-9"},
                "evse": {"id": 1, "connectorId": 1},
                "meterValue": [energy_sample_v201(reading, seq, context)],
            },
        )
    assert list(deps.transactions.records) == [("CP1", "TX-9")]
    record = deps.transactions.get("CP1", "TX-9")
    assert (record.status, record.energy_wh) == ("completed", energy)
    assert len(deps.publisher.of_type("TransactionStarted")) == 1
    assert [e.detail["energyWh"] for e in deps.publisher.of_type("TransactionStopped")] == [energy]
