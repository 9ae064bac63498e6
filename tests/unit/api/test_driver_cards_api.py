"""The driver API's cards: a driver registers, lists and removes their own cards only; the
claims decide who is calling, and anonymous or non-driver callers get nothing."""

from __future__ import annotations

import pytest

from shared.models.transaction import IdTagRecord
from tests.fakes import memory_services
from tests.unit.api.driver_client import DriverClient, driver_claims, drivers


@pytest.fixture
def services():
    return memory_services()


@pytest.fixture
def alice(services) -> DriverClient:
    return drivers(services, "alice-sub")[0]


@pytest.fixture
def bob(services) -> DriverClient:
    return drivers(services, "bob-sub")[0]


def test_a_registered_card_is_an_accepted_tag_owned_by_the_driver(services, alice) -> None:
    reply = alice.post("/driver/cards", {"uid": "04A2B3C4D5E6F7"})
    assert reply.status == 201
    assert reply.body == {"uid": "04A2B3C4D5E6F7", "status": "Accepted"}
    assert reply.headers["Location"] == "/driver/cards/04A2B3C4D5E6F7"
    tag = services.deps.id_tags.get("04A2B3C4D5E6F7")
    assert tag == IdTagRecord(
        "04A2B3C4D5E6F7", "Accepted", owner_id="alice-sub", token_type="ISO14443"
    )
    assert alice.get("/driver/cards").body == {"items": [reply.body]}


def test_registering_ones_own_card_again_changes_nothing(alice) -> None:
    assert alice.post("/driver/cards", {"uid": "04A2B3C4"}).status == 201
    again = alice.post("/driver/cards", {"uid": "04A2B3C4"})
    assert again.status == 201
    assert again.body == {"uid": "04A2B3C4", "status": "Accepted"}
    assert len(alice.get("/driver/cards").body["items"]) == 1


def test_nobody_claims_a_card_that_exists(services, alice, bob) -> None:
    alice.post("/driver/cards", {"uid": "04A2B3C4"})
    services.deps.id_tags.put(IdTagRecord("FLEET-0001", "Accepted"))  # an operator's card
    for uid in ("04A2B3C4", "FLEET-0001"):
        refused = bob.post("/driver/cards", {"uid": uid})
        assert refused.status == 409
        assert refused.error["code"] == "Conflict"
    assert bob.get("/driver/cards").body == {"items": []}
    assert services.deps.id_tags.get("04A2B3C4").owner_id == "alice-sub"
    assert services.deps.id_tags.get("FLEET-0001").owner_id is None


def test_a_driver_sees_and_removes_only_their_own_cards(services, alice, bob) -> None:
    alice.post("/driver/cards", {"uid": "04A2B3C4"})
    bob.post("/driver/cards", {"uid": "0BB0B0B0"})
    assert [c["uid"] for c in alice.get("/driver/cards").body["items"]] == ["04A2B3C4"]
    # Another driver's card and a card nobody has look the same: 404, nothing removed.
    for uid in ("0BB0B0B0", "FFFFFFFF"):
        missing = alice.delete(f"/driver/cards/{uid}")
        assert missing.status == 404
        assert missing.error["code"] == "NotFound"
    assert services.deps.id_tags.get("0BB0B0B0") is not None
    assert alice.delete("/driver/cards/04A2B3C4").status == 204
    assert services.deps.id_tags.get("04A2B3C4") is None
    assert alice.delete("/driver/cards/04A2B3C4").status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"uid": "abc"},  # too short
        {"uid": "0" * 21},  # longer than a 1.6 idTag
        {"uid": "04 A2 B3 C4"},
        {"uid": "04A2B3C4", "owner": "bob-sub"},  # no other fields, least of all an owner
        {},
        {"uid": 12345678},
    ],
)
def test_card_registrations_are_validated(services, alice, body) -> None:
    reply = alice.post("/driver/cards", body)
    assert reply.status == 400
    assert reply.error["code"] == "ValidationError"
    assert services.deps.id_tags.records == {}


def test_at_most_ten_cards(alice) -> None:
    for n in range(10):
        assert alice.post("/driver/cards", {"uid": f"CARD-{n:04d}"}).status == 201
    assert alice.post("/driver/cards", {"uid": "CARD-0010"}).status == 409


def test_who_calls_is_decided_by_the_verified_claims_only(services, alice) -> None:
    anonymous = alice.get("/driver/cards", claims=None)
    assert anonymous.status == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="csms-driver"'
    operator = alice.get("/driver/cards", claims=driver_claims("ops", groups="[operators]"))
    assert operator.status == 403
    assert operator.error["code"] == "Forbidden"
    no_subject = alice.get("/driver/cards", claims={"cognito:groups": "[drivers]"})
    assert no_subject.status == 401
    # The body cannot name another driver; an unknown route is a 404 in the same shape.
    assert alice.get("/driver/nothing-here").status == 404


def test_the_openapi_document_names_the_driver_routes(alice) -> None:
    document = alice.get("/driver/openapi.json", claims=None).body
    assert {"/driver/me", "/driver/cards", "/driver/cards/{uid}"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["driverToken"]["scheme"] == "bearer"
