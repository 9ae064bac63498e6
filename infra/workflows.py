"""The catalog's state machines (docs/adr/0011, docs/adr/0024-local-step-functions.md).

Per `StateMachineDef`: the rendered ASL file, an own log group at level ERROR without execution
data (no payment details in logs), no X-Ray, and a role that may invoke exactly the declared
functions and call exactly the declared DynamoDB actions on the declared tables. Functions
that start one get exactly StartSyncExecution or StartExecution on it and its ARN in their
environment; `WorkflowRuleDef`s start one per matching event on the platform's bus, with a
dead-letter queue for the starts EventBridge gives up on.

A state machine's name is `<stack name>-<id>` and the functions get its ARN built from that
name, not a reference to it: a function may then start a state machine that invokes the same
function without a dependency cycle, and the task-token grant of `sends_task_results`
(`<stack name>*`) covers it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as eventbridge
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.catalog import (
    STATE_MACHINES,
    WORKFLOW_RULES,
    FunctionDef,
    StartMode,
    StateMachineDef,
    WorkflowRuleDef,
)
from infra.consumers import RULE_MAX_EVENT_AGE, RULE_RETRY_ATTEMPTS
from infra.dead_letters import dead_letter_queue
from infra.nag import acknowledge, wildcard_resource_finding
from infra.workflow_definitions import check_references, render_definition

# What a starter may call, per mode (StartSyncExecution exists for EXPRESS only).
START_ACTIONS: dict[StartMode, str] = {
    "sync": "states:StartSyncExecution",
    "async": "states:StartExecution",
    "control": "states:StartExecution",
}
# "control" also stops and describes the state machine's executions.
CONTROL_ACTIONS = ("states:StopExecution", "states:DescribeExecution")


def workflow_function_names(
    state_machines: Sequence[StateMachineDef] = STATE_MACHINES,
) -> list[str]:
    """The functions the state machines' tasks invoke, each once, in catalog order."""
    return list(dict.fromkeys(name for m in state_machines for name in m.functions))


def state_machine_name(stack: Stack, definition: StateMachineDef) -> str:
    return f"{stack.stack_name}-{definition.id}"


