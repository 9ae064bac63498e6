import base64
from datetime import UTC, datetime, timedelta

import pytest

from shared.access import admission as admission_module
from shared.access.admission import (
    FIRST_LOCK_S,
    LOCK_AFTER_FAILURES,
    admit,
    lock_for_s,
    valid_charge_point_id,
)
from shared.access.passwords import (
    hash_password,
    parse_basic_auth,
    password_problem,
    verify_password,
)
from shared.adapters.memory.chargers import MemoryChargerRepository
from shared.models.charger import ChargerRecord
from shared.ocpp.versions import OcppVersion
from shared.timeutil import to_epoch_ms

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PASSWORD = "correct-horse-battery"


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def chargers():
    repo = MemoryChargerRepository()
    repo.create(ChargerRecord("OPEN-1"))
    repo.create(
        ChargerRecord("LOCKED-1", password_hash=hash_password(PASSWORD), validation_mode="lenient")
    )
    return repo


def test_registered_charger_without_password_is_admitted(chargers):
    admission = admit("OPEN-1", None, "ocpp1.6", "reject", chargers, NOW)
    assert admission.allowed
    assert admission.protocol is OcppVersion.V16
    assert admission.context() == {
        "chargePointId": "OPEN-1",
        "protocol": "ocpp1.6",
        "validationMode": "strict",
        "registrationStatus": "Accepted",
    }


def test_unknown_charger_follows_the_policy(chargers):
    refused = admit("NEW-1", None, "ocpp1.6", "reject", chargers, NOW)
    assert (refused.allowed, refused.status_code) == (False, 403)
    assert chargers.get("NEW-1") is None

    assert admit("NEW-2", None, "ocpp1.6", "accept", chargers, NOW).allowed
    assert chargers.get("NEW-2").registration_status == "Accepted"
    assert chargers.get("NEW-2").auto_registered

    assert admit("NEW-3", None, "ocpp1.6", "pending", chargers, NOW).allowed
    assert chargers.get("NEW-3").registration_status == "Pending"


def test_password_protected_charger(chargers):
    ok = admit("LOCKED-1", basic("LOCKED-1", PASSWORD), "ocpp2.0.1", "reject", chargers, NOW)
    assert ok.allowed
    assert ok.validation_mode == "lenient"
    for header in (
        None,
        basic("LOCKED-1", "wrong-password-123"),
        basic("OPEN-1", PASSWORD),
        "Bearer abc",
        "Basic !!!",
    ):
        refused = admit("LOCKED-1", header, "ocpp1.6", "accept", chargers, NOW)
        assert (refused.allowed, refused.status_code) == (False, 401), header


@pytest.mark.parametrize("cp_id", ["", "a" * 49, "bad/id", "white space", "<script>"])
def test_invalid_ids_are_refused_without_registration(chargers, cp_id):
    admission = admit(cp_id, None, "ocpp1.6", "accept", chargers, NOW)
    assert not admission.allowed
    assert chargers.get(cp_id) is None


def test_no_supported_subprotocol_is_admitted_without_protocol(chargers):
    # The $connect handler refuses the handshake; the authorizer only authenticates.
    assert admit("OPEN-1", None, "ocpp1.5", "reject", chargers, NOW).protocol is None


def test_password_hashes_are_salted_and_verifiable():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second
    assert PASSWORD not in first
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)
    assert not verify_password(PASSWORD + "x", first)
    assert not verify_password(PASSWORD, "md5$abc")
    assert not verify_password(PASSWORD, "scrypt$x$y$z$a$b")


def test_password_rules_and_basic_auth_parsing():
    assert password_problem("short") is not None
    assert password_problem("x" * 41) is not None
    assert password_problem("sixteen-chars-ok") is None
    assert parse_basic_auth(basic("CP", "pa:ss")) == ("CP", "pa:ss")
    assert parse_basic_auth("Basic " + base64.b64encode(b"nocolon").decode()) is None


def test_ids_are_matched_whole_a_trailing_newline_is_not_an_id(chargers):
    assert not valid_charge_point_id("OPEN-1\n")
    assert admit("OPEN-1\n", None, "ocpp1.6", "accept", chargers, NOW).status_code == 403
    assert chargers.get("OPEN-1\n") is None


@pytest.mark.parametrize(
    "weak",
    ["AAAAAAAAAAAAAAAA", "abababababababab", "abcdefghijklmnop", "1234567890123456"],
)
def test_trivially_weak_passwords_are_refused(weak):
    assert password_problem(weak) is not None


def test_a_password_holding_the_charger_id_is_refused():
    assert password_problem("CP-0042-secret-xyz", "CP-0042") is not None
    assert password_problem("CP-0042-secret-xyz", "CP-0043") is None
    assert password_problem("9f3b2c7d1e0a4b68") is None  # a random hex key passes


def test_repeated_wrong_passwords_lock_the_charger_out_and_a_right_one_resets(chargers):
    clock = NOW
    for attempt in range(1, LOCK_AFTER_FAILURES + 1):
        refused = admit(
            "LOCKED-1", basic("LOCKED-1", f"wrong-{attempt:011d}"), None, "reject", chargers, clock
        )
        assert (refused.allowed, refused.status_code) == (False, 401)
    record = chargers.get("LOCKED-1")
    assert record.auth_failures == LOCK_AFTER_FAILURES
    assert record.auth_locked_until_ms == to_epoch_ms(NOW) + FIRST_LOCK_S * 1000
    # Locked: even the right password is refused, without being checked.
    locked = admit("LOCKED-1", basic("LOCKED-1", PASSWORD), None, "reject", chargers, NOW)
    assert (locked.allowed, locked.reason) == (False, "locked out: repeated wrong passwords")
    later = NOW + timedelta(seconds=FIRST_LOCK_S + 1)
    assert admit("LOCKED-1", basic("LOCKED-1", PASSWORD), None, "reject", chargers, later).allowed
    assert chargers.get("LOCKED-1").auth_failures == 0


def test_lockouts_double_and_are_capped():
    assert [lock_for_s(n) for n in (4, 5, 6, 10, 15, 50, 500)] == [
        None,
        60,
        None,
        120,
        240,
        3600,
        3600,
    ]


def test_an_unknown_id_costs_as_much_as_a_wrong_password(chargers, monkeypatch):
    checks: list[str] = []
    monkeypatch.setattr(admission_module, "spend_a_check", checks.append)
    refused = admit("NOBODY", basic("NOBODY", PASSWORD), None, "reject", chargers, NOW)
    assert (refused.allowed, checks) == (False, [PASSWORD])
