"""The post-confirmation trigger over moto's Cognito: a confirmed sign-up joins the drivers
group; other confirmations (a password reset) change nobody's groups; the event goes back."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from infra.catalog import FUNCTIONS_BY_NAME
from local.invoke import LambdaContext, LambdaFunction
from local.resources import local_environment


@pytest.fixture
def pool(aws_env, monkeypatch) -> tuple[Any, str]:
    for name, value in local_environment().items():
        monkeypatch.setenv(name, value)  # every function's environment has the shared settings
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    pool_id = cognito.create_user_pool(PoolName="csms")["UserPool"]["Id"]
    for group in ("drivers", "operators"):
        cognito.create_group(UserPoolId=pool_id, GroupName=group)
    cognito.admin_create_user(UserPoolId=pool_id, Username="driver@example.com")
    return cognito, pool_id


def trigger_event(pool_id: str, source: str) -> dict[str, Any]:
    return {
        "version": "1",
        "triggerSource": source,
        "region": "us-east-1",
        "userPoolId": pool_id,
        "userName": "driver@example.com",
        "callerContext": {"awsSdkVersion": "aws-sdk-js-3", "clientId": "driver-app"},
        "request": {"userAttributes": {"sub": "2f6c-sub", "email": "driver@example.com"}},
        "response": {},
    }


def groups_of(cognito: Any, pool_id: str) -> list[str]:
    answer = cognito.admin_list_groups_for_user(UserPoolId=pool_id, Username="driver@example.com")
    return [g["GroupName"] for g in answer["Groups"]]


def run_trigger(event: dict[str, Any]) -> Any:
    function = LambdaFunction.from_definition(FUNCTIONS_BY_NAME["driver_signup"])
    context = LambdaContext(
        function, region="us-east-1", account_id="123456789012", deadline_epoch_ms=2**42
    )
    return function.handler(event, context)


def test_a_confirmed_sign_up_joins_the_drivers_group_once(pool) -> None:
    cognito, pool_id = pool
    event = trigger_event(pool_id, "PostConfirmation_ConfirmSignUp")
    assert run_trigger(event) == event
    assert run_trigger(event) == event  # Cognito retries a trigger: no harm
    assert groups_of(cognito, pool_id) == ["drivers"]


def test_a_confirmed_password_reset_changes_no_group(pool) -> None:
    cognito, pool_id = pool
    event = trigger_event(pool_id, "PostConfirmation_ConfirmForgotPassword")
    assert run_trigger(event) == event
    assert groups_of(cognito, pool_id) == []
