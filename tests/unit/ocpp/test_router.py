import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.ocpp.errors import ErrorKind, OcppError
from shared.ocpp.framing import CallError, CallResult
from shared.ocpp.router import MessageContext, Outcome, Router
from shared.ocpp.versions import OcppVersion

V16, V201 = OcppVersion.V16, OcppVersion.V201
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def ctx(version=V16, lenient=False):
    return MessageContext("CP1", "conn1", version, NOW, lenient=lenient)


def heartbeat(_ctx, _payload):
    return {"currentTime": "2026-01-01T00:00:00.000Z"}


def make_router():
    r = Router()
    r.route(V16, "Heartbeat", heartbeat)
    r.route(V201, "Heartbeat", heartbeat)
    r.route(
        V16,
        "BootNotification",
        lambda c, p: {"status": "Accepted", "currentTime": "2026-01-01T00:00:00Z", "interval": 300},
    )
    return r


@pytest.fixture
def router():
    return make_router()


SHARED_ROUTER = make_router()


def reply(raw):
    return json.loads(raw)


def test_call_gets_call_result(router):
    assert reply(router.handle(ctx(), '[2,"m1","Heartbeat",{}]')) == [
        3,
        "m1",
        {"currentTime": "2026-01-01T00:00:00.000Z"},
    ]


@pytest.mark.parametrize(
    ("version", "code"), [(V16, "FormationViolation"), (V201, "RpcFrameworkError")]
)
def test_not_json_gets_call_error_with_unknown_id(router, version, code):
    assert reply(router.handle(ctx(version), "not json"))[:3] == [4, "-1", code]


def test_unknown_action_gets_not_implemented(router):
    outcome = Outcome()
    answer = reply(router.handle(ctx(), '[2,"m2","MakeCoffee",{}]', outcome))
    assert answer[:3] == [4, "m2", "NotImplemented"]
    assert outcome.action == "Unrouted"  # never the charger's invented name


def test_known_but_unrouted_action_gets_not_supported(router):
    assert reply(router.handle(ctx(), '[2,"m3","DataTransfer",{"vendorId":"x"}]'))[2] == (
        "NotSupported"
    )


def test_schema_violation_gets_version_specific_code(router):
    answer = reply(router.handle(ctx(), '[2,"m4","BootNotification",{"chargePointModel":"X"}]'))
    assert answer[:3] == [4, "m4", "OccurenceConstraintViolation"]
    assert answer[4] == {"path": "chargePointVendor", "constraint": "required"}


def test_lenient_charger_is_forgiven_value_violations_but_not_missing_fields(router):
    too_long = json.dumps(
        [2, "m5", "BootNotification", {"chargePointVendor": "V" * 30, "chargePointModel": "X"}]
    )
    outcome = Outcome()
    assert reply(router.handle(ctx(lenient=True), too_long, outcome))[0] == 3
    assert outcome.tolerated_violation == "PropertyConstraintViolation"
    assert reply(router.handle(ctx(lenient=False), too_long))[2] == "PropertyConstraintViolation"
    missing = '[2,"m6","BootNotification",{"chargePointModel":"X"}]'
    assert reply(router.handle(ctx(lenient=True), missing))[2] == "OccurenceConstraintViolation"


def test_handler_failure_gets_internal_error_and_ocpp_errors_pass_through():
    r = Router()

    def broken(_c, _p):
        raise RuntimeError("database on fire")

    def refusing(_c, _p):
        raise OcppError(ErrorKind.SECURITY_ERROR, "not allowed")

    r.route(V16, "Heartbeat", broken)
    r.route(V16, "Authorize", refusing)
    answer = reply(r.handle(ctx(), '[2,"m7","Heartbeat",{}]'))
    assert answer[:3] == [4, "m7", "InternalError"]
    assert "fire" not in answer[3]  # internals are not leaked to the charger
    assert reply(r.handle(ctx(), '[2,"m8","Authorize",{"idTag":"A"}]'))[2:4] == [
        "SecurityError",
        "not allowed",
    ]


def test_invalid_handler_response_is_not_sent():
    r = Router()
    r.route(V16, "Heartbeat", lambda c, p: {"currentTime": 12})
    assert reply(r.handle(ctx(), '[2,"m9","Heartbeat",{}]'))[2] == "InternalError"


