"""Charger registry routes."""

from __future__ import annotations

import pytest

from shared.access.passwords import verify_password
from shared.models.connection import ConnectorStatus
from shared.ports import ChargerChanges
from tests.unit.api.test_auth_and_errors import assert_error

PASSWORD = "correct-horse-battery"


def test_register_defaults_and_conflict(world) -> None:
    reply = world.client.post("/api/chargers", {"chargePointId": "CP-7"})
    assert reply.status == 201
    assert reply.headers["Location"] == "/api/chargers/CP-7"
    assert reply.body["registrationStatus"] == "Accepted"
    assert reply.body["validationMode"] == "strict"
    assert reply.body["hasPassword"] is False
    assert reply.body["password"] is None
    assert reply.body["createdAt"] == "2030-01-01T12:00:00.000Z"
    assert world.deps.chargers.get("CP-7") is not None
    assert_error(world.client.post("/api/chargers", {"chargePointId": "CP-7"}), 409, "Conflict")


def test_register_with_a_generated_password_returns_it_once(world) -> None:
    reply = world.client.post(
        "/api/chargers",
        {"chargePointId": "CP-G", "generatePassword": True, "registrationStatus": "Pending"},
    )
    assert reply.status == 201
    password = reply.body["password"]
    assert 16 <= len(password) <= 40
    stored = world.deps.chargers.get("CP-G")
    assert stored.registration_status == "Pending"
    assert stored.password_hash != password
    assert verify_password(password, stored.password_hash)
    shown = world.client.get("/api/chargers/CP-G").body
    assert shown["hasPassword"] is True
    assert "password" not in shown


def test_register_with_a_given_password_stores_only_its_hash(world) -> None:
    reply = world.client.post(
        "/api/chargers",
        {"chargePointId": "CP-P", "password": PASSWORD, "validationMode": "lenient"},
    )
    assert reply.status == 201
    assert reply.body["password"] is None  # the caller knows it; never echoed
    stored = world.deps.chargers.get("CP-P")
    assert stored.validation_mode == "lenient"
    assert verify_password(PASSWORD, stored.password_hash)


def test_register_rejects_bad_bodies_with_field_details(client) -> None:
    cases = [
        ({"chargePointId": "CP-X", "password": "short"}, "body.password"),
        ({"chargePointId": "CP-X", "password": "é" * 20}, "body.password"),
        ({"chargePointId": "has space"}, "body.chargePointId"),
        ({"chargePointId": "x" * 49}, "body.chargePointId"),
        ({"chargePointId": "CP-X", "registrationStatus": "Maybe"}, "body.registrationStatus"),
        ({"chargePointId": "CP-X", "validationMode": "off"}, "body.validationMode"),
        ({"chargePointId": "CP-X", "unknown": 1}, "body.unknown"),
        ({}, "body.chargePointId"),
    ]
    for body, field in cases:
        reply = client.post("/api/chargers", body)
        assert_error(reply, 400, "ValidationError")
        assert field in [d["field"] for d in reply.error["details"]], (body, reply.body)
    both = client.post(
        "/api/chargers", {"chargePointId": "CP-X", "password": PASSWORD, "generatePassword": True}
    )
    assert_error(both, 400, "ValidationError")


def test_list_pages_with_cursors_and_filters(world) -> None:
    for n in range(5):
        world.client.post(
            "/api/chargers",
            {"chargePointId": f"CP-{n}", "registrationStatus": "Pending" if n % 2 else "Accepted"},
        )
    world.online_charger("CP-ON")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = world.client.get("/api/chargers", query=query).body
        seen += [c["chargePointId"] for c in body["items"]]
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert seen == ["CP-0", "CP-1", "CP-2", "CP-3", "CP-4", "CP-ON"]
    assert pages == 3
    pending = world.client.get("/api/chargers", query={"registrationStatus": "Pending"}).body
    assert [c["chargePointId"] for c in pending["items"]] == ["CP-1", "CP-3"]
    online = world.client.get("/api/chargers", query={"online": True}).body
    assert [c["chargePointId"] for c in online["items"]] == ["CP-ON"]
    offline = world.client.get("/api/chargers", query={"online": "false"}).body
    assert "CP-ON" not in [c["chargePointId"] for c in offline["items"]]


def test_get_shows_connectors_and_the_live_connection(world) -> None:
    world.online_charger("CP-1")
    world.deps.connectors.apply_status(
        ConnectorStatus("CP-1", 1, "Charging", "2030-01-01T11:30:00.000Z", 1, error_code="NoError"),
        frozenset(),
    )
    body = world.client.get("/api/chargers/CP-1").body
    assert body["online"] is True
    assert body["vendor"] == "Acme"
    assert body["connectors"] == [
        {
            "evseId": None,
            "connectorId": 1,
            "status": "Charging",
            "errorCode": "NoError",
            "info": None,
            "vendorId": None,
            "vendorErrorCode": None,
            "timestamp": "2030-01-01T11:30:00.000Z",
            "chargingState": None,
        }
    ]
    assert body["connection"] == {
        "connectionId": "conn-1",
        "protocol": "ocpp1.6",
        "connectedAt": "2030-01-01T11:00:00.000Z",
        "state": "live",
        "lastActiveAt": "2030-01-01T11:59:00.000Z",
        "sourceIp": "198.51.100.7",
    }