def state_machine_arn(stack: Stack, definition: StateMachineDef) -> str:
    return stack.format_arn(
        service="states",
        resource="stateMachine",
        resource_name=state_machine_name(stack, definition),
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


class Workflows(Construct):
    """Creates nothing when the catalog has no state machines."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.Function],
        function_definitions: Mapping[str, FunctionDef],
        tables: Mapping[str, dynamodb.ITable],
        event_bus: eventbridge.IEventBus,
        event_source: str,
        log_retention: logs.RetentionDays,
        state_machines: Sequence[StateMachineDef] = STATE_MACHINES,
        rules: Sequence[WorkflowRuleDef] = WORKFLOW_RULES,
    ) -> None:
        super().__init__(scope, construct_id)
        check_references(tuple(state_machines), functions=functions, tables=tables)
        self._definitions = {m.id: m for m in state_machines}
        self.state_machines: dict[str, sfn.StateMachine] = {}
        self.log_groups: dict[str, logs.LogGroup] = {}
        self.rules: dict[str, eventbridge.Rule] = {}
        # Rule id -> the queue of the events whose start failed.
        self.dead_letters: dict[str, sqs.Queue] = {}
        for definition in state_machines:
            self._add_state_machine(definition, functions, tables, log_retention)
        for name, function_definition in function_definitions.items():
            for machine_id, mode in function_definition.starts_state_machines:
                self._grant_start(functions[name], name, machine_id, mode)
        for rule in rules:
            self._add_rule(rule, event_bus, event_source)

    def _add_state_machine(
        self,
        definition: StateMachineDef,
        functions: Mapping[str, lambda_.Function],
        tables: Mapping[str, dynamodb.ITable],
        log_retention: logs.RetentionDays,
    ) -> None:
        scope = Construct(self, definition.id)
        role = iam.Role(
            scope,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"Execution role of state machine {definition.id}",
        )
        for name in definition.functions:
            # The unqualified ARN only (no versions or aliases): what the definition invokes.
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"], resources=[functions[name].function_arn]
                )
            )
        for table_id, actions in definition.tables:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=[f"dynamodb:{action}" for action in actions],
                    resources=[tables[table_id].table_arn],
                )
            )
        log_group = logs.LogGroup(scope, "Logs", retention=log_retention)
        rendered = render_definition(
            definition,
            function_arns={name: functions[name].function_arn for name in definition.functions},
            table_names={t: tables[t].table_name for t, _actions in definition.tables},
        )
        machine = sfn.StateMachine(
            scope,
            "StateMachine",
            state_machine_name=state_machine_name(Stack.of(self), definition),
            state_machine_type=sfn.StateMachineType[definition.type],
            definition_body=sfn.DefinitionBody.from_string(rendered),
            comment=definition.description or None,
            role=role,
            logs=sfn.LogOptions(
                destination=log_group, level=sfn.LogLevel.ERROR, include_execution_data=False
            ),
            tracing_enabled=False,
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "The CloudWatch Logs delivery actions Step Functions needs for logging "
            "(logs:CreateLogDelivery, ...) support no resource-level permissions.",
        )
        acknowledge(
            machine,
            "AwsSolutions-SF1",
            "Logs at level ERROR without execution data on purpose (docs/adr/0011): no "
            "payment details in logs, no log bytes per successful session.",
        )
        acknowledge(
            machine,
            "AwsSolutions-SF2",
            "No X-Ray on the per-session workflows (docs/adr/0010, docs/adr/0011); failures "
            "are alarmed on (ExecutionsFailed, ExecutionsTimedOut) and logged.",
        )
        self.state_machines[definition.id] = machine
        self.log_groups[definition.id] = log_group

    def _grant_start(
        self, function: lambda_.Function, name: str, machine_id: str, mode: StartMode
    ) -> None:
        definition = self._definitions.get(machine_id)
        if definition is None:
            raise ValueError(f"{name} starts unknown state machine {machine_id!r}")
        if mode == "sync" and definition.type != "EXPRESS":
            raise ValueError(f"{name}: only EXPRESS state machines start synchronously")
        arn = state_machine_arn(Stack.of(self), definition)
        iam.Grant.add_to_principal(
            grantee=function, actions=[START_ACTIONS[mode]], resource_arns=[arn]
        )
        if mode == "control":
            executions = Stack.of(self).format_arn(
                service="states",
                resource="execution",
                resource_name=f"{state_machine_name(Stack.of(self), definition)}:*",
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            iam.Grant.add_to_principal(
                grantee=function, actions=list(CONTROL_ACTIONS), resource_arns=[executions]
            )
            if isinstance(function.role, Construct):
                acknowledge(
                    function.role,
                    wildcard_resource_finding(function, executions),
                    f"The executions of {definition.id} only: an execution's ARN is the "
                    "state machine's name and the execution's, known once it is started.",
                )
        function.add_environment(definition.env_var, arn)

    def _add_rule(
        self, rule: WorkflowRuleDef, event_bus: eventbridge.IEventBus, event_source: str
    ) -> None:
        dead_letters = dead_letter_queue(
            self, rule.id + "DeadLetters", holds=f"events rule {rule.id} could not start"
        )
        self.dead_letters[rule.id] = dead_letters
        self.rules[rule.id] = eventbridge.Rule(
            self,
            rule.id,
            event_bus=event_bus,
            description=rule.description or None,
            event_pattern=eventbridge.EventPattern(
                source=[event_source], detail_type=list(rule.detail_types)
            ),
            # The whole event is the execution's input. EventBridge's retries end once Step
            # Functions accepted the start; a failing execution raises ExecutionsFailed.
            targets=[
                targets.SfnStateMachine(
                    self.state_machines[rule.state_machine],
                    dead_letter_queue=dead_letters,
                    retry_attempts=RULE_RETRY_ATTEMPTS,
                    max_event_age=RULE_MAX_EVENT_AGE,
                )
            ],
        )
