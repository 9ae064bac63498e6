from __future__ import annotations

from typing import Any

import pytest

from infra import catalog
from infra.consumers import consumer_function_names
from infra.stack import http_function_names, user_pool_function_names, websocket_function_names
from tests.infrastructure.template_queries import (
    catalog_functions,
    cdk_functions,
    logical_id,
    resource,
    resources,
)

pytestmark = pytest.mark.infrastructure

WEBSOCKET_FUNCTIONS = ["ws_authorize", "ws_connect", "ws_default", "ws_disconnect"]
HTTP_FUNCTIONS = ["operator_api", "driver_api", "payment_webhook", "grid_webhook", "files"]
USER_POOL_FUNCTIONS = ["driver_signup"]
CONSUMER_FUNCTIONS = [
    "telemetry_consumer",
    "energy_rollup",
    "certificate_signer",
    "session_workflow",
    "firmware_campaign",
    "site_trigger",
    "outbox_relay",
    "grid_poller",
    "start_sweep",
]
# Read from a catalog queue only (the site allocation loop, docs/adr/0051).
QUEUE_FUNCTIONS = ["site_allocator"]
STACK_FUNCTIONS = (
    WEBSOCKET_FUNCTIONS
    + USER_POOL_FUNCTIONS
    + HTTP_FUNCTIONS
    + CONSUMER_FUNCTIONS
    + QUEUE_FUNCTIONS
)


def test_the_stack_has_every_catalog_function_wired_to_something(template, stack):
    assert sorted(websocket_function_names()) == WEBSOCKET_FUNCTIONS
    assert http_function_names() == HTTP_FUNCTIONS
    assert user_pool_function_names() == USER_POOL_FUNCTIONS
    assert consumer_function_names() == CONSUMER_FUNCTIONS
    # A catalog function nothing invokes would be dead code in the account. Optional functions
    # (enabled_by) are deployed with their setting only (test_receipt_email.py).
    always = sorted(f.name for f in catalog.FUNCTIONS if f.enabled_by is None)
    assert sorted(stack.functions) == sorted(STACK_FUNCTIONS) == always
    # Besides them, only CDK's handler that deploys the console's files.
    assert set(resources(template, "AWS::Lambda::Function")) == set(
        catalog_functions(template, stack)
    ) | cdk_functions(stack)
    assert len(cdk_functions(stack)) == 1


def test_consumer_functions_are_listed_once_in_catalog_order():
    consumer = catalog.StreamConsumerDef(function="b", stream="S")
    rules = (
        catalog.EventRuleDef(id="R1", function="a", detail_types=("X",)),
        catalog.EventRuleDef(id="R2", function="b", detail_types=("Y",)),
    )
    schedules = (catalog.ScheduleDef(id="S1", function="c", every_minutes=1),)
    assert consumer_function_names((consumer,), rules, schedules) == ["b", "a", "c"]


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_function_runtime_sizing_and_tracing_follow_the_catalog(template, stack, name):
    definition = catalog.FUNCTIONS_BY_NAME[name]
    properties = resource(template, stack.functions[name].function)["Properties"]
    assert properties["Runtime"] == "python3.13"
    assert properties["Architectures"] == ["arm64"]
    assert properties["Handler"] == definition.handler
    assert properties["MemorySize"] == definition.memory_mb
    assert properties["Timeout"] == definition.timeout_s
    expected_tracing = {"Mode": "Active"} if definition.tracing else None
    assert properties.get("TracingConfig") == expected_tracing
    assert properties["Layers"] == [{"Ref": logical_id(stack.package.dependencies)}]


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_function_logs_to_its_own_group_with_retention(template, stack, name):
    function = stack.functions[name]
    properties = resource(template, function.function)["Properties"]
    assert properties["LoggingConfig"] == {
        "LogGroup": {"Ref": logical_id(function.log_group)},
        "LogFormat": "JSON",
        "SystemLogLevel": "WARN",
        "ApplicationLogLevel": "INFO",
    }
    assert resource(template, function.log_group)["Properties"]["RetentionInDays"] == 30


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_function_environment(template, stack, name):
    environment = resource(template, stack.functions[name].function)["Properties"]["Environment"][
        "Variables"
    ]
    tables = {
        definition.env_var: {"Ref": logical_id(stack.tables.by_id[definition.id])}
        for definition in catalog.TABLES
    }
    streams = {
        definition.env_var: {"Ref": logical_id(stack.streams.by_id[definition.id])}
        for definition in catalog.STREAMS
    }
    # The ARNs of the state machines it starts (their values: test_workflows).
    started = {
        catalog.STATE_MACHINES_BY_ID[machine].env_var
        for machine, _mode in catalog.FUNCTIONS_BY_NAME[name].starts_state_machines
    }
    assert started <= set(environment)
    environment = {k: v for k, v in environment.items() if k not in started}
    assert environment == {
        "POWERTOOLS_SERVICE_NAME": "csms",
        "POWERTOOLS_METRICS_NAMESPACE": "Csms",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        # Deployed stacks refuse unknown chargers unless the context says otherwise.
        "UNKNOWN_CHARGERS": "reject",
        "HEARTBEAT_INTERVAL_S": "570",
        # The Stripe secret's name (docs/payments.md); only functions the catalog lets read it
        # may (test_iam).
        "STRIPE_SECRET_NAME": "csms/stripe",
        # No MeterValuesReceived unless the context asks for it (docs/events.md).
        "PUBLISH_METER_VALUES": "false",
        # Live energy written at most every five minutes per session.
        "LIVE_ENERGY_WRITE_INTERVAL_S": "300",
        # A priced 2.0.1 session's running cost at most every five minutes (docs/adr/0044).
        "COST_UPDATE_INTERVAL_S": "300",
        "EVENT_BUS_NAME": {"Ref": logical_id(stack.events.bus)},
        "EVENT_SOURCE": catalog.EVENT_BUS.source,
        **tables,
        **streams,
        **_management_endpoint(stack, name),
        **_admission_key(stack, name),
        **_certificate_authority(stack, name),
        **_buckets(stack, name),
        **_queues(stack, name),
        **_grid_webhook(stack, name),
    }


