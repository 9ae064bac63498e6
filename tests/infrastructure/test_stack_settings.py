from __future__ import annotations

import pytest
from aws_cdk import App
from aws_cdk import aws_logs as logs

from infra.stack_settings import SettingsError, StackSettings, cdk_json_context

pytestmark = pytest.mark.infrastructure


def _settings(**context: object) -> StackSettings:
    return StackSettings.from_scope(App(context={**cdk_json_context(), **context}))


def test_cdk_json_defaults_are_the_documented_ones():
    assert _settings() == StackSettings()
    assert StackSettings().unknown_chargers == "reject"
    assert StackSettings().log_retention == logs.RetentionDays.ONE_MONTH


def test_cli_context_values_arrive_as_strings():
    settings = _settings(
        stageName="dev",
        unknownChargers="accept",
        heartbeatIntervalS="300",
        logRetentionDays="7",
        wsThrottleBurstLimit="50",
        apiGatewayAccountLogging="false",
    )
    assert settings.stage_name == "dev"
    assert settings.unknown_chargers == "accept"
    assert settings.heartbeat_interval_s == 300
    assert settings.log_retention == logs.RetentionDays.ONE_WEEK
    assert settings.ws_throttle_burst_limit == 50
    assert settings.api_gateway_account_logging is False


@pytest.mark.parametrize(
    "context",
    [
        {"unknownChargers": "sometimes"},
        # API Gateway drops a WebSocket after 600 s of silence.
        {"heartbeatIntervalS": 600},
        {"heartbeatIntervalS": "often"},
        {"logRetentionDays": 10},
    ],
)
def test_invalid_context_fails_the_synth(context):
    with pytest.raises(SettingsError):
        _settings(**context)
