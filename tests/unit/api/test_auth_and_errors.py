"""Who may call the API, and the one error shape for everything that goes wrong."""

from __future__ import annotations

import base64

import pytest

from shared.adapters.memory.chargers import MemoryChargerRepository
from tests.unit.api.apiclient import ApiClient, Reply, http_event

OPERATOR_CLAIMS = {"username": "alice", "cognito:groups": "[operators admins]"}


def assert_error(reply: Reply, status: int, code: str) -> None:
    assert reply.status == status, reply.body
    assert set(reply.body) == {"error"}
    assert reply.error["code"] == code
    assert reply.error["message"]


def test_health_and_openapi_are_public(client: ApiClient) -> None:
    health = client.get("/api/health", headers={})
    assert health.status == 200
    assert health.body["status"] == "ok"
    document = client.get("/api/openapi.json", headers={})
    assert document.status == 200
    assert document.body["openapi"].startswith("3.")
    assert "/api/chargers/{chargePointId}/commands/{action}" in document.body["paths"]


def test_openapi_documents_the_real_error_answers(client: ApiClient) -> None:
    document = client.get("/api/openapi.json", headers={}).body
    schemas = document["components"]["schemas"]
    assert "ErrorResponse" in schemas
    assert "HTTPValidationError" not in schemas
    register = document["paths"]["/api/chargers"]["post"]["responses"]
    assert {"201", "400", "401", "403", "409"} <= set(register)
    assert "422" not in register
    assert document["paths"]["/api/health"]["get"]["security"] == []


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "authentication required"),
        ({"authorization": "Basic dXNlcjpwYXNz"}, "authentication required"),
        ({"authorization": "Bearer wrong-token"}, "invalid token"),
    ],
)
def test_requests_without_a_valid_token_get_401(
    client: ApiClient, headers: dict[str, str], message: str
) -> None:
    reply = client.get("/api/chargers", headers=headers)
    assert_error(reply, 401, "Unauthorized")
    assert reply.error["message"] == message
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_auth_comes_before_validation_and_routing(client: ApiClient) -> None:
    assert_error(client.post("/api/chargers", {"bad": 1}, headers={}), 401, "Unauthorized")
    assert_error(client.get("/api/no-such-route", headers={}), 401, "Unauthorized")


def test_jwt_without_the_operators_group_gets_403(client: ApiClient) -> None:
    reply = client.get(
        "/api/chargers", headers={}, claims={"username": "bob", "cognito:groups": "[drivers]"}
    )
    assert_error(reply, 403, "Forbidden")
    reply = client.get("/api/chargers", headers={}, claims={"username": "bob"})
    assert_error(reply, 403, "Forbidden")


def test_jwt_of_an_operator_is_accepted_and_named_on_commands(world) -> None:
    world.online_charger()
    reply = world.client.post(
        "/api/chargers/CP-1/commands/ClearCache",
        {},
        query={"wait": False},
        headers={},
        claims=OPERATOR_CLAIMS,
    )
    assert reply.status == 202
    assert reply.body["requestedBy"] == "alice"


def test_unknown_route_is_404_and_wrong_method_is_405(client: ApiClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "NotFound")
    reply = client.put("/api/chargers", {})
    assert_error(reply, 405, "MethodNotAllowed")
    assert reply.headers["Allow"] == "GET, POST"
    assert reply.error["details"] == {"allowed": ["GET", "POST"]}


def test_invalid_json_body_is_a_400_with_field_details(client: ApiClient) -> None:
    reply = client.post("/api/chargers", raw_body="{not json")
    assert_error(reply, 400, "ValidationError")
    assert reply.error["details"][0]["field"].startswith("body")


def test_non_json_bodies_are_refused_with_415(client: ApiClient) -> None:
    reply = client.post(
        "/api/chargers",
        raw_body="chargePointId=CP",
        headers={**client.headers, "content-type": "multipart/form-data"},
    )
    assert_error(reply, 415, "UnsupportedMediaType")


def test_a_body_that_is_not_utf8_is_a_400(client: ApiClient) -> None:
    event = http_event("POST", "/api/id-tags", headers=client.headers)
    event["body"] = base64.b64encode(b'{"idTag": "\xff"}').decode()
    event["isBase64Encoded"] = True
    result = client.api.resolve(event, None)
    assert result["statusCode"] == 400


def test_a_base64_json_body_is_accepted(client: ApiClient) -> None:
    event = http_event("POST", "/api/id-tags", headers=client.headers)
    event["body"] = base64.b64encode(b'{"idTag": "B64"}').decode()
    event["isBase64Encoded"] = True
    assert client.api.resolve(event, None)["statusCode"] == 201


def test_query_validation_names_the_parameter(client: ApiClient) -> None:
    reply = client.get("/api/chargers", query={"limit": 1000})
    assert_error(reply, 400, "ValidationError")
    assert reply.error["details"] == [
        {"field": "query.limit", "message": "Input should be less than or equal to 100"}
    ]


def test_a_bad_cursor_is_a_400(client: ApiClient) -> None:
    for cursor in ("not-a-cursor", "eyJ4IjoxfQ"):  # garbage; a cursor of another listing
        assert_error(client.get("/api/chargers", query={"cursor": cursor}), 400, "InvalidCursor")


def test_unexpected_failures_are_500_in_the_error_shape(world, monkeypatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("table unavailable")

    monkeypatch.setattr(MemoryChargerRepository, "list_page", broken)
    assert_error(world.client.get("/api/chargers"), 500, "InternalError")
