"""Id tag routes."""

from __future__ import annotations

from tests.unit.api.test_auth_and_errors import assert_error


def test_create_get_conflict(world) -> None:
    reply = world.client.post(
        "/api/id-tags",
        {
            "idTag": "TAG-1",
            "status": "Blocked",
            "expiryDate": "2031-06-01T10:00:00+02:00",
            "parentIdTag": "GROUP-1",
            "ownerId": "owner-42",
        },
    )
    assert reply.status == 201
    assert reply.headers["Location"] == "/api/id-tags/TAG-1"
    expected = {
        "idTag": "TAG-1",
        "status": "Blocked",
        "expiryDate": "2031-06-01T08:00:00.000Z",  # normalised to UTC
        "parentIdTag": "GROUP-1",
        "ownerId": "owner-42",
        "tokenType": None,
    }
    assert reply.body == expected
    assert world.client.get("/api/id-tags/TAG-1").body == expected
    assert world.deps.id_tags.get("TAG-1").expiry_date == "2031-06-01T08:00:00.000Z"
    assert_error(world.client.post("/api/id-tags", {"idTag": "TAG-1"}), 409, "Conflict")


def test_bad_id_tag_bodies_are_400_with_fields(client) -> None:
    cases = [
        ({"idTag": "TAG", "status": "Maybe"}, "body.status"),
        ({"idTag": "TAG", "expiryDate": "tomorrow"}, "body.expiryDate"),
        ({"idTag": "TAG", "expiryDate": "2031-06-01T10:00:00"}, "body.expiryDate"),  # no zone
        ({"idTag": "x" * 37}, "body.idTag"),
        ({"idTag": "with/slash"}, "body.idTag"),
        ({"idTag": "TAG", "tokenType": "Magic"}, "body.tokenType"),
    ]
    for body, field in cases:
        reply = client.post("/api/id-tags", body)
        assert_error(reply, 400, "ValidationError")
        assert field in [d["field"] for d in reply.error["details"]], body
    own_parent = client.post("/api/id-tags", {"idTag": "T", "parentIdTag": "T"})
    assert_error(own_parent, 400, "InvalidRequest")


def test_put_creates_and_replaces(world) -> None:
    created = world.client.put("/api/id-tags/TAG-2", {"status": "Accepted", "ownerId": "o1"})
    assert created.status == 200
    replaced = world.client.put("/api/id-tags/TAG-2", {"status": "Expired"})
    assert replaced.body["status"] == "Expired"
    assert replaced.body["ownerId"] is None  # a PUT replaces the whole tag
    assert world.deps.id_tags.get("TAG-2").status == "Expired"
    assert_error(world.client.put("/api/id-tags/bad%20tag", {}), 400, "ValidationError")
    assert_error(world.client.put("/api/id-tags/TAG-2", {"idTag": "OTHER"}), 400, "ValidationError")


def test_get_and_delete_unknown_tags_are_404(world) -> None:
    assert_error(world.client.get("/api/id-tags/NOPE"), 404, "NotFound")
    assert_error(world.client.delete("/api/id-tags/NOPE"), 404, "NotFound")
    world.client.post("/api/id-tags", {"idTag": "GONE"})
    assert world.client.delete("/api/id-tags/GONE").status == 204
    assert world.deps.id_tags.get("GONE") is None


def test_list_pages_through_all_tags(world) -> None:
    for n in range(7):
        world.client.post("/api/id-tags", {"idTag": f"T{n}"})
    seen, cursor = [], None
    while True:
        body = world.client.get(
            "/api/id-tags", query={"limit": 3, **({"cursor": cursor} if cursor else {})}
        ).body
        assert len(body["items"]) <= 3
        seen += [t["idTag"] for t in body["items"]]
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert seen == [f"T{n}" for n in range(7)]
    assert_error(world.client.get("/api/id-tags", query={"cursor": "bogus!"}), 400, "InvalidCursor")
