"""The $connect authorizer over moto with the AWS adapters (docs/adr/0027): the fast check's
verifier is written once per password, a failed write costs only a second scrypt, and a key
Secrets Manager will not give degrades to scrypt, never to a wrong admission."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import boto3
import pytest

from local.resources import local_environment
from shared.access import admission as admission_module
from shared.access.passwords import hash_password, verify_password
from shared.adapters import aws_clients
from shared.bootstrap import Services, aws_services
from shared.config import ADMISSION_KEY_FIELD, get_settings
from shared.gateway.websocket import Unauthorized, authorize
from shared.models.charger import ChargerRecord
from tests.fakes import authorizer_event
from tests.fault_injection import Fault, injected

CP = "CP-SECURE"
PASSWORD = "s3cret-password-16"
KEY_SECRET = "csms/admission-key"


def basic(password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{CP}:{password}".encode()).decode()


@dataclass
class Calls:
    """The authorizer's DynamoDB and Secrets Manager calls, by operation."""

    seen: list[str] = field(default_factory=list)

    def __call__(self, model: Any, **_: Any) -> None:
        self.seen.append(model.name)

    def count(self, operation: str) -> int:
        return self.seen.count(operation)


@dataclass
class Authorizer:
    services: Services
    calls: Calls
    scrypt: list[str]

    def connect(self, password: str = PASSWORD) -> dict[str, Any]:
        return authorize(authorizer_event(CP, authorization=basic(password)), self.services)

    def record(self) -> ChargerRecord:
        record = self.services.deps.chargers.get(CP)
        assert record is not None
        return record


@pytest.fixture
def authorizer(aws_env, monkeypatch) -> Iterator[Authorizer]:
    for name, value in local_environment().items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    aws_clients.forget_clients()
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=KEY_SECRET, SecretString=json.dumps({ADMISSION_KEY_FIELD: "k" * 64})
    )
    services = aws_services(replace(aws_env, admission_key_secret=KEY_SECRET))
    services.deps.chargers.create(ChargerRecord(CP, password_hash=hash_password(PASSWORD)))
    scrypt: list[str] = []

    def counted(password: str, stored: str) -> bool:
        scrypt.append(password)
        return verify_password(password, stored)

    monkeypatch.setattr(admission_module, "verify_password", counted)
    calls = Calls()
    clients = [aws_clients.client(service) for service in ("dynamodb", "secretsmanager")]
    for client in clients:
        client.meta.events.register("before-call", calls)
    try:
        yield Authorizer(services, calls, scrypt)
    finally:
        for client in clients:
            client.meta.events.unregister("before-call", calls)
        aws_clients.forget_clients()
        get_settings.cache_clear()


def allowed(policy: dict[str, Any]) -> bool:
    return bool(policy["policyDocument"]["Statement"][0]["Effect"] == "Allow")


def test_the_first_connect_writes_the_verifier_once_and_reconnects_write_nothing(authorizer):
    assert allowed(authorizer.connect())
    assert authorizer.calls.count("UpdateItem") == 1  # the verifier, conditional on the hash
    assert authorizer.calls.count("GetSecretValue") == 1
    assert authorizer.record().auth_verifier is not None
    before = len(authorizer.calls.seen)
    for _ in range(3):
        assert allowed(authorizer.connect())
    # A reconnect: one read, nothing else (the key is read once per container).
    assert authorizer.calls.seen[before:] == ["GetItem"] * 3
    assert authorizer.scrypt == [PASSWORD]


def test_a_wrong_password_after_the_verifier_is_refused_and_counted(authorizer):
    assert allowed(authorizer.connect())
    with pytest.raises(Unauthorized):
        authorizer.connect("not-the-password-99")
    assert authorizer.record().auth_failures == 1
    assert authorizer.scrypt == [PASSWORD, "not-the-password-99"]


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
def test_a_failed_verifier_write_admits_and_the_next_connect_writes_again(authorizer, after):
    dynamodb = aws_clients.client("dynamodb")
    fault = Fault("UpdateItem", code="ProvisionedThroughputExceededException", after=after)
    with injected(dynamodb, fault):
        assert allowed(authorizer.connect())
    assert fault.raised == 1
    # (A fault raised before the call hides it from `calls`: count from here.)
    first = authorizer.calls.count("UpdateItem")
    if after:  # the write took effect, only its answer was lost: the next connect is fast
        assert authorizer.record().auth_verifier is not None
        assert allowed(authorizer.connect())
        assert authorizer.calls.count("UpdateItem") == first
        assert authorizer.scrypt == [PASSWORD]
        return
    assert authorizer.record().auth_verifier is None
    assert allowed(authorizer.connect())  # scrypt again, and the write again
    assert authorizer.calls.count("UpdateItem") == first + 1
    assert authorizer.record().auth_verifier is not None
    assert allowed(authorizer.connect())  # now the fast check
    assert authorizer.calls.count("UpdateItem") == first + 1
    assert authorizer.scrypt == [PASSWORD, PASSWORD]


def test_an_unreadable_key_admits_by_scrypt_only(authorizer):
    secretsmanager = aws_clients.client("secretsmanager")
    denied = Fault("GetSecretValue", code="AccessDeniedException", times=10)
    with injected(secretsmanager, denied):
        assert allowed(authorizer.connect())
        with pytest.raises(Unauthorized):
            authorizer.connect("not-the-password-99")
        assert allowed(authorizer.connect())
    # The wrong password's count and its reset by the right one; no verifier.
    assert authorizer.calls.count("UpdateItem") == 2
    assert authorizer.record().auth_verifier is None
    assert denied.seen == 1  # not tried again on every connect
    assert authorizer.scrypt == [PASSWORD, "not-the-password-99", PASSWORD]
