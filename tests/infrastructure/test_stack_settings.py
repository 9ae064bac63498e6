from __future__ import annotations

import pytest
from aws_cdk import App
from aws_cdk import aws_logs as logs

from infra.stack_settings import SettingsError, StackSettings, cdk_json_context

pytestmark = pytest.mark.infrastructure


def _settings(**context: object) -> StackSettings:
    return StackSettings.from_scope(App(context={**cdk_json_context(), **context}))


CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666"


def test_cdk_json_defaults_are_the_documented_ones():
    assert _settings() == StackSettings()
    defaults = StackSettings()
    assert defaults.unknown_chargers == "reject"
    assert defaults.log_retention == logs.RetentionDays.ONE_MONTH
    # Optional features are off unless configured: no custom domain, no e-mail, no CORS, no
    # WebSocket access log.
    assert defaults.custom_domain_name is None
    assert defaults.websocket_access_log is False
    assert defaults.publish_meter_values is False
    assert defaults.alarm_email is None
    assert defaults.receipt_email_sender is None
    assert defaults.enabled_settings == frozenset()
    assert defaults.http_allowed_origins == ()
    assert defaults.stripe_secret_name == "csms/stripe"


def test_cdk_json_documents_every_setting():
    """Every context key the stack reads has its default in cdk.json, to be found and edited."""
    import dataclasses
    import re

    keys = set(cdk_json_context())
    fields = {f.name for f in dataclasses.fields(StackSettings)}
    camel = {re.sub(r"_(\w)", lambda m: m.group(1).upper(), name) for name in fields}
    assert camel <= keys, camel - keys


def test_cli_context_values_arrive_as_strings():
    settings = _settings(
        stageName="dev",
        unknownChargers="accept",
        heartbeatIntervalS="300",
        logRetentionDays="7",
        wsThrottleBurstLimit="50",
        apiGatewayAccountLogging="false",
        websocketAccessLog="true",
        publishMeterValues="true",
        liveEnergyWriteIntervalS="60",
    )
    assert settings.stage_name == "dev"
    assert settings.unknown_chargers == "accept"
    assert settings.heartbeat_interval_s == 300
    assert settings.log_retention == logs.RetentionDays.ONE_WEEK
    assert settings.ws_throttle_burst_limit == 50
    assert settings.api_gateway_account_logging is False
    assert settings.websocket_access_log is True
    assert settings.publish_meter_values is True
    assert settings.live_energy_write_interval_s == 60


def test_optional_features_from_the_command_line():
    settings = _settings(
        customDomainName="ocpp.example.com",
        customDomainCertificateArn=CERTIFICATE,
        alarmEmail="ops@example.com",
        stripeSecretName="prod/stripe",
        httpAllowedOrigins="https://console.example.com, http://localhost:5173/",
        httpThrottleRateLimit="20",
    )
    assert settings.custom_domain_name == "ocpp.example.com"
    assert settings.custom_domain_certificate_arn == CERTIFICATE
    assert settings.alarm_email == "ops@example.com"
    assert settings.stripe_secret_name == "prod/stripe"
    assert settings.http_allowed_origins == (
        "https://console.example.com",
        "http://localhost:5173",
    )
    assert settings.http_throttle_rate_limit == 20


def test_fairness_settings_from_the_command_line():
    acl = (
        "arn:aws:wafv2:us-east-1:123456789012:global/webacl/chargers/"
        "a1b2c3d4-0000-4000-8000-123456789abc"
    )
    settings = _settings(
        chargerEdgeWebAclArn=acl,
        wsConnectThrottleBurstLimit="20",
        wsConnectThrottleRateLimit="10",
        reservedConcurrency='{"ws_authorize": 40}',
    )
    assert settings.charger_edge_web_acl_arn == acl
    assert (settings.ws_connect_throttle_burst_limit, settings.ws_connect_throttle_rate_limit) == (
        20,
        10,
    )
    assert settings.reserved_concurrency == (("ws_authorize", 40),)


def test_driver_app_settings_from_the_command_line():
    settings = _settings(
        driverAppCallbackUrls="com.example.ev://signed-in,https://app.example.com/cb",
        driverSignInDomainPrefix="example-ev-drivers",
    )
    assert settings.driver_app_callback_urls == (
        "com.example.ev://signed-in",
        "https://app.example.com/cb",
    )
    assert settings.driver_sign_in_domain_prefix == "example-ev-drivers"


def test_origins_may_be_a_list_in_cdk_json():
    origins = ["https://a.example.com", "https://b.example.com"]
    assert _settings(httpAllowedOrigins=origins).http_allowed_origins == tuple(origins)


