"""The stack with the operator function added (as the HTTP API change will), under cdk-nag.

Synthesizing with the AwsSolutions pack fails on any finding that is not acknowledged, so this
module also proves that the stack passes the checks app.py runs.
"""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from infra import catalog
from tests.infrastructure.synth import NO_BUNDLING, build_stack
from tests.infrastructure.template_queries import (
    as_list,
    logical_id,
    resource,
    role_statements,
    role_statements_of,
)

pytestmark = pytest.mark.infrastructure

OPERATOR = "operator_api"


@pytest.fixture(scope="module")
def extended_stack():
    return build_stack(extra_functions=[OPERATOR], nag=True)


@pytest.fixture(scope="module")
def extended_template(extended_stack):
    # Raises ValidationFailed, listing the findings, if cdk-nag reports any.
    return Template.from_stack(extended_stack)


def test_operator_function_manages_connections_in_the_catalog():
    assert catalog.FUNCTIONS_BY_NAME[OPERATOR].manages_connections


def test_connection_managers_get_the_stage_endpoint(extended_template, extended_stack):
    environment = resource(extended_template, extended_stack.functions[OPERATOR].function)[
        "Properties"
    ]["Environment"]["Variables"]
    endpoint = environment["WS_MANAGEMENT_ENDPOINT"]["Fn::Join"][1]
    assert endpoint[0] == "https://"
    assert {"Ref": logical_id(extended_stack.websocket.api)} in endpoint
    assert endpoint[-1] == "/prod"


def test_connection_managers_may_manage_this_stages_connections_only(
    extended_template, extended_stack
):
    statements = role_statements(extended_template, extended_stack, OPERATOR)
    (manage,) = [s for s in statements if "execute-api:ManageConnections" in as_list(s["Action"])]
    assert as_list(manage["Action"]) == ["execute-api:ManageConnections"]
    arn = manage["Resource"]["Fn::Join"][1]
    assert {"Ref": logical_id(extended_stack.websocket.api)} in arn
    assert arn[-1] == "/prod/*/@connections/*"


def test_the_stack_passes_the_aws_solutions_checks(extended_template, extended_stack):
    # The fixture synthesized with the checks on; the stack also kept all of its functions.
    assert OPERATOR in extended_stack.functions
    assert len(extended_template.find_resources("AWS::Lambda::Function")) == len(
        extended_stack.functions
    )


def test_every_acknowledged_finding_says_why(extended_template, extended_stack):
    acknowledged: dict[str, str] = {}
    for construct in extended_stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == "aws:cdk:acknowledged-rules":
                for rule, reason in entry.data.items():
                    acknowledged[f"{construct.node.path} {rule}"] = reason
    assert acknowledged, "no acknowledgment found: the metadata format changed"
    for where, reason in acknowledged.items():
        assert "AwsSolutions-" in where
        assert len(reason.split()) >= 8, where


def test_the_checks_do_run_on_synthesis():
    """An unencrypted queue fails the same synthesis, so a passing stack means something."""
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_sqs as sqs
    from cdk_nag import AwsSolutionsChecks

    app = App(context=NO_BUNDLING)
    stack = Stack(app, "Unchecked")
    sqs.Queue(stack, "Queue", encryption=sqs.QueueEncryption.UNENCRYPTED)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="AwsSolutions-SQS2"):
        Template.from_stack(stack)


def test_grants_on_indexed_tables_pass_the_checks():
    """A table with a secondary index widens the grant to `<table>/index/*`, acknowledged."""
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_logs as logs
    from cdk_nag import AwsSolutionsChecks

    from infra.events import EventBus
    from infra.python_function import FunctionResources, LambdaPackage, PythonFunction
    from infra.tables import Tables

    indexed = catalog.TableDef(
        id="Indexed",
        env_var="INDEXED_TABLE",
        local_name="csms-indexed",
        partition_key=catalog.Key("pk"),
        indexes=(catalog.IndexDef("byOwner", catalog.Key("owner")),),
    )
    app = App(context=NO_BUNDLING)
    stack = Stack(app, "Indexed")
    tables = Tables(stack, "Tables", definitions=(indexed,))
    function = PythonFunction(
        stack,
        "Reader",
        definition=catalog.FunctionDef(
            name="reader",
            handler="functions.reader.handler.handler",
            description="reads",
            tables=((indexed.id, "read"),),
        ),
        package=LambdaPackage(stack, "Package"),
        resources=FunctionResources(
            tables=tables.by_id,
            event_bus=EventBus(stack, "Events", archive_retention_days=1).bus,
            event_source="test",
            environment={},
            log_retention=logs.RetentionDays.ONE_DAY,
            table_definitions={indexed.id: indexed},
        ),
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template = Template.from_stack(stack)  # raises on any unacknowledged finding
    (read,) = [
        s
        for s in role_statements_of(template, function)
        if "dynamodb:Query" in as_list(s["Action"])
    ]
    assert len(read["Resource"]) == 2  # the table and its indexes
