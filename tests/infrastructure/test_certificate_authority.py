"""The stations' certificate authority in the stack (docs/adr/0041): a secret made with a
placeholder and kept when the stack goes, used by the certificate signer alone."""

from __future__ import annotations

import json

import pytest

from infra import catalog
from tests.infrastructure.template_queries import (
    as_list,
    logical_id,
    resources,
    role_statements,
)

pytestmark = pytest.mark.infrastructure


def test_the_ca_secret_holds_no_value_in_the_template_and_is_retained(template, stack):
    secret = resources(template, "AWS::SecretsManager::Secret")[
        logical_id(stack.certificate_authority)
    ]
    assert "SecretString" not in secret["Properties"]
    assert "GenerateSecretString" in secret["Properties"]  # a placeholder, not a CA
    assert secret["DeletionPolicy"] == "Retain"


def test_only_the_signer_uses_the_ca_secret(template, stack):
    users = [f.name for f in catalog.FUNCTIONS if f.uses_certificate_authority]
    assert users == ["certificate_signer"]
    ca = {"Ref": logical_id(stack.certificate_authority)}
    for name in stack.functions:
        grants = [
            s
            for s in role_statements(template, stack, name)
            if s["Resource"] == ca or ca in as_list(s["Resource"])
        ]
        if name not in users:
            assert grants == [], name
            continue
        (grant,) = grants
        assert sorted(as_list(grant["Action"])) == [
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
        ]
    policies = resources(template, "AWS::IAM::Policy")
    naming = [p for p in policies if json.dumps(ca) in json.dumps(policies[p])]
    assert len(naming) == 1


def test_the_signer_gets_the_secrets_arn_and_the_rule_on_signing_requests(template, stack):
    environment = resources(template, "AWS::Lambda::Function")[
        logical_id(stack.functions["certificate_signer"].function)
    ]["Properties"]["Environment"]["Variables"]
    assert environment["CA_SECRET_NAME"] == {"Ref": logical_id(stack.certificate_authority)}
    rules = [r for r in catalog.EVENT_RULES if r.function == "certificate_signer"]
    assert [r.detail_types for r in rules] == [("CertificateSigningRequested",)]


def test_certificate_settings_reach_the_functions_only_when_set():
    from aws_cdk import App

    from infra.stack_settings import SettingsError, StackSettings, cdk_json_context

    def settings(**context: object) -> StackSettings:
        return StackSettings.from_scope(App(context={**cdk_json_context(), **context}))

    assert settings().certificate_environment == {}
    chosen = settings(
        certificateOrganization="ACME Charging",
        certificateValidityDays="730",
        signV2gCertificates="true",
    )
    assert chosen.certificate_environment == {
        "CERTIFICATE_ORGANIZATION": "ACME Charging",
        "CERTIFICATE_VALIDITY_DAYS": "730",
        "SIGN_V2G_CERTIFICATES": "true",
    }
    with pytest.raises(SettingsError):
        settings(certificateValidityDays="0")