def _queues(stack, name: str) -> dict[str, Any]:
    """The URL of each catalog queue the function reads or sends to."""
    return {
        q.env_var: {"Ref": logical_id(stack.queues.by_id[q.id])}
        for q in catalog.QUEUES
        if name in (q.consumer, *q.senders)
    }


def _grid_webhook(stack, name: str) -> dict[str, Any]:
    """Where VTNs notify sites (docs/adr/0052): the HTTP API, for the grid functions only."""
    if not catalog.FUNCTIONS_BY_NAME[name].grid_signals:
        return {}
    return {
        "GRID_WEBHOOK_BASE_URL": {"Fn::GetAtt": [logical_id(stack.http_api.api), "ApiEndpoint"]}
    }


def _buckets(stack, name: str) -> dict[str, Any]:
    """Every bucket's name; the `/files` base URL (the HTTP API's) where locations are minted."""
    found: dict[str, Any] = {
        definition.env_var: {"Ref": logical_id(stack.buckets.by_id[definition.id])}
        for definition in catalog.BUCKETS
    }
    if catalog.FUNCTIONS_BY_NAME[name].mints_file_locations:
        found["FILES_BASE_URL"] = stack.resolve(stack.http_api.api.api_endpoint)
    return found


def _certificate_authority(stack, name: str) -> dict[str, object]:
    """Only the certificate signer learns where the CA is (docs/adr/0041)."""
    if not catalog.FUNCTIONS_BY_NAME[name].uses_certificate_authority:
        return {}
    return {"CA_SECRET_NAME": {"Ref": logical_id(stack.certificate_authority)}}


def _admission_key(stack, name: str) -> dict[str, object]:
    """Only the $connect authorizer learns where the admission key is (docs/adr/0027)."""
    if not catalog.FUNCTIONS_BY_NAME[name].reads_admission_key:
        return {}
    return {"ADMISSION_KEY_SECRET": {"Ref": logical_id(stack.admission_key)}}


def _management_endpoint(stack, name: str) -> dict[str, object]:
    """Only functions that post to chargers learn the @connections endpoint."""
    if not catalog.FUNCTIONS_BY_NAME[name].manages_connections:
        return {}
    api = logical_id(stack.websocket.api)
    return {
        "WS_MANAGEMENT_ENDPOINT": {
            "Fn::Join": [
                "",
                [
                    "https://",
                    {"Ref": api},
                    ".execute-api.",
                    {"Ref": "AWS::Region"},
                    ".",
                    {"Ref": "AWS::URLSuffix"},
                    "/prod",
                ],
            ]
        }
    }


def test_all_functions_share_one_code_asset_and_one_layer(template, stack):
    functions = catalog_functions(template, stack).values()
    assert len({f["Properties"]["Code"]["S3Key"] for f in functions}) == 1
    layer = resource(template, stack.package.dependencies)
    # Each has the dependencies layer alone (above); the others are the AWS CLI of CDK's
    # handler that deploys the console's files (one per deployment, one of them used).
    others = [
        other["Properties"]
        for logical, other in resources(template, "AWS::Lambda::LayerVersion").items()
        if logical != logical_id(stack.package.dependencies)
    ]
    assert others
    assert all(other["Description"] == "/opt/awscli/aws" for other in others)
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_every_function_environment_loads_the_shared_settings(template, stack, name):
    """The deployed environment satisfies shared.config, which every handler reads at import."""
    from shared.config import settings_from

    environment = resource(template, stack.functions[name].function)["Properties"]["Environment"][
        "Variables"
    ]
    # Resource names are CloudFormation references here; a marker per variable stands in.
    resolved = {
        key: value if isinstance(value, str) else f"<{key}>" for key, value in environment.items()
    }
    settings = settings_from(resolved)
    assert settings.unknown_chargers == "reject"
    assert settings.heartbeat_interval_s == 570
    assert settings.telemetry_stream_name == "<TELEMETRY_STREAM_NAME>"
    assert settings.energy_daily_table == "<ENERGY_DAILY_TABLE>"


def test_publish_meter_values_reaches_the_functions():
    """The context turns the consumer's MeterValuesReceived summaries on (docs/events.md)."""
    from aws_cdk.assertions import Template

    from tests.infrastructure.synth import build_stack

    stack = build_stack(context={"publishMeterValues": "true"})
    consumer = resource(Template.from_stack(stack), stack.functions["telemetry_consumer"].function)
    assert consumer["Properties"]["Environment"]["Variables"]["PUBLISH_METER_VALUES"] == "true"
