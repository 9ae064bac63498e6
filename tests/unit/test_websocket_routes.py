import base64
import json

import pytest

from shared.core.passwords import hash_password
from shared.models.charger import ChargerRecord
from shared.websocket import Unauthorized, authorize, connect, disconnect, message
from shared.wiring import build_router
from tests.fakes import (
    NOW_MS,
    authorizer_event,
    connect_event,
    disconnect_event,
    memory_deps,
    message_event,
)


@pytest.fixture
def deps():
    d = memory_deps(UNKNOWN_CHARGERS="reject")
    d.chargers.create(ChargerRecord("CP1"))
    d.chargers.create(ChargerRecord("SECURE", password_hash=hash_password("s3cret-password-16")))
    return d


def ctx_for(cp, protocol="ocpp1.6"):
    return {
        "chargePointId": cp,
        "protocol": protocol,
        "validationMode": "strict",
        "principalId": cp,
    }


def test_authorizer_allows_with_context_and_denies_unknown(deps):
    policy = authorize(authorizer_event("CP1", "ocpp1.6, ocpp2.0.1"), deps)
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert policy["policyDocument"]["Statement"][0]["Resource"].endswith("/$connect")
    assert policy["context"]["protocol"] == "ocpp2.0.1"
    denied = authorize(authorizer_event("NOBODY"), deps)
    assert denied["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "context" not in denied


def test_authorizer_raises_unauthorized_for_bad_credentials(deps):
    wrong = "Basic " + base64.b64encode(b"SECURE:not-the-password!").decode()
    with pytest.raises(Unauthorized, match=r"^Unauthorized$"):
        authorize(authorizer_event("SECURE", authorization=wrong), deps)


def test_connect_returns_the_chosen_subprotocol_and_records_the_connection(deps):
    event = connect_event("CP1", "ocpp1.6", connection_id="c1=", authorizer=ctx_for("CP1"))
    assert connect(event, deps) == {
        "statusCode": 200,
        "headers": {"Sec-WebSocket-Protocol": "ocpp1.6"},
    }
    assert deps.chargers.get("CP1").connection_id == "c1="
    assert deps.connections.get("c1=").charge_point_id == "CP1"
    assert deps.publisher.of_type("ChargerConnected")[0].detail["protocol"] == "ocpp1.6"


def test_connect_without_authorizer_admits_itself(deps):
    assert connect(connect_event("CP1", "ocpp2.0.1"), deps)["headers"] == {
        "Sec-WebSocket-Protocol": "ocpp2.0.1"
    }
    assert connect(connect_event("NOBODY"), deps) == {"statusCode": 403}
    assert connect(connect_event("SECURE"), deps) == {"statusCode": 401}


def test_connect_refuses_when_no_supported_subprotocol(deps):
    event = connect_event("CP1", "ocpp1.5", authorizer={**ctx_for("CP1"), "protocol": ""})
    assert connect(event, deps) == {"statusCode": 400}
    assert connect(connect_event("CP1", None), deps) == {"statusCode": 400}
    assert deps.chargers.get("CP1").connection_id is None


def test_newest_connection_wins_and_a_late_disconnect_is_ignored(deps):
    auth = ctx_for("CP1")
    connect(connect_event("CP1", connection_id="old=", at_ms=NOW_MS, authorizer=auth), deps)
    connect(connect_event("CP1", connection_id="new=", at_ms=NOW_MS + 5, authorizer=auth), deps)
    disconnect(disconnect_event("old=", authorizer=auth, at_ms=NOW_MS + 10), deps)
    record = deps.chargers.get("CP1")
    assert (record.online, record.connection_id) == (True, "new=")
    assert deps.publisher.of_type("ChargerDisconnected") == []

    disconnect(disconnect_event("new=", authorizer=auth, at_ms=NOW_MS + 20), deps)
    assert not deps.chargers.get("CP1").online
    assert len(deps.publisher.of_type("ChargerDisconnected")) == 1


def test_a_connect_processed_after_a_newer_one_does_not_take_over(deps):
    auth = ctx_for("CP1")
    connect(connect_event("CP1", connection_id="new=", at_ms=NOW_MS + 5, authorizer=auth), deps)
    connect(connect_event("CP1", connection_id="old=", at_ms=NOW_MS, authorizer=auth), deps)
    assert deps.chargers.get("CP1").connection_id == "new="


def test_disconnect_without_context_uses_the_connection_record(deps):
    connect(connect_event("CP1", connection_id="c9=", authorizer=ctx_for("CP1")), deps)
    disconnect(disconnect_event("c9="), deps)
    assert not deps.chargers.get("CP1").online
    assert deps.connections.get("c9=") is None
    disconnect(disconnect_event("never-seen="), deps)  # harmless


def test_message_uses_authorizer_context_or_connection_record(deps):
    router = build_router(deps)
    frame = '[2,"m1","Heartbeat",{}]'
    with_context = message(message_event("c1=", frame, authorizer=ctx_for("CP1")), deps, router)
    assert json.loads(with_context["body"])[0] == 3

    connect(
        connect_event(
            "CP1", "ocpp2.0.1", connection_id="c2=", authorizer=ctx_for("CP1", "ocpp2.0.1")
        ),
        deps,
    )
    from_record = message(message_event("c2=", "nonsense"), deps, router)
    assert json.loads(from_record["body"])[2] == "RpcFrameworkError"  # 2.0.1 naming: from record


def test_message_on_unknown_connection_gets_security_error(deps):
    answer = message(message_event("ghost=", '[2,"m1","Heartbeat",{}]'), deps, build_router(deps))
    assert json.loads(answer["body"])[2] == "SecurityError"


def test_reply_frames_get_no_route_response(deps):
    answer = message(
        message_event("c1=", '[3,"x",{}]', authorizer=ctx_for("CP1")), deps, build_router(deps)
    )
    assert answer == {"statusCode": 200}


def test_binary_frame_is_decoded(deps):
    event = message_event(
        "c1=", base64.b64encode(b'[2,"m1","Heartbeat",{}]').decode(), authorizer=ctx_for("CP1")
    )
    event["isBase64Encoded"] = True
    assert json.loads(message(event, deps, build_router(deps))["body"])[0] == 3
