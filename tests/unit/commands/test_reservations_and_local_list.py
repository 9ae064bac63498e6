import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.commands.engine import CommandError
from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord
from shared.ocpp.framing import CallResult
from tests.fakes import memory_services
from tests.unit.transactions.helpers import Station

NOW = datetime.now(UTC)


@pytest.fixture
def services():
    return memory_services()


@pytest.fixture
def deps(services):
    d = services.deps
    d.chargers.create(ChargerRecord("CP1"))
    d.chargers.attach_connection("CP1", "conn-1=", "ocpp1.6", 1)
    d.id_tags.put(IdTagRecord("A", "Accepted"))
    d.id_tags.put(IdTagRecord("B", "Blocked"))
    return d


def answer(services, command, payload):
    services.engine.on_reply("CP1", CallResult(command.message_id, payload))


def test_reservation_lifecycle(services, deps):
    service = services.reservations
    reservation, command = service.reserve("CP1", 1, "A", NOW + timedelta(hours=1), NOW)
    sent = json.loads(deps.sender.sent[-1][1])[3]
    assert sent["reservationId"] == reservation.reservation_id
    assert deps.reservations.get("CP1", reservation.reservation_id).status == "requested"
    answer(services, command, {"status": "Accepted"})
    assert deps.reservations.get("CP1", reservation.reservation_id).status == "accepted"
    # The charger starts a transaction on the reservation: it is used up.
    Station(deps).call(
        "StartTransaction",
        {
            "connectorId": 1,
            "idTag": "A",
            "meterStart": 0,
            "timestamp": "2026-07-01T10:00:00Z",
            "reservationId": reservation.reservation_id,
        },
    )
    used = deps.reservations.get("CP1", reservation.reservation_id)
    assert used.status == "used"
    assert used.transaction_id


def test_rejected_failed_cancelled_and_expired(services, deps):
    service = services.reservations
    first, command = service.reserve("CP1", 1, "A", NOW + timedelta(hours=1), NOW)
    answer(services, command, {"status": "Occupied"})
    rejected = deps.reservations.get("CP1", first.reservation_id)
    assert (rejected.status, rejected.charger_status) == ("rejected", "Occupied")

    second, command = service.reserve("CP1", 2, "A", NOW + timedelta(minutes=1), NOW)
    answer(services, command, {"status": "Accepted"})
    assert (
        deps.reservations.get("CP1", second.reservation_id).view(NOW + timedelta(minutes=2)).status
        == "expired"
    )
    cancel = service.cancel("CP1", second.reservation_id)
    answer(services, cancel, {"status": "Accepted"})
    assert deps.reservations.get("CP1", second.reservation_id).status == "cancelled"

    with pytest.raises(CommandError):
        service.reserve("CP1", 1, "A", NOW - timedelta(minutes=1), NOW)
    with pytest.raises(CommandError) as missing:
        service.cancel("CP1", 12345)
    assert missing.value.status == 404


def test_reservation_marked_failed_when_the_charger_is_offline(services, deps):
    deps.sender.gone.add("conn-1=")
    with pytest.raises(CommandError):
        services.reservations.reserve("CP1", 1, "A", NOW + timedelta(hours=1), NOW)
    (record,) = deps.reservations.records.values()
    assert record.status == "failed"


def test_full_local_list_from_the_id_tag_store_and_version_on_accept(services, deps):
    command = services.local_lists.send("CP1", "Full", NOW)
    payload = json.loads(deps.sender.sent[-1][1])[3]
    assert payload["listVersion"] == 1
    assert payload["updateType"] == "Full"
    assert payload["localAuthorizationList"] == [
        {"idTag": "A", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "B", "idTagInfo": {"status": "Blocked"}},
    ]
    answer(services, command, {"status": "Accepted"})
    assert deps.chargers.get("CP1").local_list_version == 1


def test_differential_list_removes_unknown_tags_and_needs_tags(services, deps):
    deps.chargers.set_local_list_version("CP1", 4)
    services.local_lists.send("CP1", "Differential", NOW, ["A", "GONE"])
    payload = json.loads(deps.sender.sent[-1][1])[3]
    assert payload["listVersion"] == 5
    assert payload["localAuthorizationList"] == [
        {"idTag": "A", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "GONE"},
    ]
    with pytest.raises(CommandError):
        services.local_lists.send("CP1", "Differential", NOW, [])


def test_rejected_list_keeps_the_version_and_get_version_refreshes_it(services, deps):
    command = services.local_lists.send("CP1", "Full", NOW)
    answer(services, command, {"status": "VersionMismatch"})
    assert deps.chargers.get("CP1").local_list_version is None
    read = services.engine.send("CP1", "GetLocalListVersion", {})
    answer(services, read, {"listVersion": 9})
    assert deps.chargers.get("CP1").local_list_version == 9
