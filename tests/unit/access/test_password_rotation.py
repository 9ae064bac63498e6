"""A01 password rotation (shared/access/rotation.py, shared/commands/password_rotation.py):
the new hash only once the charger accepts, the old password's grace, both passwords checked
at admission, the clear password never stored."""

import base64
import json
from datetime import UTC, datetime

import pytest

from shared.access.admission import admit
from shared.access.passwords import hash_password, verify_password
from shared.access.rotation import (
    REDACTED,
    change_accepted,
    generate_password,
    in_grace,
    password_command,
    redacted,
    sets_password,
)
from shared.commands.engine import CommandError
from shared.models.charger import ChargerRecord
from shared.ocpp.framing import CallError, CallResult
from tests.fakes import memory_services

OLD = "old-Password-0123456789"
GRACE_S = 3600


class Key:
    def key(self):
        return b"k" * 32


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Clock:
    def __init__(self, now_ms):
        self.now_ms = now_ms

    def __call__(self):
        return self.now_ms


@pytest.fixture
def services():
    services = memory_services(PASSWORD_GRACE_S=str(GRACE_S))
    services.engine.clock_ms = Clock(1_800_000_000_000)
    return services


def online(services, protocol="ocpp2.0.1", cp="CP1"):
    services.deps.chargers.create(ChargerRecord(cp, password_hash=hash_password(OLD)))
    services.connections.open("conn-1=", cp, protocol, "strict", services.engine.clock_ms())


def sent_password(services, protocol="ocpp2.0.1"):
    """The password in the last CALL sent (the only place it exists in the clear)."""
    _, frame = services.deps.sender.sent[-1]
    _, _, action, payload = json.loads(frame)
    if protocol == "ocpp1.6":
        assert action == "ChangeConfiguration" and payload["key"] == "AuthorizationKey"
        return bytes.fromhex(payload["value"]).decode()
    assert action == "SetVariables"
    return payload["setVariableData"][0]["attributeValue"]


def accepted_201(status="Accepted"):
    return {
        "setVariableResult": [
            {
                "attributeStatus": status,
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
            }
        ]
    }


def admitted(services, password, now_ms=None, key=None):
    now_ms = now_ms or services.engine.clock_ms()
    at = datetime.fromtimestamp(now_ms / 1000, UTC)
    admission = admit(
        "CP1", basic("CP1", password), "ocpp2.0.1", "reject", services.deps.chargers, at, key
    )
    return admission.allowed


# The rules


