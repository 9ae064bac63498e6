"""Who may call the HTTP APIs: a Cognito user pool with an "operators" and a "drivers" group.

API Gateway's JWT authorizer checks the token (issuer = this pool, audience = its app client);
the functions check the group (`cognito:groups` claim), e.g. shared/api/operator_auth.py.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.nag import acknowledge

OPERATORS_GROUP = "operators"
DRIVERS_GROUP = "drivers"
GROUPS = {
    OPERATORS_GROUP: "Charging-network operators: the operator API",
    DRIVERS_GROUP: "Drivers: the driver API (mobile app)",
}

PASSWORD_MIN_LENGTH = 12
ACCESS_TOKEN_VALIDITY = Duration.hours(1)
REFRESH_TOKEN_VALIDITY = Duration.days(30)


class UserDirectory(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            # Accounts are created by an administrator (operators) or by the platform later
            # (drivers, through the driver API); nobody signs up on their own.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_MIN_LENGTH,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            # TOTP apps only: SMS would need an SNS role and costs per message.
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            # Groups, MFA and the JWTs are all in the cheapest plan.
            feature_plan=cognito.FeaturePlan.LITE,
            deletion_protection=True,
            # Users and their MFA secrets cannot be recreated: keep them with the data tables.
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "MFA is optional (TOTP) rather than required: operators enrol their authenticator "
            "app after the first sign-in, and driver accounts will come from the app later.",
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG8",
            "Threat protection needs the Plus feature plan, billed per monthly active user; "
            "sign-in is protected by a strict password policy, optional TOTP MFA and "
            "short-lived tokens instead, and Lite holds everything else the platform uses.",
        )
        self.groups = {
            name: cognito.CfnUserPoolGroup(
                self,
                name.capitalize() + "Group",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=name,
                description=description,
            )
            for name, description in GROUPS.items()
        }
        # Operator tools (CLI, a web console): public clients, so no secret; SRP keeps the
        # password off the wire. ADMIN_USER_PASSWORD_AUTH only works with the caller's IAM
        # credentials (cognito-idp:AdminInitiateAuth), for scripts run by an administrator.
        self.operator_client = self.user_pool.add_client(
            "OperatorClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True, admin_user_password=True),
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=ACCESS_TOKEN_VALIDITY,
            id_token_validity=ACCESS_TOKEN_VALIDITY,
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
        )
