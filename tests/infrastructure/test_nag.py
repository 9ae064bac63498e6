"""The stack under cdk-nag's AwsSolutions checks, as app.py runs them.

The session's template is synthesized with the checks on (conftest.py): any finding that is
not acknowledged fails that synthesis, so every test reading the template depends on it.
"""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from infra import catalog
from tests.infrastructure.synth import NO_BUNDLING
from tests.infrastructure.template_queries import (
    as_list,
    cdk_functions,
    role_statements_of,
    template_json,
)

pytestmark = pytest.mark.infrastructure


@pytest.fixture(scope="module")
def acknowledged(stack) -> dict[str, str]:
    """Construct path + rule -> the reason given, for every acknowledged finding."""
    found: dict[str, str] = {}
    for construct in stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == "aws:cdk:acknowledged-rules":
                for rule, reason in entry.data.items():
                    found[f"{construct.node.path} {rule}"] = reason
    return found


def test_the_stack_passes_the_aws_solutions_checks(template, stack):
    # The fixture synthesized with the checks on; the stack kept all of its functions (and
    # CDK's handler that deploys the console's files).
    assert len(template.find_resources("AWS::Lambda::Function")) == len(stack.functions) + len(
        cdk_functions(stack)
    )
    assert template_json(template)["Resources"]


def test_every_acknowledged_finding_says_why(acknowledged):
    assert acknowledged, "no acknowledgment found: the metadata format changed"
    for where, reason in acknowledged.items():
        assert "AwsSolutions-" in where
        assert len(reason.split()) >= 8, where


def test_wildcards_are_acknowledged_with_their_reason(stack, acknowledged):
    for name, function in stack.functions.items():

        def reasons(finding: str, role_path: str = function.role.node.path) -> list[str]:
            return [
                reason
                for where, reason in acknowledged.items()
                if where.startswith(role_path + " ") and finding in where
            ]

        definition = catalog.FUNCTIONS_BY_NAME[name]
        on_anything = reasons("AwsSolutions-IAM5[Resource::*]")
        # Only X-Ray needs "*"; task tokens are scoped to the stack's state machines.
        assert len(on_anything) == (1 if definition.tracing else 0), name
        assert all("X-Ray" in reason for reason in on_anything), name
        on_state_machines = reasons(":stateMachine:Csms*]")
        assert len(on_state_machines) == (1 if definition.sends_task_results else 0), name
        assert all("task token" in reason.lower() for reason in on_state_machines), name


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

    from infra.event_bus import EventBus
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
