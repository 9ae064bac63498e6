import base64
from datetime import UTC, datetime

import pytest

from shared.access.admission import admit
from shared.access.passwords import (
    hash_password,
    parse_basic_auth,
    password_problem,
    verify_password,
)
from shared.adapters.memory.chargers import MemoryChargerRepository
from shared.models.charger import ChargerRecord
from shared.ocpp.versions import OcppVersion

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
