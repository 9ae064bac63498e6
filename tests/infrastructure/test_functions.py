from __future__ import annotations

import pytest

from infra import catalog
from infra.stack import websocket_function_names
from tests.infrastructure.template_queries import logical_id, resource, resources

pytestmark = pytest.mark.infrastructure

WEBSOCKET_FUNCTIONS = ["ws_authorize", "ws_connect", "ws_default", "ws_disconnect"]


def test_only_the_websocket_functions_exist_for_now(template, stack):
    assert sorted(websocket_function_names()) == WEBSOCKET_FUNCTIONS
    assert sorted(stack.functions) == WEBSOCKET_FUNCTIONS
    assert len(resources(template, "AWS::Lambda::Function")) == len(WEBSOCKET_FUNCTIONS)


@pytest.mark.parametrize("name", WEBSOCKET_FUNCTIONS)
def test_function_runtime_sizing_and_tracing_follow_the_catalog(template, stack, name):
    definition = catalog.FUNCTIONS_BY_NAME[name]
    properties = resource(template, stack.functions[name].function)["Properties"]
    assert properties["Runtime"] == "python3.13"
    assert properties["Architectures"] == ["arm64"]
    assert properties["Handler"] == definition.handler
    assert properties["MemorySize"] == definition.memory_mb
    assert properties["Timeout"] == definition.timeout_s
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["Layers"] == [{"Ref": logical_id(stack.package.dependencies)}]


@pytest.mark.parametrize("name", WEBSOCKET_FUNCTIONS)
def test_function_logs_to_its_own_group_with_retention(template, stack, name):
    function = stack.functions[name]
    properties = resource(template, function.function)["Properties"]
    assert properties["LoggingConfig"] == {"LogGroup": {"Ref": logical_id(function.log_group)}}
    assert resource(template, function.log_group)["Properties"]["RetentionInDays"] == 30


@pytest.mark.parametrize("name", WEBSOCKET_FUNCTIONS)
def test_function_environment(template, stack, name):
    environment = resource(template, stack.functions[name].function)["Properties"]["Environment"][
        "Variables"
    ]
    tables = {
        definition.env_var: {"Ref": logical_id(stack.tables.by_id[definition.id])}
        for definition in catalog.TABLES
    }
    assert environment == {
        "POWERTOOLS_SERVICE_NAME": "csms",
        "POWERTOOLS_METRICS_NAMESPACE": "Csms",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        # Deployed stacks refuse unknown chargers unless the context says otherwise.
        "UNKNOWN_CHARGERS": "reject",
        "HEARTBEAT_INTERVAL_S": "540",
        "EVENT_BUS_NAME": {"Ref": logical_id(stack.events.bus)},
        "EVENT_SOURCE": catalog.EVENT_BUS.source,
        **tables,
    }


def test_all_functions_share_one_code_asset_and_one_layer(template):
    functions = resources(template, "AWS::Lambda::Function").values()
    assert len({f["Properties"]["Code"]["S3Key"] for f in functions}) == 1
    (layer,) = resources(template, "AWS::Lambda::LayerVersion").values()
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


@pytest.mark.parametrize("name", WEBSOCKET_FUNCTIONS)
def test_every_function_environment_loads_the_shared_settings(template, stack, name):
    """The deployed environment satisfies shared.config, which every handler reads at import."""
    from shared.config import settings_from

    environment = resource(template, stack.functions[name].function)["Properties"]["Environment"][
        "Variables"
    ]
    # Table and bus names are CloudFormation references here; any string stands in for them.
    resolved = {
        key: value if isinstance(value, str) else "resolved" for key, value in environment.items()
    }
    settings = settings_from(resolved)
    assert settings.unknown_chargers == "reject"
    assert settings.heartbeat_interval_s == 540
