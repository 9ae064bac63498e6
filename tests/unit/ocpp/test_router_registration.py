"""The router's registration check (docs/adr/0040): asked only for a CALL other than
BootNotification on a connection opened while the charger was not Accepted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from shared.ocpp.framing import CallResult
from shared.ocpp.router import MessageContext, Outcome, Router
from shared.ocpp.versions import OcppVersion

V16, V201 = OcppVersion.V16, OcppVersion.V201
NOW = datetime(2026, 1, 1, tzinfo=UTC)
BOOT_201 = json.dumps(
    [
        2,
        "b1",
        "BootNotification",
        {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}},
    ]
)
REPORT = json.dumps(
    [
        2,
        "r1",
        "NotifyReport",
        {"requestId": 7, "generatedAt": "2026-01-01T00:00:00Z", "seqNo": 0, "tbc": False},
    ]
)


def ctx(admitted: bool, version: OcppVersion = V201) -> MessageContext:
    return MessageContext("CP1", "conn1", version, NOW, admitted=admitted)


class Check:
    def __init__(self, answer: bool | Exception) -> None:
        self.answer = answer
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> bool:
        self.calls.append(args)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def router(check: Check | None, replies: list[Any] | None = None) -> Router:
    r = Router(registration_check=check)
    if replies is not None:
        r.reply_handler = lambda c, reply: replies.append(reply)
    r.route(
        V201,
        "BootNotification",
        lambda c, p: {"status": "Pending", "currentTime": "2026-01-01T00:00:00Z", "interval": 60},
    )
    r.route(V201, "NotifyReport", lambda c, p: {})
    return r


def answer(frame: str | None) -> list[Any]:
    assert frame is not None
    return list(json.loads(frame))


def test_B02_a_call_the_check_allows_is_handled_with_the_checks_inputs():
    check = Check(True)
    assert answer(router(check).handle(ctx(False), REPORT)) == [3, "r1", {}]
    (args,) = check.calls
    assert args[:3] == ("CP1", V201, "NotifyReport")
    assert args[3]["requestId"] == 7 and args[4] == NOW


def test_B02_B03_a_call_the_check_refuses_gets_security_error_before_anything_else():
    check = Check(False)
    outcome = Outcome()
    refused = answer(router(check).handle(ctx(False), REPORT, outcome))
    assert refused[:3] == [4, "r1", "SecurityError"]
    assert outcome.error == "SecurityError"
    # Unrouted or malformed: refused for the registration, not for what it is.
    assert (
        answer(router(check).handle(ctx(False), '[2,"x","NotifyEvent",{}]'))[2] == "SecurityError"
    )
    assert answer(router(check).handle(ctx(False), '[2,"y","Nope",{"a":1}]'))[2] == "SecurityError"
    bad = '[2,"z","NotifyReport",{"requestId":"seven"}]'
    assert answer(router(check).handle(ctx(False), bad))[2] == "SecurityError"


def test_boot_notification_and_an_admitted_connection_never_ask():
    check = Check(False)
    r = router(check)
    assert answer(r.handle(ctx(False), BOOT_201))[2]["status"] == "Pending"
    assert answer(r.handle(ctx(True), REPORT)) == [3, "r1", {}]
    assert check.calls == []


def test_without_a_check_a_charger_not_admitted_may_only_boot():
    r = router(None)
    assert answer(r.handle(ctx(False), REPORT))[2] == "SecurityError"
    assert answer(r.handle(ctx(False), BOOT_201))[0] == 3


def test_answers_to_our_commands_always_count():
    check, replies = Check(False), list[Any]()
    r = router(check, replies)
    assert r.handle(ctx(False), '[3,"cmd-1",{"status":"Accepted"}]') is None
    assert replies == [CallResult("cmd-1", {"status": "Accepted"})]
    assert check.calls == []


def test_a_failing_check_is_an_internal_error_never_an_exception():
    outcome = Outcome()
    failed = answer(router(Check(RuntimeError("table gone"))).handle(ctx(False), REPORT, outcome))
    assert failed[:3] == [4, "r1", "InternalError"]
    assert "table" not in failed[3]
    assert outcome.error == "InternalError"


def test_16_uses_its_own_error_names():
    refused = answer(router(Check(False)).handle(ctx(False, V16), '[2,"h","Heartbeat",{}]'))
    assert refused[2] == "SecurityError"