def test_the_commands_of_both_versions_and_their_redaction():
    v201 = password_command("ocpp2.0.1", "p" * 32)
    assert v201.action == "SetVariables" and sets_password(v201.action, v201.payload)
    shown = redacted(v201.action, v201.payload)
    assert shown["setVariableData"][0]["attributeValue"] == REDACTED
    assert v201.payload["setVariableData"][0]["attributeValue"] == "p" * 32  # not mutated

    v16 = password_command("ocpp1.6", "OCA_OCTT_admin_test")
    # The 1.6 security whitepaper: the AuthorizationKey is sent hex-encoded.
    assert v16.payload == {
        "key": "AuthorizationKey",
        "value": "4F43415F4F4354545F61646D696E5F74657374",
    }
    assert redacted(v16.action, v16.payload)["value"] == REDACTED

    other = {"setVariableData": [{"component": {"name": "X"}, "variable": {"name": "Y"}}]}
    assert not sets_password("SetVariables", other) and redacted("SetVariables", other) is other
    assert not sets_password("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "1"})


def test_generated_passwords_fit_each_version():
    assert len(generate_password("ocpp2.0.1")) == 32
    v16 = generate_password("ocpp1.6")
    assert len(v16) == 20 and len(password_command("ocpp1.6", v16).payload["value"]) == 40
    assert generate_password("ocpp2.0.1") != generate_password("ocpp2.0.1")


def test_what_counts_as_accepted():
    assert change_accepted("SetVariables", accepted_201())
    assert change_accepted("SetVariables", accepted_201("RebootRequired"))
    assert not change_accepted("SetVariables", accepted_201("Rejected"))
    assert not change_accepted("SetVariables", {"setVariableResult": []})
    assert change_accepted("ChangeConfiguration", {"status": "Accepted"})
    assert not change_accepted("ChangeConfiguration", {"status": "NotSupported"})
    assert not change_accepted("ChangeConfiguration", None)


def test_grace_window():
    assert in_grace("h", 1000, 999)
    assert not in_grace("h", 1000, 1000)
    assert not in_grace(None, 1000, 0)
    assert not in_grace("h", None, 0)


# The service through the engine


@pytest.mark.parametrize("protocol", ["ocpp2.0.1", "ocpp1.6"])
def test_A01_accepted_rotation_stores_the_new_hash_and_keeps_the_old_for_the_grace(
    services, protocol
):
    online(services, protocol)
    command = services.password_rotation.rotate("CP1", requested_by="op")
    new = sent_password(services, protocol)
    # The clear password is nowhere but in the CALL: not in the stored command, not hashed yet.
    stored = services.engine.get("CP1", command.message_id)
    assert new not in json.dumps(stored.summary())
    assert new.encode().hex().upper() not in json.dumps(stored.summary())
    record = services.deps.chargers.get("CP1")
    assert verify_password(OLD, record.password_hash)
    assert verify_password(new, record.rotation_password_hash)

    answer = accepted_201() if protocol == "ocpp2.0.1" else {"status": "Accepted"}
    services.engine.on_reply("CP1", CallResult(command.message_id, answer))
    record = services.deps.chargers.get("CP1")
    assert verify_password(new, record.password_hash)
    assert verify_password(OLD, record.previous_password_hash)
    # Nor is it in the CommandCompleted event.
    (event,) = services.deps.publisher.of_type("CommandCompleted")
    assert new not in json.dumps(event.detail) and REDACTED in json.dumps(event.detail)
    assert record.previous_password_until_ms == services.engine.clock_ms() + GRACE_S * 1000
    assert record.rotation_command_id is None and record.rotation_password_hash is None

    # Both passwords open a connection in the grace; the old one not after it.
    assert admitted(services, OLD)
    assert not admitted(services, OLD, now_ms=record.previous_password_until_ms)
    assert not admitted(services, "wrong-Password-0123456789")


def test_A01_a_redelivered_answer_changes_nothing(services):
    online(services)
    command = services.password_rotation.rotate("CP1")
    services.engine.on_reply("CP1", CallResult(command.message_id, accepted_201()))
    first = services.deps.chargers.get("CP1")
    services.engine.on_reply("CP1", CallResult(command.message_id, accepted_201()))
    services.password_rotation.answered(services.engine.get("CP1", command.message_id))
    assert services.deps.chargers.get("CP1") == first


@pytest.mark.parametrize(
    "reply",
    [
        lambda mid: CallResult(mid, accepted_201("Rejected")),
        lambda mid: CallError(mid, "NotSupported", "no", {}),
    ],
)
def test_A01_a_refused_change_keeps_the_old_password(services, reply):
    online(services)
    command = services.password_rotation.rotate("CP1")
    new = sent_password(services)
    services.engine.on_reply("CP1", reply(command.message_id))
    record = services.deps.chargers.get("CP1")
    assert verify_password(OLD, record.password_hash)
    assert record.rotation_command_id is None and record.previous_password_hash is None
    assert admitted(services, OLD) and not admitted(services, new)


def test_A01_a_timeout_keeps_the_old_password_and_a_late_accepted_answer_still_counts(services):
    online(services)
    command = services.password_rotation.rotate("CP1", timeout_s=5)
    new = sent_password(services)
    services.engine.clock_ms.now_ms += 6000
    assert services.engine.get("CP1", command.message_id).status == "timeout"
    assert verify_password(OLD, services.deps.chargers.get("CP1").password_hash)
    assert not admitted(services, new)

    services.engine.on_reply("CP1", CallResult(command.message_id, accepted_201()))
    assert services.engine.get("CP1", command.message_id).status == "timeout"  # as settled
    assert verify_password(new, services.deps.chargers.get("CP1").password_hash)
    assert admitted(services, new)


def test_a_late_answer_to_an_unsettled_command_counts_too(services):
    online(services)
    command = services.password_rotation.rotate("CP1", timeout_s=5)
    new = sent_password(services)
    services.engine.clock_ms.now_ms += 6000
    services.engine.on_reply("CP1", CallResult(command.message_id, accepted_201()))
    assert services.engine.get("CP1", command.message_id).status == "timeout"
    assert verify_password(new, services.deps.chargers.get("CP1").password_hash)


def test_a_late_answer_of_a_replaced_rotation_changes_nothing(services):
    online(services)
    first = services.password_rotation.rotate("CP1", timeout_s=5)
    services.engine.clock_ms.now_ms += 6000
    services.engine.get("CP1", first.message_id)
    second = services.password_rotation.rotate("CP1")
    newest = sent_password(services)
    services.engine.on_reply("CP1", CallResult(first.message_id, accepted_201()))
    record = services.deps.chargers.get("CP1")
    assert verify_password(OLD, record.password_hash)
    assert record.rotation_command_id == second.message_id
    services.engine.on_reply("CP1", CallResult(second.message_id, accepted_201()))
    assert verify_password(newest, services.deps.chargers.get("CP1").password_hash)


def test_A01_the_first_connect_with_the_new_password_ends_the_grace(services):
    online(services)
    command = services.password_rotation.rotate("CP1")
    new = sent_password(services)
    services.engine.on_reply("CP1", CallResult(command.message_id, accepted_201()))
    assert admitted(services, OLD)  # the old password still opens a connection
    assert admitted(services, new)
    assert services.deps.chargers.get("CP1").previous_password_hash is None
    assert not admitted(services, OLD)


def test_A01_the_old_password_keeps_its_fast_check_through_the_rotation(services, monkeypatch):
    online(services)
    key = Key()
    assert admitted(services, OLD, key=key)  # scrypt once, then the verifier is kept
    old_verifier = services.deps.chargers.get("CP1").auth_verifier
    assert old_verifier is not None
    command = services.password_rotation.rotate("CP1")
    services.engine.on_reply("CP1", CallResult(command.message_id, accepted_201()))
    assert services.deps.chargers.get("CP1").previous_auth_verifier == old_verifier

    import shared.access.admission as admission_module

    def no_scrypt(*args):
        raise AssertionError("scrypt ran")

    monkeypatch.setattr(admission_module, "verify_password", no_scrypt)
    assert admitted(services, OLD, key=key)


def test_rotation_needs_a_password_and_a_connection(services):
    services.deps.chargers.create(ChargerRecord("OPEN"))
    with pytest.raises(CommandError) as no_password:
        services.password_rotation.rotate("OPEN")
    assert (no_password.value.status, no_password.value.code) == (409, "NoPassword")
    services.deps.chargers.create(ChargerRecord("OFF", password_hash=hash_password(OLD)))
    with pytest.raises(CommandError) as offline:
        services.password_rotation.rotate("OFF")
    assert offline.value.status == 503
    assert services.deps.chargers.get("OFF").rotation_command_id is None
    with pytest.raises(CommandError) as unknown:
        services.password_rotation.rotate("NOPE")
    assert unknown.value.status == 404


def test_a_command_that_cannot_be_sent_leaves_no_rotation(services):
    online(services)
    services.engine.send("CP1", "Reset", {"type": "Immediate"})  # holds the slot
    with pytest.raises(CommandError) as busy:
        services.password_rotation.rotate("CP1")
    assert busy.value.status == 409
    assert services.deps.chargers.get("CP1").rotation_command_id is None


def test_the_generic_command_api_may_not_set_the_password(services):
    online(services)
    payload = password_command("ocpp2.0.1", "x" * 32).payload
    with pytest.raises(CommandError) as refused:
        services.engine.send("CP1", "SetVariables", payload)
    assert (refused.value.status, refused.value.code) == (400, "PasswordNotSettable")
    assert services.deps.sender.sent == []


def test_an_operator_set_password_ends_rotation_and_grace(services):
    from shared.ports import ChargerChanges

    online(services)
    command = services.password_rotation.rotate("CP1")
    services.engine.on_reply("CP1", CallResult(command.message_id, accepted_201()))
    services.password_rotation.rotate("CP1")
    services.deps.chargers.update("CP1", ChargerChanges(password_hash=hash_password("x" * 20)))
    record = services.deps.chargers.get("CP1")
    assert record.previous_password_hash is None and record.rotation_command_id is None
    assert not admitted(services, OLD)
