"""State machines from the catalog: rendered definition, logging, least-privilege roles, the
functions that start them, the rules that start them, and their alarms.

One small stack (the workflows construct with a test state machine, its functions, table and
bus, under cdk-nag) is synthesized once for the module; the real stack must stay unchanged
while the catalog has no state machines.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as eventbridge
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from infra import catalog
from infra.catalog import CHARGERS, FunctionDef
from infra.monitoring import MonitoredResources, Monitoring
from infra.nag import acknowledge
from infra.workflows import Workflows
from tests.infrastructure.template_queries import logical_id, resource, resources
from tests.workflows import THREE_STEPS, THREE_STEPS_RULE

pytestmark = pytest.mark.infrastructure

STARTER = FunctionDef(
    name="wf_starter",
    handler="unused.handler",
    description="starts the test workflow",
    starts_state_machines=((THREE_STEPS.id, "sync"),),
)
BYSTANDER = FunctionDef(name="wf_bystander", handler="unused.handler", description="starts none")


class _Built:
    def __init__(self) -> None:
        app = App()
        self.stack = Stack(app, "Wf")
        names = [*THREE_STEPS.functions, STARTER.name, BYSTANDER.name]
        self.functions = {name: _function(self.stack, name) for name in names}
        self.table = dynamodb.Table(
            self.stack,
            "Chargers",
            partition_key=dynamodb.Attribute(
                name="chargePointId", type=dynamodb.AttributeType.STRING
            ),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
        )
        self.workflows = Workflows(
            self.stack,
            "Workflows",
            functions=self.functions,
            function_definitions={STARTER.name: STARTER, BYSTANDER.name: BYSTANDER},
            tables={CHARGERS.id: self.table},
            event_bus=eventbridge.EventBus(self.stack, "Bus"),
            event_source="csms.test",
            log_retention=logs.RetentionDays.ONE_MONTH,
            state_machines=(THREE_STEPS,),
            rules=(THREE_STEPS_RULE,),
        )
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
        self.template = Template.from_stack(self.stack)  # fails on any unacknowledged finding


def _function(stack: Stack, name: str) -> lambda_.Function:
    function = lambda_.Function(
        stack,
        name,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
    )
    acknowledge(
        function,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]",
        "Test fixture: the default execution role.",
    )
    acknowledge(function, "AwsSolutions-L1", "Test fixture.")
    return function


@pytest.fixture(scope="module")
def built() -> _Built:
    return _Built()


def _machine(built: _Built) -> dict[str, Any]:
    return resource(built.template, built.workflows.state_machines[THREE_STEPS.id])


def _statements_of_role(template: Template, role_id: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _definition_text(built: _Built) -> str:
    """The definition, with the references CloudFormation fills in shown as JSON."""
    parts = _machine(built)["Properties"]["DefinitionString"]["Fn::Join"][1]
    return "".join(part if isinstance(part, str) else json.dumps(part) for part in parts)


def test_express_with_the_catalog_timeout_named_after_the_stack(built):
    properties = _machine(built)["Properties"]
    assert properties["StateMachineType"] == "EXPRESS"
    assert properties["StateMachineName"] == f"Wf-{THREE_STEPS.id}"
    definition = _definition_text(built)
    assert f'"TimeoutSeconds": {THREE_STEPS.timeout_s}' in definition
    assert "${" not in definition.replace("${Token", "")  # every placeholder rendered
    for name in THREE_STEPS.functions:
        assert logical_id(built.functions[name]) in definition
    assert logical_id(built.table) in definition


def test_logs_errors_only_without_execution_data_and_no_tracing(built):
    properties = _machine(built)["Properties"]
    logging = properties["LoggingConfiguration"]
    assert logging["Level"] == "ERROR"
    assert logging["IncludeExecutionData"] is False
    (destination,) = logging["Destinations"]
    log_group = logical_id(built.workflows.log_groups[THREE_STEPS.id])
    assert destination["CloudWatchLogsLogGroup"]["LogGroupArn"] == {
        "Fn::GetAtt": [log_group, "Arn"]
    }
    assert properties.get("TracingConfiguration", {"Enabled": False}) == {"Enabled": False}


def test_the_role_invokes_exactly_the_declared_functions_and_table_actions(built):
    role = _machine(built)["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    statements = _statements_of_role(built.template, role)
    invoke = [s for s in statements if s["Action"] == "lambda:InvokeFunction"]
    assert sorted(json.dumps(s["Resource"]) for s in invoke) == sorted(
        json.dumps({"Fn::GetAtt": [logical_id(built.functions[name]), "Arn"]})
        for name in THREE_STEPS.functions
    )
    dynamo = [s for s in statements if str(s["Action"]).startswith("dynamodb:")]
    assert [(s["Action"], s["Resource"]) for s in dynamo] == [
        ("dynamodb:UpdateItem", {"Fn::GetAtt": [logical_id(built.table), "Arn"]})
    ]
    others = [s for s in statements if s not in invoke and s not in dynamo]
    assert all(str(action).startswith("logs:") for s in others for action in _actions(s))


def test_starters_get_their_start_action_and_the_arn(built):
    arn_suffix = f":stateMachine:Wf-{THREE_STEPS.id}"
    starter = resource(built.template, built.functions[STARTER.name])
    variable = starter["Properties"]["Environment"]["Variables"][THREE_STEPS.env_var]
    assert json.dumps(variable).endswith(arn_suffix + '"]]}')
    role = starter["Properties"]["Role"]["Fn::GetAtt"][0]
    starts = [
        s
        for s in _statements_of_role(built.template, role)
        if any(a.startswith("states:") for a in _actions(s))
    ]
    assert [s["Action"] for s in starts] == ["states:StartSyncExecution"]
    assert starts[0]["Resource"] == variable
    bystander = resource(built.template, built.functions[BYSTANDER.name])
    assert THREE_STEPS.env_var not in bystander["Properties"].get("Environment", {}).get(
        "Variables", {}
    )


def test_a_rule_starts_the_state_machine_with_a_dead_letter_queue(built):
    rule = resource(built.template, built.workflows.rules[THREE_STEPS_RULE.id])["Properties"]
    assert rule["EventPattern"] == {
        "source": ["csms.test"],
        "detail-type": list(THREE_STEPS_RULE.detail_types),
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": logical_id(built.workflows.state_machines[THREE_STEPS.id])}
    queue = logical_id(built.workflows.dead_letters[THREE_STEPS_RULE.id])
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": [queue, "Arn"]}


def test_synchronous_start_of_a_standard_machine_is_refused():
    from dataclasses import replace

    app = App()
    stack = Stack(app, "Refused")
    with pytest.raises(ValueError, match="only EXPRESS"):
        Workflows(
            stack,
            "Workflows",
            functions={name: _function(stack, name) for name in [*THREE_STEPS.functions, "s"]},
            function_definitions={"s": replace(STARTER, name="s")},
            tables={
                CHARGERS.id: dynamodb.Table(
                    stack,
                    "T",
                    partition_key=dynamodb.Attribute(
                        name="chargePointId", type=dynamodb.AttributeType.STRING
                    ),
                )
            },
            event_bus=eventbridge.EventBus(stack, "Bus"),
            event_source="csms.test",
            log_retention=logs.RetentionDays.ONE_MONTH,
            state_machines=(replace(THREE_STEPS, type="STANDARD"),),
            rules=(),
        )


def test_failed_and_timed_out_executions_and_dead_letters_raise_alarms():
    app = App()
    stack = Stack(app, "WfMonitoring")
    functions = {name: _function(stack, name) for name in THREE_STEPS.functions}
    table = dynamodb.Table(
        stack,
        "T",
        partition_key=dynamodb.Attribute(name="chargePointId", type=dynamodb.AttributeType.STRING),
    )
    workflows = Workflows(
        stack,
        "Workflows",
        functions=functions,
        function_definitions={},
        tables={CHARGERS.id: table},
        event_bus=eventbridge.EventBus(stack, "Bus"),
        event_source="csms.test",
        log_retention=logs.RetentionDays.ONE_MONTH,
        state_machines=(THREE_STEPS,),
        rules=(THREE_STEPS_RULE,),
    )
    websocket = apigwv2.WebSocketApi(stack, "Ws")
    monitoring = Monitoring(
        stack,
        "Monitoring",
        resources=MonitoredResources(
            websocket_stage=apigwv2.WebSocketStage(
                stack, "WsStage", web_socket_api=websocket, stage_name="s"
            ),
            http_stage=apigwv2.HttpStage(stack, "HttpStage", http_api=apigwv2.HttpApi(stack, "H")),
            functions=functions,
            websocket_functions=[],
            tables={},
            streams={},
            dead_letters={},
            state_machines=workflows.state_machines,
            workflow_dead_letters=workflows.dead_letters,
        ),
    )
    template = Template.from_stack(stack)
    machine = {"Ref": logical_id(workflows.state_machines[THREE_STEPS.id])}
    for suffix, metric in (
        ("ExecutionsFailed", "ExecutionsFailed"),
        ("ExecutionsTimedOut", "ExecutionsTimedOut"),
    ):
        alarm = resource(template, monitoring.alarms[THREE_STEPS.id + suffix])["Properties"]
        assert alarm["MetricName"] == metric
        assert alarm["Namespace"] == "AWS/States"
        assert alarm["Dimensions"] == [{"Name": "StateMachineArn", "Value": machine}]
        assert alarm["Threshold"] == 1
        assert alarm["AlarmActions"] == [{"Ref": logical_id(monitoring.topic)}]
    dead = resource(template, monitoring.alarms[THREE_STEPS_RULE.id + "RuleDeadLetters"])
    queue = logical_id(workflows.dead_letters[THREE_STEPS_RULE.id])
    assert dead["Properties"]["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
    ]


def test_the_real_stack_has_the_catalogs_state_machines(template, stack):
    machines = resources(template, "AWS::StepFunctions::StateMachine")
    assert set(machines) == {logical_id(m) for m in stack.workflows.state_machines.values()}
    assert len(machines) == len(catalog.STATE_MACHINES) == 3
    types = {
        machine_id: resource(template, machine)["Properties"]["StateMachineType"]
        for machine_id, machine in stack.workflows.state_machines.items()
    }
    assert types == {
        "StartSession": "EXPRESS",
        "SettleSession": "EXPRESS",
        # One execution per campaign (docs/adr/0045).
        "FirmwareCampaign": "STANDARD",
    }
    for machine in machines.values():
        assert machine["Properties"]["LoggingConfiguration"]["Level"] == "ERROR"
        assert machine["Properties"]["LoggingConfiguration"]["IncludeExecutionData"] is False


def test_the_firmware_campaign_invokes_its_function_and_the_operator_api_controls_it(
    template, stack
):
    machine = resource(template, stack.workflows.state_machines["FirmwareCampaign"])
    role = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    function = logical_id(stack.functions["firmware_campaign"].function)
    invoked = [
        s["Resource"]
        for s in _statements_of_role(template, role)
        if "lambda:InvokeFunction" in _actions(s)
    ]
    assert json.dumps(invoked).count('"Fn::GetAtt"') == 1 and function in json.dumps(invoked)
    assert not [
        s
        for s in _statements_of_role(template, role)
        if any(a.startswith("dynamodb:") for a in _actions(s))
    ]
    api = resource(template, stack.functions["operator_api"].function)
    api_role = api["Properties"]["Role"]["Fn::GetAtt"][0]
    states = {
        action: json.dumps(s["Resource"])
        for s in _statements_of_role(template, api_role)
        for action in _actions(s)
        if action.startswith("states:") and not action.startswith("states:SendTask")
    }
    assert set(states) == {
        "states:StartExecution",
        "states:StopExecution",
        "states:DescribeExecution",
    }
    assert states["states:StartExecution"].endswith(':stateMachine:Csms-FirmwareCampaign"]]}')
    assert ":execution:" in states["states:StopExecution"]
    assert states["states:StopExecution"].endswith(':execution:Csms-FirmwareCampaign:*"]]}')
    variables = api["Properties"]["Environment"]["Variables"]
    assert "FIRMWARE_CAMPAIGN_STATE_MACHINE_ARN" in variables


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]
