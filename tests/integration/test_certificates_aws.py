"""The Certificates table and the CA's secret against moto (docs/adr/0041): a request stored
once per CSR, signed once, send attempts counted by condition, answers matched to their send;
the CA set up once in the secret and read back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import boto3
import pytest

from shared.adapters.dynamodb.certificates import DynamoCertificateStore
from shared.adapters.secrets_certificates import (
    INITIAL_VERSION_TOKEN,
    SecretAuthorityKeys,
    material_of,
)
from shared.certificates.x509 import Authority, new_authority
from shared.models.certificate import StationCertificate
from shared.ports.certificates import AuthorityMaterial

NOW = datetime(2030, 1, 1, tzinfo=UTC)
SECRET = "csms/certificate-authority"


@pytest.fixture
def store(aws_env, dynamodb):
    return DynamoCertificateStore(dynamodb, aws_env.certificates_table)


@pytest.fixture
def secrets(aws_env):
    client = boto3.client("secretsmanager", region_name="us-east-1")
    # As the stack creates it: a placeholder, no CA yet.
    client.create_secret(Name=SECRET, SecretString=json.dumps({"placeholder": "x" * 32}))
    return client


def requested(key: str = "k1", at: str = "2030-01-01T00:00:00.000Z") -> StationCertificate:
    return StationCertificate(
        charge_point_id="CP1",
        request_key=key,
        certificate_type="ChargingStationCertificate",
        status="requested",
        csr="-----BEGIN CERTIFICATE REQUEST-----...",
        requested_at=at,
        protocol="ocpp2.0.1",
    )


def issued(record: StationCertificate, serial: str) -> StationCertificate:
    return replace(
        record,
        status="issued",
        serial=serial,
        subject="CN=CP1",
        not_before="2030-01-01T00:00:00.000Z",
        not_after="2031-01-01T00:00:00.000Z",
        chain="-----BEGIN CERTIFICATE-----...",
        issued_at="2030-01-01T00:00:01.000Z",
    )


def test_a_request_is_stored_once(store):
    assert store.request(requested())
    assert not store.request(replace(requested(), csr="another"))
    assert store.get("CP1", "k1") == requested()
    assert store.get("CP1", "nope") is None


def test_a_request_is_signed_once(store):
    store.request(requested())
    assert store.issue(issued(requested(), "aa"))
    assert not store.issue(issued(requested(), "bb"))
    record = store.get("CP1", "k1")
    assert record is not None
    assert (record.status, record.serial, record.not_after) == (
        "issued",
        "aa",
        "2031-01-01T00:00:00.000Z",
    )


def test_send_attempts_move_by_one_and_answers_count_for_their_send(store):
    store.request(requested())
    store.issue(issued(requested(), "aa"))
    assert store.claim_send("CP1", "k1", 1)
    assert not store.claim_send("CP1", "k1", 1)  # a concurrent sender read the same count
    assert store.claim_send("CP1", "k1", 2)
    store.answered("CP1", "k1", "installed", "2030-01-01T00:01:00.000Z", attempt=1)  # stale
    record = store.get("CP1", "k1")
    assert record is not None
    assert (record.status, record.send_attempt) == ("issued", 2)
    store.answered("CP1", "k1", "installed", "2030-01-01T00:02:00.000Z", attempt=2)
    record = store.get("CP1", "k1")
    assert record is not None
    assert (record.status, record.answered_at) == ("installed", "2030-01-01T00:02:00.000Z")


def test_a_stations_certificates_are_listed_newest_first(store):
    store.request(requested("old", "2030-01-01T00:00:00.000Z"))
    store.request(requested("new", "2030-02-01T00:00:00.000Z"))
    store.request(replace(requested("other"), charge_point_id="CP2"))
    assert [r.request_key for r in store.list("CP1")] == ["new", "old"]


def test_the_placeholder_secret_holds_no_ca_and_the_first_signing_sets_one_up(secrets):
    keys = SecretAuthorityKeys(secrets, SECRET)
    assert keys.load() is None
    key_pem, chain_pem = new_authority("ACME", NOW)
    material = keys.initialise(AuthorityMaterial(key_pem, chain_pem))
    assert material == AuthorityMaterial(key_pem, chain_pem)
    Authority(material.key_pem, material.chain_pem)
    # Another container reads the same CA.
    assert SecretAuthorityKeys(secrets, SECRET).load() == material
    stored = secrets.get_secret_value(SecretId=SECRET)
    assert stored["VersionId"] == INITIAL_VERSION_TOKEN
    assert material_of(stored["SecretString"]) == material


def test_an_operators_own_ca_in_the_secret_is_used(secrets):
    key_pem, chain_pem = new_authority("Operator PKI", NOW)
    secrets.put_secret_value(
        SecretId=SECRET, SecretString=json.dumps({"key": key_pem, "chain": chain_pem})
    )
    assert SecretAuthorityKeys(secrets, SECRET).load() == AuthorityMaterial(key_pem, chain_pem)


def test_of_two_first_signings_at_once_the_second_takes_the_first_ones_ca(secrets):
    first, second = SecretAuthorityKeys(secrets, SECRET), SecretAuthorityKeys(secrets, SECRET)
    assert first.load() is None and second.load() is None  # both found no CA
    mine = AuthorityMaterial(*new_authority("ACME", NOW))
    theirs = AuthorityMaterial(*new_authority("ACME", NOW))
    assert first.initialise(mine) == mine
    assert second.initialise(theirs) == mine
