"""Local defaults, their overrides and the handlers' environment (local/settings.py)."""

from __future__ import annotations

import pytest

from local.__main__ import parse_args, settings_from_args
from local.settings import LocalSettings, handler_environment
from shared.config import ConfigError, settings_from


def test_local_defaults():
    settings = LocalSettings.from_env({})
    assert (settings.host, settings.port, settings.moto_port) == ("127.0.0.1", 8080, 4566)
    assert settings.unknown_chargers == "accept"
    assert settings.heartbeat_interval_s == 570
    assert settings.operator_dev_token == "dev-operator-token"
    assert (settings.operator_email, settings.operator_password) == (
        "operator@csms.localhost",
        "dev-operator",
    )
    assert settings.token_ttl_s == 3600
    assert settings.console_dir is None  # console/dist of the checkout


def test_the_sign_in_settings_come_from_the_environment():
    settings = LocalSettings.from_env(
        {
            "LOCAL_TOKEN_TTL_S": "5",
            "LOCAL_OPERATOR_EMAIL": "ops@example.com",
            "LOCAL_OPERATOR_PASSWORD": "a-long-one",
            "LOCAL_CONSOLE_DIR": "/srv/console",
        }
    )
    assert settings.token_ttl_s == 5
    assert (settings.operator_email, settings.operator_password) == (
        "ops@example.com",
        "a-long-one",
    )
    assert settings.console_dir == "/srv/console"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LOCAL_TOKEN_TTL_S": "0"}, "token lifetime"),
        ({"LOCAL_TOKEN_TTL_S": "soon"}, "LOCAL_TOKEN_TTL_S must be a number"),
        ({"LOCAL_OPERATOR_EMAIL": "operator"}, "e-mail address"),
        ({"LOCAL_OPERATOR_PASSWORD": "short"}, "at least 8 characters"),
    ],
)
def test_bad_sign_in_settings_are_refused_at_start(env, message):
    with pytest.raises(ConfigError, match=message):
        LocalSettings.from_env(env)


def test_environment_overrides():
    settings = LocalSettings.from_env(
        {
            "LOCAL_PORT": "9000",
            "UNKNOWN_CHARGERS": "pending",
            "HEARTBEAT_INTERVAL_S": "60",
            "LOCAL_IDLE_TIMEOUT_S": "1.5",
        }
    )
    assert (settings.port, settings.unknown_chargers, settings.heartbeat_interval_s) == (
        9000,
        "pending",
        60,
    )
    assert settings.idle_timeout_s == 1.5


def test_invalid_values_are_refused():
    with pytest.raises(ConfigError):
        LocalSettings.from_env({"UNKNOWN_CHARGERS": "maybe"})
    with pytest.raises(ConfigError):
        LocalSettings.from_env({"LOCAL_PORT": "eighty"})


def test_command_line_flags_win(monkeypatch):
    monkeypatch.setenv("UNKNOWN_CHARGERS", "pending")
    args = parse_args(["--port", "0", "--unknown-chargers", "reject", "--heartbeat-interval", "30"])
    settings = settings_from_args(args)
    assert (settings.port, settings.unknown_chargers, settings.heartbeat_interval_s) == (
        0,
        "reject",
        30,
    )
    assert settings.host == "127.0.0.1"  # unset flags keep the defaults


def test_handler_environment_points_boto3_at_moto_and_connections_at_the_gateway():
    environment = handler_environment(
        LocalSettings(unknown_chargers="pending", heartbeat_interval_s=120),
        moto_endpoint="http://127.0.0.1:4566",
        management_endpoint="http://127.0.0.1:8080/local",
        moto_port=4566,
    )
    assert environment["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert environment["WS_MANAGEMENT_ENDPOINT"] == "http://127.0.0.1:8080/local"
    assert environment["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] == "http://127.0.0.1:8080/local"
    assert environment["AWS_ACCESS_KEY_ID"] == "testing"
    settings = settings_from(environment)  # everything the functions need is there
    assert settings.unknown_chargers == "pending"
    assert settings.heartbeat_interval_s == 120
    assert settings.operator_dev_token == "dev-operator-token"
    assert settings.ws_management_endpoint == "http://127.0.0.1:8080/local"
    # Locally a session's live energy follows every telemetry batch (AWS: every 5 minutes).
    assert settings.live_energy_write_interval_s == 0


def test_a_heartbeat_above_the_idle_timeout_is_refused_at_start_up():
    with pytest.raises(ConfigError):
        handler_environment(
            LocalSettings(heartbeat_interval_s=700),
            moto_endpoint="http://m",
            management_endpoint="http://g",
            moto_port=1,
        )
