"""The fast admission check (docs/adr/0027): scrypt once per password, an HMAC afterwards."""

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.access import admission as admission_module
from shared.access.admission import LOCK_AFTER_FAILURES, admit
from shared.access.fast_check import make_verifier, verifier_matches
from shared.access.passwords import hash_password, verify_password
from shared.adapters.memory.chargers import MemoryChargerRepository
from shared.adapters.secrets import CachedSecret, SecretAdmissionKey
from shared.models.charger import ChargerRecord
from shared.ports import ChargerChanges

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PASSWORD = "correct-horse-battery"
OTHER_PASSWORD = "another-long-secret-9"
KEY = b"k" * 48
CP = "CP-FAST-1"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class StaticKey:
    def __init__(self, key: bytes | None = KEY) -> None:
        self.value = key

    def key(self) -> bytes | None:
        return self.value


class CountingRepository(MemoryChargerRepository):
    def __init__(self) -> None:
        super().__init__()
        self.verifier_writes = 0
        self.fail_verifier_writes = 0

    def store_auth_verifier(self, charge_point_id: str, password_hash: str, verifier: str) -> bool:
        self.verifier_writes += 1
        if self.fail_verifier_writes:
            self.fail_verifier_writes -= 1
            raise RuntimeError("injected: the table refused the write")
        return super().store_auth_verifier(charge_point_id, password_hash, verifier)


@pytest.fixture
def chargers() -> CountingRepository:
    repo = CountingRepository()
    repo.create(ChargerRecord(CP, password_hash=hash_password(PASSWORD)))
    return repo


@pytest.fixture
def scrypt_checks(monkeypatch) -> list[str]:
    """Every scrypt verification admission runs (the real one, counted)."""
    checks: list[str] = []

    def counted(password: str, stored: str) -> bool:
        checks.append(password)
        return verify_password(password, stored)

    monkeypatch.setattr(admission_module, "verify_password", counted)
    return checks


def connect(chargers, password=PASSWORD, key=KEY, user=CP, cp=CP):
    admission_key = StaticKey(key) if key is not None else None
    return admit(cp, basic(user, password), "ocpp1.6", "reject", chargers, NOW, admission_key)


def test_scrypt_once_then_the_fast_check_on_every_reconnect(chargers, scrypt_checks):
    assert connect(chargers).allowed
    assert (scrypt_checks, chargers.verifier_writes) == ([PASSWORD], 1)
    stored = chargers.get(CP)
    assert stored.auth_verifier is not None
    assert PASSWORD not in stored.auth_verifier
    for _ in range(3):
        assert connect(chargers).allowed
    # No scrypt and no write on the reconnects.
    assert (scrypt_checks, chargers.verifier_writes) == ([PASSWORD], 1)


def test_a_wrong_password_is_refused_by_scrypt_and_counted(chargers, scrypt_checks):
    assert connect(chargers).allowed
    refused = connect(chargers, password=OTHER_PASSWORD)
    assert (refused.allowed, refused.status_code) == (False, 401)
    # A miss of the fast check is no verdict: scrypt ran, the failure counts toward the lock.
    assert scrypt_checks == [PASSWORD, OTHER_PASSWORD]
    assert chargers.get(CP).auth_failures == 1
    assert chargers.verifier_writes == 1
    for _ in range(LOCK_AFTER_FAILURES - 1):
        connect(chargers, password=OTHER_PASSWORD)
    locked = connect(chargers)  # locked: even the right password, even with its verifier
    assert (locked.allowed, locked.reason) == (False, "locked out: repeated wrong passwords")


def test_the_right_password_under_another_name_is_refused(chargers, scrypt_checks):
    assert connect(chargers).allowed
    refused = connect(chargers, user="SOMEONE-ELSE")
    assert not refused.allowed
    assert len(scrypt_checks) == 2  # the fast path is only for the charger's own name
    assert chargers.get(CP).auth_failures == 1


def test_a_password_change_invalidates_the_verifier(chargers, scrypt_checks):
    assert connect(chargers).allowed
    chargers.update(CP, ChargerChanges(password_hash=hash_password(OTHER_PASSWORD)))
    assert chargers.get(CP).auth_verifier is None  # dropped with the old hash
    assert not connect(chargers).allowed
    assert connect(chargers, password=OTHER_PASSWORD).allowed
    assert connect(chargers, password=OTHER_PASSWORD).allowed
    assert scrypt_checks == [PASSWORD, PASSWORD, OTHER_PASSWORD]
    assert chargers.verifier_writes == 2


def test_a_verifier_left_behind_by_a_hash_change_does_not_admit_the_old_password(
    chargers, scrypt_checks
):
    assert connect(chargers).allowed
    # The hash replaced without the verifier being dropped (an older writer, a restore).
    record = chargers.get(CP)
    chargers.records[CP] = replace(record, password_hash=hash_password(OTHER_PASSWORD))
    refused = connect(chargers)
    assert (refused.allowed, refused.status_code) == (False, 401)
    assert scrypt_checks == [PASSWORD, PASSWORD]


def test_a_verifier_copied_from_another_charger_is_no_use(chargers, scrypt_checks):
    assert connect(chargers).allowed
    source = chargers.get(CP)
    # Same password, same stored hash, the other charger's verifier: only the id differs.
    chargers.create(
        ChargerRecord(
            "CP-FAST-2", password_hash=source.password_hash, auth_verifier=source.auth_verifier
        )
    )
    assert connect(chargers, user="CP-FAST-2", cp="CP-FAST-2").allowed
    assert scrypt_checks == [PASSWORD, PASSWORD]  # the copied verifier did not match
    assert not verifier_matches(
        KEY, "CP-FAST-2", source.password_hash, PASSWORD, source.auth_verifier
    )


