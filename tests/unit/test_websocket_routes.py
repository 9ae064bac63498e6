import base64
import json
from typing import Any

import pytest

from shared.access.passwords import hash_password
from shared.bootstrap import build_router
from shared.commands.engine import CommandError
from shared.gateway.websocket import Unauthorized, authorize, connect, disconnect, message
from shared.models.charger import ChargerRecord
from shared.ports import ChargerChanges
from tests.fakes import (
    NOW_MS,
    authorizer_event,
    connect_event,
    disconnect_event,
    memory_services,
    message_event,
)


@pytest.fixture
def services():
    s = memory_services(UNKNOWN_CHARGERS="reject")
    s.deps.chargers.create(ChargerRecord("CP1"))
    s.deps.chargers.create(
        ChargerRecord("SECURE", password_hash=hash_password("s3cret-password-16"))
    )
    return s


@pytest.fixture
def deps(services):
    return services.deps


def ctx_for(cp, protocol="ocpp1.6"):
    return {
        "chargePointId": cp,
        "protocol": protocol,
        "validationMode": "strict",
        "principalId": cp,
    }


def test_authorizer_allows_with_context_and_denies_unknown(services, deps):
    policy = authorize(authorizer_event("CP1", "ocpp1.6, ocpp2.0.1"), services)
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert policy["policyDocument"]["Statement"][0]["Resource"].endswith("/$connect")
    assert policy["context"]["protocol"] == "ocpp2.0.1"
    denied = authorize(authorizer_event("NOBODY"), services)
    assert denied["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "context" not in denied


def test_authorizer_raises_unauthorized_for_bad_credentials(services, deps):
    wrong = "Basic " + base64.b64encode(b"SECURE:not-the-password!").decode()
    with pytest.raises(Unauthorized, match=r"^Unauthorized$"):
        authorize(authorizer_event("SECURE", authorization=wrong), services)


def test_connect_returns_the_chosen_subprotocol_and_attaches_the_connection(services, deps):
    event = connect_event("CP1", "ocpp1.6", connection_id="c1=", authorizer=ctx_for("CP1"))
    assert connect(event, services) == {
        "statusCode": 200,
        "headers": {"Sec-WebSocket-Protocol": "ocpp1.6"},
    }
    assert deps.chargers.get("CP1").connection_id == "c1="
    # Every later route carries the authorizer's context: no connection record to fall back on.
    assert deps.connections.get("c1=") is None
    assert deps.publisher.of_type("ChargerConnected")[0].detail["protocol"] == "ocpp1.6"


def test_connect_without_authorizer_records_the_connection_for_later_routes(services, deps):
    answer = connect(connect_event("CP1", "ocpp1.6", connection_id="c1="), services)
    assert answer["statusCode"] == 200
    assert deps.connections.get("c1=").charge_point_id == "CP1"


def test_connect_without_authorizer_admits_itself(services, deps):
    assert connect(connect_event("CP1", "ocpp2.0.1"), services)["headers"] == {
        "Sec-WebSocket-Protocol": "ocpp2.0.1"
    }
    assert connect(connect_event("NOBODY"), services) == {"statusCode": 403}
    assert connect(connect_event("SECURE"), services) == {"statusCode": 401}


def test_connect_refuses_when_no_supported_subprotocol(services, deps):
    event = connect_event("CP1", "ocpp1.5", authorizer={**ctx_for("CP1"), "protocol": ""})
    assert connect(event, services) == {"statusCode": 400}
    assert connect(connect_event("CP1", None), services) == {"statusCode": 400}
    assert deps.chargers.get("CP1").connection_id is None


def test_newest_connection_wins_and_a_late_disconnect_is_ignored(services, deps):
    auth = ctx_for("CP1")
    connect(connect_event("CP1", connection_id="old=", at_ms=NOW_MS, authorizer=auth), services)
    connect(connect_event("CP1", connection_id="new=", at_ms=NOW_MS + 5, authorizer=auth), services)
    # The older socket is closed: one charger id, one live connection.
    assert deps.live_connections.closed == ["old="]
    disconnect(disconnect_event("old=", authorizer=auth, at_ms=NOW_MS + 10), services)
    record = deps.chargers.get("CP1")
    assert (record.online, record.connection_id) == (True, "new=")
    assert deps.publisher.of_type("ChargerDisconnected") == []

    disconnect(disconnect_event("new=", authorizer=auth, at_ms=NOW_MS + 20), services)
    assert not deps.chargers.get("CP1").online
    # Published by the outbox relay once the charger stayed away (test_connection_events.py).
    assert deps.chargers.get("CP1").unpublished == frozenset({"ChargerDisconnected"})


def test_a_connect_processed_after_a_newer_one_does_not_take_over(services, deps):
    auth = ctx_for("CP1")
    connect(connect_event("CP1", connection_id="new=", at_ms=NOW_MS + 5, authorizer=auth), services)
    late = connect_event("CP1", connection_id="old=", at_ms=NOW_MS, authorizer=auth)
    assert connect(late, services) == {"statusCode": 409}  # refused: not the charger's socket
    assert deps.chargers.get("CP1").connection_id == "new="
    assert deps.live_connections.closed == []


def test_disconnect_without_context_uses_the_connection_record(services, deps):
    connect(connect_event("CP1", connection_id="c9="), services)
    disconnect(disconnect_event("c9="), services)
    assert not deps.chargers.get("CP1").online
    assert deps.connections.get("c9=") is None
    disconnect(disconnect_event("never-seen="), services)  # harmless


def test_message_uses_authorizer_context_or_connection_record(services, deps):
    router = build_router(services)
    frame = '[2,"m1","Heartbeat",{}]'
    with_context = message(message_event("c1=", frame, authorizer=ctx_for("CP1")), services, router)
    assert json.loads(with_context["body"])[0] == 3

    connect(connect_event("CP1", "ocpp2.0.1", connection_id="c2="), services)
    from_record = message(message_event("c2=", "nonsense"), services, router)
    assert json.loads(from_record["body"])[2] == "RpcFrameworkError"  # 2.0.1 naming: from record


def test_message_on_unknown_connection_gets_security_error(services, deps):
    answer = message(
        message_event("ghost=", '[2,"m1","Heartbeat",{}]'), services, build_router(services)
    )
    assert json.loads(answer["body"])[2] == "SecurityError"


def test_reply_frames_get_no_route_response(services, deps):
    answer = message(
        message_event("c1=", '[3,"x",{}]', authorizer=ctx_for("CP1")),
        services,
        build_router(services),
    )
    assert answer == {"statusCode": 200}


def test_binary_frame_is_decoded(services, deps):
    event = message_event(
        "c1=", base64.b64encode(b'[2,"m1","Heartbeat",{}]').decode(), authorizer=ctx_for("CP1")
    )
    event["isBase64Encoded"] = True
    assert json.loads(message(event, services, build_router(services))["body"])[0] == 3


@pytest.mark.parametrize("status", ["Pending", "Rejected"])
def test_a_charger_not_accepted_may_only_boot_but_its_answers_to_commands_count(
    services, deps, status
):
    deps.chargers.update("CP1", ChargerChanges(registration_status=status))
    policy = authorize(authorizer_event("CP1"), services)
    auth = {**policy["context"], "principalId": "CP1"}
    assert auth["registrationStatus"] == status
    router = build_router(services)

    def send(frame: str) -> list[Any]:
        answer = message(message_event("c1=", frame, authorizer=auth), services, router)
        return json.loads(answer["body"]) if "body" in answer else []

    start = '[2,"m1","StartTransaction",{"connectorId":1,"idTag":"T","meterStart":0,'
    start += '"timestamp":"2026-01-01T00:00:00Z"}]'
    assert send(start)[2] == "SecurityError"
    assert deps.transactions.records == {}
    boot = send('[2,"m2","BootNotification",{"chargePointVendor":"A","chargePointModel":"B"}]')
    assert boot[2]["status"] == status
    # Pending chargers are configured by commands: their answers are processed, not refused.
    # A Rejected charger is sent nothing (B03.FR.03), but the answer to a command sent before
    # an operator rejected it still counts.
    deps.chargers.attach_connection("CP1", "c1=", "ocpp1.6", NOW_MS)
    if status == "Rejected":
        with pytest.raises(CommandError, match="is Rejected"):
            services.engine.send("CP1", "ChangeConfiguration", {"key": "K", "value": "V"})
        deps.chargers.update("CP1", ChargerChanges(registration_status="Accepted"))
    command = services.engine.send("CP1", "ChangeConfiguration", {"key": "K", "value": "V"})
    deps.chargers.update("CP1", ChargerChanges(registration_status=status))
    assert send(f'[3,"{command.message_id}",{{"status":"Accepted"}}]') == []
    assert services.engine.get("CP1", command.message_id).status == "answered"