def test_handler_sees_the_connection_context_with_the_frames_id():
    seen = []

    def remembering(c, p):
        seen.append(c)
        return heartbeat(c, p)

    r = Router()
    r.route(V16, "Heartbeat", remembering)
    r.handle(ctx(lenient=True), '[2,"m7","Heartbeat",{}]')
    assert seen == [MessageContext("CP1", "conn1", V16, NOW, lenient=True, message_id="m7")]


def test_response_is_validated_on_every_message_not_only_the_first():
    answers: Iterator[dict[str, Any]] = iter(
        [{"currentTime": "2026-01-01T00:00:00.000Z"}, {"currentTime": 12}]
    )
    r = Router()
    r.route(V16, "Heartbeat", lambda c, p: next(answers))
    assert reply(r.handle(ctx(), '[2,"m1","Heartbeat",{}]'))[0] == 3
    assert reply(r.handle(ctx(), '[2,"m2","Heartbeat",{}]'))[2] == "InternalError"


def test_routing_an_action_again_replaces_its_handler_after_it_was_used(router):
    router.handle(ctx(), '[2,"m1","Heartbeat",{}]')
    router.route(V16, "Heartbeat", lambda c, p: {"currentTime": "2030-01-01T00:00:00.000Z"})
    assert reply(router.handle(ctx(), '[2,"m2","Heartbeat",{}]'))[2] == {
        "currentTime": "2030-01-01T00:00:00.000Z"
    }


def test_replies_go_to_the_reply_handler_and_are_not_answered():
    seen = []
    r = Router(reply_handler=lambda c, frame: seen.append((c.message_id, frame)))
    assert r.handle(ctx(), '[3,"x1",{"status":"Accepted"}]') is None
    assert r.handle(ctx(), '[4,"x2","NotSupported","",{}]') is None
    assert r.handle(ctx(), '[3,"x3"]') is None  # malformed reply: dropped, not answered
    assert seen == [
        ("x1", CallResult("x1", {"status": "Accepted"})),
        ("x2", CallError("x2", "NotSupported", "", {})),
    ]


def test_a_reply_whose_processing_fails_is_still_never_answered():
    def storage_down(_ctx, _frame):
        raise RuntimeError("DynamoDB unavailable")

    r = Router(reply_handler=storage_down)
    for raw in ('[3,"x1",{"status":"Accepted"}]', '[4,"x2","NotSupported","",{}]'):
        outcome = Outcome()
        assert r.handle(ctx(), raw, outcome) is None
        assert (outcome.action, outcome.error) == ("Reply", "InternalError")


def test_only_actions_with_a_request_schema_can_be_routed():
    with pytest.raises(ValueError, match="not an OCPP"):
        Router().route(V16, "MakeCoffee", heartbeat)


frames = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.one_of(
            st.integers(-3, 6),
            st.text(max_size=40),
            st.none(),
            st.booleans(),
            st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=10), max_size=3),
        ),
        max_size=6,
    ).map(json.dumps),
    st.builds(
        lambda mid, action, payload: json.dumps([2, mid, action, payload]),
        st.text(min_size=1, max_size=36),
        st.sampled_from(["Heartbeat", "BootNotification", "Authorize", "X"]),
        st.dictionaries(
            st.sampled_from(["chargePointVendor", "chargePointModel", "idTag", "x"]),
            st.one_of(st.text(max_size=30), st.integers(), st.none()),
            max_size=3,
        ),
    ),
)


@settings(max_examples=300, deadline=None)
@given(raw=frames, version=st.sampled_from([V16, V201]), lenient=st.booleans())
def test_no_input_makes_the_router_raise_and_every_answer_is_a_frame(raw, version, lenient):
    outcome = Outcome()
    answer = SHARED_ROUTER.handle(ctx(version, lenient), raw, outcome)
    # Handled by the protocol rules, not by the last-resort catch-all.
    assert outcome.error != "InternalError"
    if answer is not None:
        decoded = json.loads(answer)
        assert decoded[0] in (3, 4)
        if decoded[0] == 4:
            assert isinstance(decoded[2], str) and isinstance(decoded[4], dict)
