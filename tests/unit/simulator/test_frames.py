import json
import re

import pytest

from simulator.errors import FrameError
from simulator.frames import (
    MAX_MESSAGE_ID_LENGTH,
    Call,
    CallError,
    CallResult,
    new_message_id,
    parse_frame,
    utc_timestamp,
)


def test_frames_serialise_to_ocpp_j_arrays():
    assert json.loads(Call("m1", "Heartbeat", {}).to_json()) == [2, "m1", "Heartbeat", {}]
    assert json.loads(CallResult("m1", {"a": 1}).to_json()) == [3, "m1", {"a": 1}]
    assert json.loads(CallError("m1", "NotImplemented", "no").to_json()) == [
        4,
        "m1",
        "NotImplemented",
        "no",
        {},
    ]


@pytest.mark.parametrize(
    "frame",
    [Call("x", "Reset", {"type": "Hard"}), CallResult("y", {}), CallError("z", "E", "d", {"k": 1})],
)
def test_parse_is_the_inverse_of_to_json(frame):
    assert parse_frame(frame.to_json()) == frame


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "{}",
        "[2]",
        '[2, 5, "Heartbeat", {}]',
        '[2, "id", "Heartbeat"]',
        '[2, "id", "Heartbeat", []]',
        '[3, "id", "x"]',
        '[4, "id", "Code", "desc"]',
        '[4, "id", 5, "desc", {}]',
        '[5, "id", {}]',
    ],
)
def test_malformed_frames_are_rejected(text):
    with pytest.raises(FrameError):
        parse_frame(text)


def test_message_ids_are_unique_and_within_the_201_limit():
    ids = {new_message_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) <= MAX_MESSAGE_ID_LENGTH for i in ids)


def test_timestamps_are_rfc3339_utc_with_z():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", utc_timestamp())
