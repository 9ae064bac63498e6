import json

import pytest

from shared.ocpp.errors import ErrorKind
from shared.ocpp.framing import (
    Call,
    CallError,
    CallResult,
    FrameError,
    encode_call,
    encode_call_error,
    encode_call_result,
    parse_frame,
)


def test_parses_call():
    frame = parse_frame('[2,"abc","Heartbeat",{}]')
    assert frame == Call("abc", "Heartbeat", {})


def test_parses_call_result_and_call_error():
    assert parse_frame('[3,"m1",{"status":"Accepted"}]') == CallResult("m1", {"status": "Accepted"})
    assert parse_frame('[4,"m1","NotSupported","nope",{}]') == CallError(
        "m1", "NotSupported", "nope", {}
    )


@pytest.mark.parametrize(
    ("raw", "kind", "message_id"),
    [
        ("not json", ErrorKind.RPC_FRAMEWORK_ERROR, None),
        ("{}", ErrorKind.RPC_FRAMEWORK_ERROR, None),
        ("[]", ErrorKind.RPC_FRAMEWORK_ERROR, None),
        ('[2, 17, "Heartbeat", {}]', ErrorKind.RPC_FRAMEWORK_ERROR, None),
        ('[2, "' + "x" * 37 + '", "Heartbeat", {}]', ErrorKind.RPC_FRAMEWORK_ERROR, None),
        ('[5, "id1", "Heartbeat", {}]', ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED, "id1"),
        ('[true, "id1", "Heartbeat", {}]', ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED, "id1"),
        ('[2, "id1", "Heartbeat"]', ErrorKind.RPC_FRAMEWORK_ERROR, "id1"),
        ('[2, "id1", 7, {}]', ErrorKind.RPC_FRAMEWORK_ERROR, "id1"),
        ('[2, "id1", "Heartbeat", []]', ErrorKind.FORMAT_VIOLATION, "id1"),
        ('[2, "id1", "Heartbeat", {}, 1]', ErrorKind.RPC_FRAMEWORK_ERROR, "id1"),
    ],
)
def test_malformed_calls_are_rejected_with_the_id_when_readable(raw, kind, message_id):
    with pytest.raises(FrameError) as caught:
        parse_frame(raw)
    assert caught.value.kind is kind
    assert caught.value.message_id == message_id
    assert caught.value.reply is True


@pytest.mark.parametrize(
    "raw",
    ['[3, "m1"]', '[3, "m1", "x"]', '[4, "m1", "X", "y"]', '[4, "m1", 1, "y", {}]', "[3, 5, {}]"],
)
def test_malformed_replies_are_never_answered(raw):
    with pytest.raises(FrameError) as caught:
        parse_frame(raw)
    assert caught.value.reply is False


def test_encoders_write_compact_ocpp_j():
    assert encode_call("1", "Reset", {"type": "Soft"}) == '[2,"1","Reset",{"type":"Soft"}]'
    assert encode_call_result("1", {}) == '[3,"1",{}]'
    assert json.loads(encode_call_error("1", "GenericError", "boom")) == [
        4,
        "1",
        "GenericError",
        "boom",
        {},
    ]


def test_non_ascii_survives_round_trip():
    raw = encode_call("1", "DataTransfer", {"vendorId": "Ünïcode"})
    assert parse_frame(raw) == Call("1", "DataTransfer", {"vendorId": "Ünïcode"})


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"a": [1, 2.5, -0.0, 1e300, True, False, None], "ü": 'é\u2028"\\/\n', "n": {"x": []}},
        {"big": 2**70, "nan": float("nan"), "inf": float("-inf")},
    ],
)
def test_encoders_write_what_json_dumps_writes(payload):
    expected = json.dumps([3, "id", payload], separators=(",", ":"), ensure_ascii=False)
    assert encode_call_result("id", payload) == expected


def test_unserialisable_values_raise_and_leave_the_encoder_usable():
    with pytest.raises(TypeError):
        encode_call_result("1", {"when": object()})
    shared = {"x": 1}
    assert (
        encode_call_result("1", {"a": shared, "b": shared}) == '[3,"1",{"a":{"x":1},"b":{"x":1}}]'
    )


@pytest.mark.parametrize(
    "raw",
    [
        ' [2,"m1","Heartbeat",{}]',
        '[2,"m1","Heartbeat",{}]\n',
        '\t[2, "m1", "Heartbeat", {}] ',
        b'[2,"m1","Heartbeat",{}]',
    ],
)
def test_frames_with_surrounding_whitespace_or_as_bytes_are_read(raw):
    assert parse_frame(raw) == Call("m1", "Heartbeat", {})


@pytest.mark.parametrize(
    "raw", ['[2,"m1","Heartbeat",{}] x', '[2,"m1","Heartbeat",{}][]', "\ufeff[]"]
)
def test_trailing_data_is_not_json(raw):
    with pytest.raises(FrameError) as caught:
        parse_frame(raw)
    assert caught.value.kind is ErrorKind.RPC_FRAMEWORK_ERROR
    assert caught.value.description == "message is not valid JSON"