def test_get_still_answers_when_the_connection_cannot_be_looked_up(world) -> None:
    world.online_charger("CP-1")
    world.connections.failing = True
    body = world.client.get("/api/chargers/CP-1").body
    assert body["connection"]["state"] == "unknown"
    assert body["connection"]["lastActiveAt"] is None
    world.connections.failing = False
    world.connections.connections.clear()
    assert world.client.get("/api/chargers/CP-1").body["connection"]["state"] == "gone"


def test_an_offline_charger_has_no_connection(world) -> None:
    world.client.post("/api/chargers", {"chargePointId": "CP-OFF"})
    body = world.client.get("/api/chargers/CP-OFF").body
    assert body["online"] is False
    assert body["connection"] is None


def test_get_and_connectors_of_an_unknown_charger_are_404(client) -> None:
    assert_error(client.get("/api/chargers/NOPE"), 404, "NotFound")
    assert_error(client.get("/api/chargers/NOPE/connectors"), 404, "NotFound")


def test_connectors_route(world) -> None:
    world.online_charger("CP-1", protocol="ocpp2.0.1")
    world.deps.connectors.apply_status(
        ConnectorStatus("CP-1", 1, "Available", "2030-01-01T11:30:00.000Z", 1, evse_id=2),
        frozenset(),
    )
    body = world.client.get("/api/chargers/CP-1/connectors").body
    assert body["chargePointId"] == "CP-1"
    assert [(c["evseId"], c["connectorId"], c["status"]) for c in body["connectors"]] == [
        (2, 1, "Available")
    ]


def test_patch_changes_status_and_mode_and_rotates_or_clears_the_password(world) -> None:
    world.client.post("/api/chargers", {"chargePointId": "CP-U", "password": PASSWORD})
    reply = world.client.patch(
        "/api/chargers/CP-U", {"registrationStatus": "Rejected", "validationMode": "lenient"}
    )
    assert reply.status == 200
    assert (reply.body["registrationStatus"], reply.body["validationMode"]) == (
        "Rejected",
        "lenient",
    )
    assert verify_password(PASSWORD, world.deps.chargers.get("CP-U").password_hash)

    rotated = world.client.patch("/api/chargers/CP-U", {"generatePassword": True}).body
    new_password = rotated["password"]
    stored = world.deps.chargers.get("CP-U").password_hash
    assert verify_password(new_password, stored)
    assert not verify_password(PASSWORD, stored)

    world.client.patch("/api/chargers/CP-U", {"password": "another-long-password"})
    assert verify_password("another-long-password", world.deps.chargers.get("CP-U").password_hash)

    cleared = world.client.patch("/api/chargers/CP-U", {"password": None}).body
    assert cleared["hasPassword"] is False
    assert world.deps.chargers.get("CP-U").password_hash is None
    assert world.deps.chargers.get("CP-U").registration_status == "Rejected"


def test_patch_validation_and_unknown_charger(world) -> None:
    world.client.post("/api/chargers", {"chargePointId": "CP-U"})
    assert_error(
        world.client.patch("/api/chargers/CP-U", {"password": "short"}), 400, "ValidationError"
    )
    assert_error(
        world.client.patch("/api/chargers/CP-U", {"registrationStatus": "Nope"}),
        400,
        "ValidationError",
    )
    assert world.client.patch("/api/chargers/CP-U", {}).status == 200
    assert_error(
        world.client.patch("/api/chargers/NOPE", {"validationMode": "strict"}), 404, "NotFound"
    )


def test_delete_removes_the_charger_and_closes_its_connection(world) -> None:
    world.online_charger("CP-1")
    reply = world.client.delete("/api/chargers/CP-1")
    assert reply.status == 204
    assert reply.body is None
    assert world.deps.chargers.get("CP-1") is None
    assert world.connections.closed == ["conn-1"]
    assert_error(world.client.delete("/api/chargers/CP-1"), 404, "NotFound")


def test_percent_encoded_ids_are_decoded(world) -> None:
    world.client.post("/api/chargers", {"chargePointId": "CP|1"})
    assert world.client.get("/api/chargers/CP%7C1").body["chargePointId"] == "CP|1"


