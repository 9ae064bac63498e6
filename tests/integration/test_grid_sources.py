"""A site's sources opened from its settings (docs/adr/0052) with secrets from Secrets Manager
(moto): read by name, once, and the opened sources kept while the settings stay the same."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from shared.adapters.grid_sources import SecretSourceOpener
from shared.adapters.secrets import SecretError

OPENADR: dict[str, Any] = {
    "vtnUrl": "http://127.0.0.1:9",
    "programIds": ["p1"],
    "clientId": "ven-1",
    "clientSecretName": "csms/grid/ven-1",
}
ENTSOE: dict[str, Any] = {"biddingZone": "10YNL----------L", "tokenSecretName": "csms/grid/entsoe"}
SETTINGS: dict[str, Any] = {"openadr": OPENADR, "entsoe": ENTSOE}


@pytest.fixture
def secrets(aws_env):
    client = boto3.client("secretsmanager", region_name="us-east-1")
    client.create_secret(Name="csms/grid/ven-1", SecretString=json.dumps({"clientSecret": "s1"}))
    client.create_secret(Name="csms/grid/entsoe", SecretString=json.dumps({"securityToken": "t"}))
    return client


def test_sources_are_opened_with_their_named_secrets_and_kept(secrets) -> None:
    opener = SecretSourceOpener(secrets, lambda: datetime(2030, 1, 1, tzinfo=UTC))
    sources = opener("S1", SETTINGS)
    assert sources.vtn is not None and sources.prices is not None
    assert sources.vtn.client_secret == "s1" and sources.vtn.program_ids == {"p1"}  # type: ignore[attr-defined]
    assert sources.zone == "10YNL----------L"
    assert opener("S1", json.loads(json.dumps(SETTINGS))) is sources  # same settings: kept
    changed = {**SETTINGS, "entsoe": {**ENTSOE, "biddingZone": "10Y1001A1001A82H"}}
    assert opener("S1", changed) is not sources
    assert opener("S1", {"openadr": SETTINGS["openadr"]}).prices is None


def test_a_missing_secret_is_an_error_not_a_source(secrets) -> None:
    opener = SecretSourceOpener(secrets, lambda: datetime(2030, 1, 1, tzinfo=UTC))
    missing = {"openadr": {**OPENADR, "clientSecretName": "csms/grid/none"}}
    with pytest.raises(Exception, match="ResourceNotFound"):
        opener("S1", missing)
    wrong_field = {"entsoe": {**ENTSOE, "tokenSecretName": "csms/grid/ven-1"}}
    with pytest.raises(SecretError):
        opener("S2", wrong_field)