@pytest.mark.parametrize(
    "context",
    [
        {"unknownChargers": "sometimes"},
        # API Gateway drops a WebSocket after 600 s of silence.
        {"heartbeatIntervalS": 600},
        {"heartbeatIntervalS": "often"},
        {"logRetentionDays": 10},
        # The stage name ends up in URLs and in the CloudFront function's code.
        {"stageName": "prod/v1"},
        {"stageName": 'x";alert(1)//'},
        # A domain without its certificate, or a certificate CloudFront cannot use.
        {"customDomainName": "ocpp.example.com"},
        {"customDomainCertificateArn": CERTIFICATE},
        {
            "customDomainName": "ocpp.example.com",
            "customDomainCertificateArn": CERTIFICATE.replace("us-east-1", "eu-west-1"),
        },
        {"customDomainName": "not a domain", "customDomainCertificateArn": CERTIFICATE},
        {"alarmEmail": "ops"},
        # The SES identity's address itself: no display name, no bare domain.
        {"receiptEmailSender": "example.com"},
        {"receiptEmailSender": "Receipts <receipts@example.com>"},
        # CORS stays restrictive: no wildcard, no plain http except localhost, no paths.
        {"httpAllowedOrigins": "*"},
        {"httpAllowedOrigins": "http://console.example.com"},
        {"httpAllowedOrigins": "https://console.example.com/app"},
        # Fairness settings: a CloudFront-scope web ACL only, a $connect limit under the stage's.
        {"chargerEdgeWebAclArn": "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/y"},
        {"wsConnectThrottleRateLimit": 2000},
        {"reservedConcurrency": '{"ws_authorize": 0}'},
        {"reservedConcurrency": "[1, 2]"},
        # The driver app's redirects: https or the app's own scheme, never plain http.
        {"driverAppCallbackUrls": "http://app.example.com/cb"},
        {"driverAppCallbackUrls": "not a url"},
        # Cognito's rules for its own domains.
        {"driverSignInDomainPrefix": "Drivers"},
        {"driverSignInDomainPrefix": "my-cognito-login"},
        {"driverSignInDomainPrefix": "-x"},
        # Live energy: whole seconds up to an hour.
        {"liveEnergyWriteIntervalS": "-1"},
        {"liveEnergyWriteIntervalS": "3601"},
        {"liveEnergyWriteIntervalS": "5m"},
    ],
)
def test_invalid_context_fails_the_synth(context):
    with pytest.raises(SettingsError):
        _settings(**context)


def test_a_receipt_sender_turns_receipt_emails_on():
    settings = _settings(receiptEmailSender=" receipts@example.com ")
    assert settings.receipt_email_sender == "receipts@example.com"
    assert settings.enabled_settings == frozenset({"receiptEmailSender"})


def test_an_invalid_receipt_sender_is_refused_with_a_clear_message():
    with pytest.raises(SettingsError, match=r"receiptEmailSender must be an e-mail address .*'x'"):
        _settings(receiptEmailSender="x")


def test_the_console_can_be_turned_off_or_deployed_from_another_build():
    assert _settings().operator_console is True
    off = _settings(operatorConsole="false", consoleDist="/srv/console-build")
    assert off.operator_console is False
    assert str(off.console_dist_path) == "/srv/console-build"
    # Relative to the project, whatever the working directory.
    assert _settings(consoleDist="build/console").console_dist_path.is_absolute()


ROOT_PEM = (
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUcontractroot\n-----END CERTIFICATE-----"
)


def test_iso15118_settings_reach_the_functions_only_when_set(tmp_path):
    assert _settings().iso15118_environment == {}
    roots = tmp_path / "roots.pem"
    roots.write_text(f"V2G root, 2026\n{ROOT_PEM}\n")
    settings = _settings(
        ocspResponderUrl="http://ocsp.v2g.example.com/",
        ocspResponderHosts="OCSP.mo.example.com, ocsp.v2g.example.com",
        contractRootCertificates=str(roots),  # an absolute path stays absolute
    )
    assert settings.iso15118_environment == {
        "OCSP_RESPONDER_URL": "http://ocsp.v2g.example.com/",
        "OCSP_RESPONDER_HOSTS": "ocsp.mo.example.com,ocsp.v2g.example.com",
        "CONTRACT_ROOT_CERTIFICATES": ROOT_PEM,  # only the certificates of the file
    }


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"ocspResponderUrl": "ftp://ocsp.example.com"}, "ocspResponderUrl"),
        ({"ocspResponderHosts": "ocsp.example.com,not a host"}, "ocspResponderHosts"),
    ],
)
def test_iso15118_settings_are_checked(context, message):
    with pytest.raises(SettingsError, match=message):
        _settings(**context)


def test_a_contract_root_file_without_certificates_or_too_big_is_refused(tmp_path):
    empty = tmp_path / "empty.pem"
    empty.write_text("no certificate here")
    with pytest.raises(SettingsError, match="no PEM certificate"):
        _ = _settings(contractRootCertificates=str(empty)).iso15118_environment
    big = tmp_path / "big.pem"
    big.write_text("\n".join([ROOT_PEM.replace("contractroot", "A" * 800)] * 4))
    with pytest.raises(SettingsError, match="Lambda environment"):
        _ = _settings(contractRootCertificates=str(big)).iso15118_environment
    with pytest.raises(SettingsError, match="cannot read"):
        _ = _settings(contractRootCertificates=str(tmp_path / "missing.pem")).iso15118_environment


def test_the_cost_update_interval_is_read_and_checked():
    assert _settings().cost_update_interval_s == 300
    assert _settings(costUpdateIntervalS="900").cost_update_interval_s == 900
    assert _settings(costUpdateIntervalS="0").cost_update_interval_s == 0
    with pytest.raises(SettingsError, match="costUpdateIntervalS"):
        _settings(costUpdateIntervalS="-1")