@pytest.mark.parametrize(
    "change",
    [
        {"registrationStatus": "Rejected"},
        {"password": "another-long-password"},
        {"generatePassword": True},
        {"password": None},
        {"validationMode": "lenient"},
    ],
)
def test_a_registration_or_credential_change_closes_the_live_connection(world, change) -> None:
    world.online_charger("CP-1")
    assert world.client.patch("/api/chargers/CP-1", change).status == 200
    assert world.connections.closed == ["conn-1"]


def test_an_empty_change_leaves_the_connection_open(world) -> None:
    world.online_charger("CP-1")
    assert world.client.patch("/api/chargers/CP-1", {}).status == 200
    assert world.connections.closed == []


def test_accepting_a_charger_leaves_its_connection_open(world) -> None:
    # B02: a Pending charger stays connected; its next BootNotification is answered Accepted.
    world.online_charger("CP-1")
    world.deps.chargers.update("CP-1", ChargerChanges(registration_status="Pending"))
    accept = world.client.patch("/api/chargers/CP-1", {"registrationStatus": "Accepted"})
    assert accept.status == 200
    assert world.connections.closed == []
    assert world.deps.chargers.get("CP-1").registration_status == "Accepted"
    # Accepting together with another change still closes it.
    world.client.patch(
        "/api/chargers/CP-1", {"registrationStatus": "Accepted", "validationMode": "lenient"}
    )
    assert world.connections.closed == ["conn-1"]


def test_tags_are_added_removed_shown_and_filtered_without_closing_the_connection(
    world,
) -> None:
    world.online_charger("CP-1")
    world.client.post("/api/chargers", {"chargePointId": "CP-2"})
    tagged = world.client.patch(
        "/api/chargers/CP-1", {"addTags": ["pilot", "depot-north", "fw:v2.1_b"]}
    )
    assert tagged.status == 200
    assert tagged.body["tags"] == ["depot-north", "fw:v2.1_b", "pilot"]
    assert world.connections.closed == []  # tags do not touch admission
    # Redelivered: the same set.
    again = world.client.patch("/api/chargers/CP-1", {"addTags": ["pilot", "depot-north"]})
    assert again.body["tags"] == ["depot-north", "fw:v2.1_b", "pilot"]
    changed = world.client.patch(
        "/api/chargers/CP-1", {"addTags": ["canary"], "removeTags": ["fw:v2.1_b", "absent"]}
    )
    assert changed.body["tags"] == ["canary", "depot-north", "pilot"]
    assert world.deps.chargers.get("CP-1").tags == frozenset({"canary", "depot-north", "pilot"})
    assert world.client.get("/api/chargers/CP-1").body["tags"] == ["canary", "depot-north", "pilot"]
    assert world.client.get("/api/chargers/CP-2").body["tags"] == []
    listed = world.client.get("/api/chargers", query={"tag": "pilot"}).body
    assert [(c["chargePointId"], c["tags"]) for c in listed["items"]] == [
        ("CP-1", ["canary", "depot-north", "pilot"])
    ]
    assert world.client.get("/api/chargers", query={"tag": "nobody"}).body["items"] == []
    # Removing them all.
    cleared = world.client.patch(
        "/api/chargers/CP-1", {"removeTags": ["canary", "depot-north", "pilot"]}
    )
    assert cleared.body["tags"] == []


@pytest.mark.parametrize(
    "change",
    [
        {"addTags": [""]},
        {"addTags": ["x" * 33]},
        {"addTags": ["with space"]},
        {"removeTags": ["bad/tag"]},
        {"addTags": [f"t{n}" for n in range(21)]},
    ],
)
def test_malformed_tags_are_refused(world, change) -> None:
    world.client.post("/api/chargers", {"chargePointId": "CP-T"})
    assert_error(world.client.patch("/api/chargers/CP-T", change), 400, "ValidationError")
    assert_error(world.client.get("/api/chargers", query={"tag": "a b"}), 400, "ValidationError")


def test_a_charger_holds_at_most_20_tags(world) -> None:
    world.client.post("/api/chargers", {"chargePointId": "CP-T"})
    first = [f"t{n}" for n in range(15)]
    assert world.client.patch("/api/chargers/CP-T", {"addTags": first}).status == 200
    too_many = world.client.patch("/api/chargers/CP-T", {"addTags": [f"u{n}" for n in range(6)]})
    assert_error(too_many, 400, "InvalidRequest")
    assert too_many.error["details"] == [
        {"field": "tags", "message": "a charger has at most 20 tags"}
    ]
    assert len(world.deps.chargers.get("CP-T").tags) == 15
    # Swapping within the limit is fine: the count is the result's.
    swap = {"addTags": [f"u{n}" for n in range(5)], "removeTags": first[:5]}
    assert len(world.client.patch("/api/chargers/CP-T", swap).body["tags"]) == 15
    assert_error(world.client.patch("/api/chargers/NOPE", {"addTags": ["a"]}), 404, "NotFound")
