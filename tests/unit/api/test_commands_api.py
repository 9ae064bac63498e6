"""Command routes: sending, waiting, outcomes, and the local-list and reservation shortcuts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.commands.engine import CommandError
from shared.ocpp.framing import CallResult
from tests.unit.api.test_auth_and_errors import assert_error
from tests.unit.api.world import START


def test_command_answered_while_the_api_waits(world) -> None:
    world.online_charger()
    world.reply({"status": "Accepted"}, after_s=1)
    reply = world.client.post("/api/chargers/CP-1/commands/Reset", {"type": "Soft"})
    assert reply.status == 200
    command = reply.body
    assert command["status"] == "answered"
    assert command["result"] == {"status": "Accepted"}
    assert command["request"] == {"type": "Soft"}
    assert command["requestedBy"] == "local-operator"
    [call] = world.sent_calls()
    assert call[0] == 2 and call[1] == command["commandId"] and call[2] == "Reset"


def test_a_callerror_is_an_answer_too(world) -> None:
    world.online_charger()
    world.reply(("NotSupported", "no cache here"))
    reply = world.client.post("/api/chargers/CP-1/commands/ClearCache", {})
    assert reply.status == 200
    assert reply.body["status"] == "error"
    assert reply.body["error"]["code"] == "NotSupported"


def test_no_wait_answers_202_with_location_and_the_command_can_be_polled(world) -> None:
    world.online_charger()
    sent = world.client.post(
        "/api/chargers/CP-1/commands/ClearCache", {}, query={"wait": False, "timeout": 60}
    )
    assert sent.status == 202
    command_id = sent.body["commandId"]
    assert sent.headers["Location"] == f"/api/chargers/CP-1/commands/{command_id}"
    assert sent.body["status"] == "pending"
    polled = world.client.get(f"/api/chargers/CP-1/commands/{command_id}")
    assert polled.body["status"] == "pending"
    world.services.engine.on_reply("CP-1", CallResult(command_id, {"status": "Accepted"}))
    assert (
        world.client.get(f"/api/chargers/CP-1/commands/{command_id}").body["status"] == "answered"
    )


def test_polling_marks_an_unanswered_command_timed_out(world) -> None:
    world.online_charger()
    sent = world.client.post(
        "/api/chargers/CP-1/commands/ClearCache", {}, query={"wait": False, "timeout": 5}
    ).body
    world.clock.now += timedelta(seconds=6)
    polled = world.client.get(f"/api/chargers/CP-1/commands/{sent['commandId']}").body
    assert polled["status"] == "timeout"


def test_no_answer_before_the_deadline_is_a_504_with_the_command(world) -> None:
    world.online_charger()
    reply = world.client.post("/api/chargers/CP-1/commands/ClearCache", {}, query={"timeout": 2})
    assert reply.status == 504
    assert reply.body["error"]["code"] == "ChargerTimeout"
    assert reply.body["command"]["status"] == "timeout"
    assert reply.headers["Location"].endswith(reply.body["command"]["commandId"])


def test_the_api_waits_at_most_20_s_then_answers_504_pending(world) -> None:
    world.online_charger()
    reply = world.client.post("/api/chargers/CP-1/commands/ClearCache", {}, query={"timeout": 120})
    assert reply.status == 504
    assert reply.body["command"]["status"] == "pending"
    assert world.clock.now - START <= timedelta(seconds=21)


def test_offline_and_gone_chargers_are_503(world) -> None:
    world.client.post("/api/chargers", {"chargePointId": "CP-OFF"})
    assert_error(
        world.client.post("/api/chargers/CP-OFF/commands/ClearCache", {}), 503, "ChargerOffline"
    )
    world.online_charger("CP-GONE", connection_id="conn-gone")
    world.deps.sender.gone.add("conn-gone")
    assert_error(
        world.client.post("/api/chargers/CP-GONE/commands/ClearCache", {}), 503, "ChargerOffline"
    )
    assert world.deps.chargers.get("CP-GONE").online is False


def test_one_command_in_flight_per_charger(world) -> None:
    world.online_charger()
    first = world.client.post(
        "/api/chargers/CP-1/commands/ClearCache", {}, query={"wait": False}
    ).body
    second = world.client.post("/api/chargers/CP-1/commands/ClearCache", {})
    assert_error(second, 409, "CommandInFlight")
    assert second.error["details"]["commandId"] == first["commandId"]


def test_command_validation_and_unknown_things(world) -> None:
    world.online_charger()
    assert_error(world.client.post("/api/chargers/NOPE/commands/ClearCache", {}), 404, "NotFound")
    invalid = world.client.post("/api/chargers/CP-1/commands/Reset", {"type": "Sideways"})
    assert_error(invalid, 400, "InvalidCommand")
    assert invalid.error["details"][0]["field"] == "body.type"
    missing = world.client.post("/api/chargers/CP-1/commands/ChangeConfiguration", {"key": "K"})
    assert_error(missing, 400, "InvalidCommand")
    assert missing.error["details"][0]["field"] == "body.value"
    unsupported = world.client.post("/api/chargers/CP-1/commands/GetVariables", {})
    assert_error(unsupported, 400, "UnsupportedCommand")
    assert "GetConfiguration" in unsupported.error["details"]["supported"]
    assert_error(
        world.client.post("/api/chargers/CP-1/commands/Reset", [1, 2]), 400, "ValidationError"
    )
    assert_error(
        world.client.post(
            "/api/chargers/CP-1/commands/Reset", {"type": "Soft"}, query={"timeout": 0}
        ),
        400,
        "ValidationError",
    )
    assert_error(world.client.get("/api/chargers/CP-1/commands/no-such-id"), 404, "NotFound")
    assert world.deps.sender.sent == []


def test_commands_follow_the_charger_protocol(world) -> None:
    world.online_charger("CP-2", protocol="ocpp2.0.1")
    world.reply({"status": "Accepted"})
    reply = world.client.post(
        "/api/chargers/CP-2/commands/RequestStartTransaction",
        {"idToken": {"idToken": "TAG", "type": "ISO14443"}, "remoteStartId": 7},
    )
    assert reply.status == 200
    assert reply.body["protocol"] == "ocpp2.0.1"


def test_local_list_full_and_differential(world) -> None:
    world.online_charger()
    world.client.post("/api/id-tags", {"idTag": "A"})
    world.client.post("/api/id-tags", {"idTag": "B", "status": "Blocked"})
    world.reply({"status": "Accepted"})
    reply = world.client.post("/api/chargers/CP-1/local-list", {"updateType": "Full"})
    assert reply.status == 200
    assert reply.body["action"] == "SendLocalList"
    request = reply.body["request"]
    assert request["updateType"] == "Full"
    assert [e["idTag"] for e in request["localAuthorizationList"]] == ["A", "B"]
    assert world.deps.chargers.get("CP-1").local_list_version == request["listVersion"]

    sent = world.client.post(
        "/api/chargers/CP-1/local-list",
        {"updateType": "Differential", "idTags": ["B", "GONE"]},
        query={"wait": False},
    )
    assert sent.status == 202
    entries = sent.body["request"]["localAuthorizationList"]
    assert entries == [{"idTag": "B", "idTagInfo": {"status": "Blocked"}}, {"idTag": "GONE"}]


def test_local_list_errors(world) -> None:
    world.online_charger()
    assert_error(
        world.client.post("/api/chargers/CP-1/local-list", {"updateType": "Differential"}),
        400,
        "InvalidCommand",
    )
    assert_error(
        world.client.post("/api/chargers/CP-1/local-list", {"updateType": "Some"}),
        400,
        "ValidationError",
    )
    assert_error(
        world.client.post("/api/chargers/NOPE/local-list", {"updateType": "Full"}), 404, "NotFound"
    )


def test_reserve_list_and_cancel(world) -> None:
    world.online_charger()
    expiry = "2030-01-01T13:00:00Z"
    world.reply({"status": "Accepted"})
    reply = world.client.post(
        "/api/chargers/CP-1/reservations", {"connectorId": 1, "idTag": "TAG", "expiryDate": expiry}
    )
    assert reply.status == 200
    reservation = reply.body["reservation"]
    assert reservation["status"] == "accepted"
    assert reservation["chargerStatus"] == "Accepted"
    assert reply.body["command"]["request"]["reservationId"] == reservation["reservationId"]
    listed = world.client.get("/api/chargers/CP-1/reservations").body
    assert [r["reservationId"] for r in listed["items"]] == [reservation["reservationId"]]

    world.reply({"status": "Accepted"})
    cancelled = world.client.delete(
        f"/api/chargers/CP-1/reservations/{reservation['reservationId']}"
    )
    assert cancelled.status == 200
    assert cancelled.body["reservation"]["status"] == "cancelled"
    assert cancelled.body["command"]["action"] == "CancelReservation"

    world.clock.now += timedelta(hours=2)
    assert (
        world.client.get("/api/chargers/CP-1/reservations").body["items"][0]["status"]
        == "cancelled"
    )


def test_a_reservation_the_charger_does_not_answer_is_504_with_the_reservation(world) -> None:
    world.online_charger()
    reply = world.client.post(
        "/api/chargers/CP-1/reservations",
        {"connectorId": 1, "idTag": "TAG", "expiryDate": "2030-01-01T13:00:00Z"},
    )
    assert reply.status == 504
    assert reply.body["reservation"]["status"] == "requested"
    assert reply.body["command"]["action"] == "ReserveNow"


def test_reservation_errors(world) -> None:
    world.online_charger()
    past = world.client.post(
        "/api/chargers/CP-1/reservations",
        {"connectorId": 1, "idTag": "TAG", "expiryDate": "2029-01-01T00:00:00Z"},
    )
    assert_error(past, 400, "InvalidReservation")
    assert_error(
        world.client.post(
            "/api/chargers/NOPE/reservations",
            {"connectorId": 1, "idTag": "TAG", "expiryDate": "2030-01-01T13:00:00Z"},
        ),
        404,
        "NotFound",
    )
    assert world.deps.reservations.records == {}
    assert_error(
        world.client.post("/api/chargers/CP-1/reservations", {"connectorId": -1, "idTag": "T"}),
        400,
        "ValidationError",
    )
    assert_error(world.client.get("/api/chargers/NOPE/reservations"), 404, "NotFound")
    assert_error(world.client.delete("/api/chargers/CP-1/reservations/12345"), 404, "NotFound")
    assert_error(world.client.delete("/api/chargers/CP-1/reservations/abc"), 400, "ValidationError")


def test_text_with_an_unpaired_surrogate_is_a_400_and_never_holds_the_command_slot(world) -> None:
    world.online_charger()
    payload = {"vendorId": "com.acme\ud800", "messageId": "Ping"}
    sent = world.client.post("/api/chargers/CP-1/commands/DataTransfer", payload)
    assert_error(sent, 400, "ValidationError")
    tag = world.client.put("/api/id-tags/A", {"status": "Accepted", "ownerId": "x\udc00"})
    assert_error(tag, 400, "ValidationError")
    assert world.deps.id_tags.get("A") is None
    # Commands that reach the engine by another way (a workflow) are refused before the slot.
    engine = world.services.engine
    with pytest.raises(CommandError) as refused:
        engine.send("CP-1", "DataTransfer", payload)
    assert (refused.value.status, refused.value.code) == (400, "InvalidCommand")
    assert world.deps.commands.slot_holder("CP-1") is None
    world.reply({"status": "Accepted"})
    assert world.client.post("/api/chargers/CP-1/commands/ClearCache", {}).status == 200


def test_a_reconnect_while_the_api_waits_is_a_503_connection_lost(world) -> None:
    world.online_charger()

    def reconnect() -> None:
        world.clock.on_sleep = None
        world.services.connections.open("conn-2", "CP-1", "ocpp1.6", "strict", 1_000)

    world.clock.on_sleep = reconnect
    reply = world.client.post("/api/chargers/CP-1/commands/ClearCache", {})
    assert (reply.status, reply.body["error"]["code"]) == (503, "ConnectionLost")
    assert reply.body["command"]["status"] == "offline"
    assert reply.body["command"]["error"]["code"] == "ConnectionLost"
    # The slot is free: the next command goes out on the new connection at once.
    world.reply({"status": "Accepted"})
    assert world.client.post("/api/chargers/CP-1/commands/ClearCache", {}).status == 200
    assert world.deps.sender.sent[-1][0] == "conn-2"