def test_a_verifier_under_another_key_is_no_use(chargers, scrypt_checks):
    # Written by whoever could write the table but does not hold the key: scrypt decides.
    record = chargers.get(CP)
    forged = make_verifier(b"not-the-key", CP, record.password_hash, "guess-guess-guess")
    chargers.records[CP] = replace(record, auth_verifier=forged)
    assert not connect(chargers, password="guess-guess-guess").allowed
    assert scrypt_checks == ["guess-guess-guess"]


def test_a_new_key_means_scrypt_once_and_a_new_verifier(chargers, scrypt_checks):
    assert connect(chargers).allowed
    assert connect(chargers, key=b"r" * 48).allowed  # rotated
    assert connect(chargers, key=b"r" * 48).allowed
    assert scrypt_checks == [PASSWORD, PASSWORD]
    assert chargers.verifier_writes == 2


@pytest.mark.parametrize("key", [None, "unavailable"])
def test_without_the_key_scrypt_decides_and_nothing_is_written(chargers, scrypt_checks, key):
    admission_key = None if key is None else StaticKey(None)

    def attempt(password: str):
        return admit(CP, basic(CP, password), "ocpp1.6", "reject", chargers, NOW, admission_key)

    assert attempt(PASSWORD).allowed
    assert attempt(PASSWORD).allowed
    assert not attempt(OTHER_PASSWORD).allowed
    assert scrypt_checks == [PASSWORD, PASSWORD, OTHER_PASSWORD]
    assert chargers.verifier_writes == 0
    assert chargers.get(CP).auth_failures == 1


def test_a_failed_verifier_write_still_admits_and_the_next_connect_writes(chargers, scrypt_checks):
    chargers.fail_verifier_writes = 1
    assert connect(chargers).allowed
    assert chargers.get(CP).auth_verifier is None
    assert connect(chargers).allowed  # scrypt again, and the write again
    assert connect(chargers).allowed  # fast
    assert (len(scrypt_checks), chargers.verifier_writes) == (2, 2)


def test_a_verifier_is_not_stored_over_a_password_changed_meanwhile():
    repo = MemoryChargerRepository()
    repo.create(ChargerRecord(CP, password_hash="scrypt$new"))
    assert not repo.store_auth_verifier(CP, "scrypt$old", "hmac-sha256$x")
    assert repo.get(CP).auth_verifier is None
    assert not repo.store_auth_verifier("NOBODY", "scrypt$old", "hmac-sha256$x")


def test_verifiers_bind_every_input():
    verifier = make_verifier(KEY, CP, "scrypt$h", PASSWORD)
    assert verifier.startswith("hmac-sha256$")
    assert verifier_matches(KEY, CP, "scrypt$h", PASSWORD, verifier)
    for key, cp, stored_hash, password in (
        (b"x" * 48, CP, "scrypt$h", PASSWORD),
        (KEY, "CP-OTHER", "scrypt$h", PASSWORD),
        (KEY, CP, "scrypt$h2", PASSWORD),
        (KEY, CP, "scrypt$h", PASSWORD + "x"),
        # Fields cannot slide into each other.
        (KEY, CP + "s", "crypt$h", PASSWORD),
    ):
        assert not verifier_matches(key, cp, stored_hash, password, verifier)
    assert not verifier_matches(KEY, CP, "scrypt$h", PASSWORD, "")
    assert not verifier_matches(KEY, CP, "scrypt$h", PASSWORD, "\udcff not ascii")


class FakeSecretsManager:
    def __init__(self, value: object = None, error: Exception | None = None) -> None:
        self.value, self.error, self.calls = value, error, 0

    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return {"SecretString": json.dumps(self.value)}


def test_the_key_is_read_once_per_container():
    client = FakeSecretsManager({"key": "s3cr3t-key"})
    key = SecretAdmissionKey(CachedSecret(client, "csms/admission-key"))
    assert key.key() == b"s3cr3t-key"
    assert key.key() == b"s3cr3t-key"
    assert client.calls == 1


@pytest.mark.parametrize(
    "client",
    [
        FakeSecretsManager(error=RuntimeError("AccessDeniedException")),
        FakeSecretsManager({"other": "field"}),
        FakeSecretsManager(["not", "an", "object"]),
    ],
    ids=["denied", "no-key-field", "not-json-object"],
)
def test_an_unreadable_key_degrades_to_scrypt_and_is_retried_later(
    client, chargers, scrypt_checks, monkeypatch, caplog
):
    metrics: list[str] = []
    monkeypatch.setattr(
        "shared.adapters.secrets.count_metric", lambda name, dimensions: metrics.append(name)
    )
    clock = [1000.0]
    key = SecretAdmissionKey(CachedSecret(client, "csms/admission-key"), 300, lambda: clock[0])

    def attempt(password: str):
        return admit(CP, basic(CP, password), "ocpp1.6", "reject", chargers, NOW, key)

    assert attempt(PASSWORD).allowed
    assert not attempt(OTHER_PASSWORD).allowed
    assert attempt(PASSWORD).allowed
    assert scrypt_checks == [PASSWORD, OTHER_PASSWORD, PASSWORD]
    assert chargers.verifier_writes == 0
    assert client.calls == 1  # not once per connect
    assert metrics == ["AdmissionKeyUnavailable"]
    assert len([r for r in caplog.records if "admission key unavailable" in r.message]) == 1
    # Later it is tried again; it works now, so the fast check starts.
    clock[0] += 301
    client.error, client.value = None, {"key": "s3cr3t-key"}
    assert attempt(PASSWORD).allowed
    assert attempt(PASSWORD).allowed
    assert client.calls == 2
    assert len(scrypt_checks) == 4
    assert chargers.verifier_writes == 1
