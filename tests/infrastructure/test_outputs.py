"""What `cdk deploy` prints: everything needed to connect a charger and operate the platform."""

from __future__ import annotations

import pytest

from tests.infrastructure.template_queries import template_json

pytestmark = pytest.mark.infrastructure


def test_the_stack_outputs(template):
    outputs = template_json(template)["Outputs"]
    assert set(outputs) == {
        "ChargerUrl",
        "WebSocketUrl",
        "ConnectionsEndpoint",
        "HttpApiUrl",
        "DashboardUrl",
        "AlarmTopicArn",
        "UserPoolId",
        "UserPoolClientId",
        "DriverAppClientId",
        "ConsoleUrl",
    }
    for name, output in outputs.items():
        assert output["Description"], name
        # Outputs are for people and scripts, not cross-stack wiring.
        assert "Export" not in output, name
