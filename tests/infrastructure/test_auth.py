"""The Cognito user pool behind the HTTP APIs: who may sign in, and how."""

from __future__ import annotations

import pytest

from shared.api.operator_auth import OPERATORS_GROUP
from tests.infrastructure.template_queries import logical_id, resource, resources, template_json

pytestmark = pytest.mark.infrastructure


def test_one_user_pool_drivers_sign_up_to_with_a_verified_email(template, stack):
    assert set(resources(template, "AWS::Cognito::UserPool")) == {logical_id(stack.users.user_pool)}
    properties = resource(template, stack.users.user_pool)["Properties"]
    assert properties["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert properties["AutoVerifiedAttributes"] == ["email"]
    assert properties["VerificationMessageTemplate"]["DefaultEmailOption"] == "CONFIRM_WITH_CODE"
    assert properties["UsernameAttributes"] == ["email"]
    assert properties["UsernameConfiguration"] == {"CaseSensitive": False}
    assert properties["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
    }


def test_passwords_are_long_and_mixed_and_mfa_is_available(template, stack):
    properties = resource(template, stack.users.user_pool)["Properties"]
    policy = properties["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(
        policy[rule]
        for rule in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert properties["MfaConfiguration"] == "OPTIONAL"
    # Authenticator apps; no SMS (and no SNS role that SMS would need).
    assert properties["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert "SmsConfiguration" not in properties


def test_the_users_outlive_the_stack(template, stack):
    pool = resource(template, stack.users.user_pool)
    assert pool["DeletionPolicy"] == pool["UpdateReplacePolicy"] == "Retain"
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"
    assert pool["Properties"]["UserPoolTier"] == "LITE"


def test_operators_and_drivers_groups(template, stack):
    groups = {
        g["Properties"]["GroupName"]: g["Properties"]
        for g in resources(template, "AWS::Cognito::UserPoolGroup").values()
    }
    # The operator API's own check looks for exactly this group name.
    assert set(groups) == {OPERATORS_GROUP, "drivers"}
    for group in groups.values():
        assert group["UserPoolId"] == {"Ref": logical_id(stack.users.user_pool)}


def test_the_operator_client_is_public_with_srp_and_refresh_only(template, stack):
    assert set(resources(template, "AWS::Cognito::UserPoolClient")) == {
        logical_id(stack.users.operator_client),
        logical_id(stack.users.driver_client),
        logical_id(stack.users.console_client),  # tests/infrastructure/test_console_hosting.py
    }
    client = resource(template, stack.users.operator_client)["Properties"]
    assert client["UserPoolId"] == {"Ref": logical_id(stack.users.user_pool)}
    assert client["GenerateSecret"] is False
    # No plain USER_PASSWORD_AUTH: the admin flow needs the caller's IAM credentials.
    assert sorted(client["ExplicitAuthFlows"]) == [
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]
    assert client["AllowedOAuthFlowsUserPoolClient"] is False
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["EnableTokenRevocation"] is True
    assert client["AccessTokenValidity"] == client["IdTokenValidity"] == 60
    assert client["TokenValidityUnits"]["AccessToken"] == "minutes"


def test_pool_and_client_ids_are_outputs(template, stack):
    outputs = template_json(template)["Outputs"]
    assert outputs["UserPoolId"]["Value"] == {"Ref": logical_id(stack.users.user_pool)}
    assert outputs["UserPoolClientId"]["Value"] == {"Ref": logical_id(stack.users.operator_client)}


def test_the_driver_client_signs_in_with_srp_or_the_code_grant_and_no_secret(template, stack):
    client = resource(template, stack.users.driver_client)["Properties"]
    assert client["GenerateSecret"] is False
    assert sorted(client["ExplicitAuthFlows"]) == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid"]
    assert client["CallbackURLs"] == ["csms-driver://signed-in"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert template_json(template)["Outputs"]["DriverAppClientId"]["Value"] == {
        "Ref": logical_id(stack.users.driver_client)
    }
    # The managed sign-in pages are on the pool's one domain, which the console's sign-in
    # needs (tests/infrastructure/test_console_hosting.py).
    assert len(resources(template, "AWS::Cognito::UserPoolDomain")) == 1


def test_confirmed_sign_ups_join_the_drivers_group_through_the_trigger(template, stack):
    trigger = logical_id(stack.functions["driver_signup"].function)
    config = resource(template, stack.users.user_pool)["Properties"]["LambdaConfig"]
    assert config == {"PostConfirmation": {"Fn::GetAtt": [trigger, "Arn"]}}
    statements = [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "cognito-idp:AdminAddUserToGroup" in str(statement["Action"])
    ]
    assert len(statements) == 1
    assert statements[0]["Action"] == "cognito-idp:AdminAddUserToGroup"
