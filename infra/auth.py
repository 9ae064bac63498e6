"""Who may call the HTTP APIs: a Cognito user pool with an "operators" and a "drivers" group.

API Gateway's JWT authorizer checks the token (issuer = this pool, audience = its app client);
the functions check the group (`cognito:groups` claim), e.g. shared/api/operator_auth.py.
"""

from __future__ import annotations

import re

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.nag import acknowledge, wildcard_resource_finding

OPERATORS_GROUP = "operators"
DRIVERS_GROUP = "drivers"
GROUPS = {
    OPERATORS_GROUP: "Charging-network operators: the operator API",
    DRIVERS_GROUP: "Drivers: the driver API (mobile app)",
}

PASSWORD_MIN_LENGTH = 12
ACCESS_TOKEN_VALIDITY = Duration.hours(1)
REFRESH_TOKEN_VALIDITY = Duration.days(30)
# The console keeps its access token in the browser tab only and never refreshes it; a refresh
# token it is handed anyway lasts a working shift, not a month.
CONSOLE_REFRESH_TOKEN_VALIDITY = Duration.hours(12)
CONSOLE_SCOPES = (cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE)
CONSOLE_CALLBACK_PATH = "callback"

# Words Cognito refuses in a domain prefix (infra/stack_settings refuses them in the setting).
RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")
_STACK_NAME_PART_MAX = 24


def default_sign_in_domain_prefix(stack: Stack) -> str:
    """`<stack name>-<account>-<region>`: Cognito prefix domains are unique across all of AWS,
    and a stack name is unique within its account and region. Without the words Cognito
    refuses, at most 24 + 1 + 12 + 1 + 14 characters (a prefix takes 63)."""
    name = stack.stack_name.lower()
    for word in RESERVED_DOMAIN_WORDS:
        name = name.replace(word, "-")
    name = re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:_STACK_NAME_PART_MAX].strip("-")
    return f"{name or 'csms'}-{stack.account}-{stack.region}"


class UserDirectory(Construct):
    """The user pool, its groups and app clients.

    `sign_up_trigger`: the post-confirmation function that puts a driver who signed up into the
    drivers group. `driver_callback_urls`: the driver app's OAuth redirects (docs/drivers.md).
    `sign_in_domain_prefix`: when given, Cognito's managed sign-in pages at
    <prefix>.auth.<region>.amazoncognito.com, for the driver app and the operator console (a
    pool has one such domain).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        sign_up_trigger: lambda_.IFunction,
        driver_callback_urls: tuple[str, ...],
        sign_in_domain_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            # Drivers sign up from the app (e-mail verified, then the trigger adds them to the
            # drivers group); operators are created by an administrator and added to theirs.
            self_sign_up_enabled=True,
            user_verification=cognito.UserVerificationConfig(
                email_style=cognito.VerificationEmailStyle.CODE
            ),
            lambda_triggers=cognito.UserPoolTriggers(post_confirmation=sign_up_trigger),
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
            "app after the first sign-in; drivers may, and the app offers it.",
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
        # The drivers' mobile app: a public client (no secret). It signs in with SRP, or through
        # Cognito's managed pages with the authorization code grant and PKCE; access tokens
        # carry `cognito:groups`, which the driver API checks.
        self.driver_client = self.user_pool.add_client(
            "DriverClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
                callback_urls=list(driver_callback_urls),
                logout_urls=list(driver_callback_urls),
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=ACCESS_TOKEN_VALIDITY,
            id_token_validity=ACCESS_TOKEN_VALIDITY,
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
        )
        # The construct id predates the console: a new id would replace the domain, and the
        # new one could not take the prefix the old one still holds.
        self.sign_in_domain = (
            self.user_pool.add_domain(
                "DriverSignIn",
                cognito_domain=cognito.CognitoDomainOptions(domain_prefix=sign_in_domain_prefix),
            )
            if sign_in_domain_prefix
            else None
        )
        self.console_client: cognito.UserPoolClient | None = None
        self._allow_joining_the_drivers_group(sign_up_trigger)

    def add_console_client(self, console_url: str) -> cognito.UserPoolClient:
        """The operator console's app client: a browser app, so public (no secret), signed in
        on the managed pages with the authorization code grant and PKCE only, sent back to
        `<console_url>callback`. `console_url` ends with "/".

        Its own client rather than the operator client's: that one is for tools signing in
        with SRP or the administrator's IAM credentials and has OAuth off; the browser needs
        OAuth, a callback and nothing else. The operator API's authorizer accepts both."""
        if self.sign_in_domain is None:
            raise ValueError("the operator console signs in on a Cognito domain: none was given")
        self.console_client = self.user_pool.add_client(
            "ConsoleClient",
            generate_secret=False,
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=list(CONSOLE_SCOPES),
                callback_urls=[console_url + CONSOLE_CALLBACK_PATH],
                logout_urls=[console_url],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=ACCESS_TOKEN_VALIDITY,
            id_token_validity=ACCESS_TOKEN_VALIDITY,
            refresh_token_validity=CONSOLE_REFRESH_TOKEN_VALIDITY,
        )
        # No sign-in flow of its own (SRP, passwords): only the managed pages' code grant and
        # the refresh of what it issued. Without the list Cognito would allow SRP and custom.
        client = self.console_client.node.default_child
        assert isinstance(client, cognito.CfnUserPoolClient)
        client.explicit_auth_flows = ["ALLOW_REFRESH_TOKEN_AUTH"]
        return self.console_client

    def _allow_joining_the_drivers_group(self, trigger: lambda_.IFunction) -> None:
        """cognito-idp:AdminAddUserToGroup for the trigger. The pool names the trigger, so the
        trigger's policy cannot name the pool (a cycle): it names this stack's pools, in a
        policy of its own that the function does not wait for."""
        pools = Stack.of(self).format_arn(
            service="cognito-idp", resource="userpool", resource_name="*"
        )
        policy = iam.Policy(
            self,
            "SignUpTriggerPolicy",
            statements=[
                iam.PolicyStatement(actions=["cognito-idp:AdminAddUserToGroup"], resources=[pools])
            ],
        )
        assert trigger.role is not None
        policy.attach_to_role(trigger.role)
        acknowledge(
            policy,
            wildcard_resource_finding(self, pools),
            "The user pools of this account and region, for AdminAddUserToGroup only: the pool "
            "refers to its trigger, so the trigger's policy cannot refer to the pool (a "
            "dependency cycle); the trigger adds the confirmed user to the drivers group.",
        )
