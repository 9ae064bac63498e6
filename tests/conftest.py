"""moto-backed fixtures for the integration and fault tests: the catalog's resources, created
exactly as the local platform does."""

from __future__ import annotations

import os

import boto3
import pytest
from moto import mock_aws

from local.resources import create_resources, local_environment
from shared.config import settings_from


@pytest.fixture
def aws_env(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        create_resources(boto3.session.Session(region_name="us-east-1"))
        yield settings_from({**os.environ, **local_environment()})


@pytest.fixture
def dynamodb(aws_env):
    return boto3.client("dynamodb", region_name="us-east-1")
