"""The catalog's state machines on the local platform, run by moto's ASL parser.

The same ASL files as on AWS, rendered with local values (infra/workflow_definitions.py):
`${Function:name}` -> `arn:aws:lambda:<region>:<account>:function:<name>`, `${Table:id}` ->
the table's local name. moto executes them once its `stepfunctions.execute_state_machine`
config is on; its Lambda tasks reach our handlers through local/lambda_service.py, its
DynamoDB integrations the same moto tables the handlers use (not with `--store memory`,
whose tables live in the platform's memory), StartSyncExecution through
local/step_functions.py. A `WorkflowRuleDef` becomes an event rule whose "function" starts
the execution (StartExecution with the event as input), delivered like any other rule.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from infra import catalog
from infra.catalog import EventRuleDef, StateMachineDef, WorkflowRuleDef
from infra.workflow_definitions import render_definition
from local.delivery import ConsumerTable
from local.invoke import Handler, LambdaFunction

logger = logging.getLogger("local.workflows")

MOTO_CONFIG_KEY = ("stepfunctions", "execute_state_machine")
# Rule "functions" that start a state machine are named so (never a catalog function's name).
_STARTER_PREFIX = "start:"


@dataclass(frozen=True)
class WorkflowTable:
    """State machines, the rules that start them, and the functions their tasks invoke."""

    state_machines: tuple[StateMachineDef, ...] = ()
    rules: tuple[WorkflowRuleDef, ...] = ()
    functions: Mapping[str, LambdaFunction] = field(default_factory=dict)

    @classmethod
    def from_catalog(cls) -> WorkflowTable:
        """The catalog's state machines and their tasks' handlers (imports them: set the
        environment first)."""
        names = dict.fromkeys(n for m in catalog.STATE_MACHINES for n in m.functions)
        functions = {
            name: LambdaFunction.from_definition(catalog.FUNCTIONS_BY_NAME[name]) for name in names
        }
        return cls(catalog.STATE_MACHINES, catalog.WORKFLOW_RULES, functions)

    @classmethod
    def from_handlers(
        cls,
        state_machines: Sequence[StateMachineDef],
        handlers: Mapping[str, Handler | LambdaFunction],
        rules: Sequence[WorkflowRuleDef] = (),
    ) -> WorkflowTable:
        """Test state machines with plain callables as their tasks' functions."""
        return cls(
            tuple(state_machines), tuple(rules), ConsumerTable.from_handlers(handlers).functions
        )

    def event_rules(self) -> tuple[EventRuleDef, ...]:
        """The rules as event rules whose function starts the state machine."""
        return tuple(
            EventRuleDef(
                id=rule.id,
                function=_STARTER_PREFIX + rule.state_machine,
                detail_types=rule.detail_types,
                description=rule.description,
            )
            for rule in self.rules
        )


def state_machine_arn(machine: StateMachineDef, region: str, account_id: str) -> str:
    return f"arn:aws:states:{region}:{account_id}:stateMachine:{machine.local_name}"


def workflow_environment(table: WorkflowTable, region: str, account_id: str) -> dict[str, str]:
    """Every state machine's ARN under its env var (locally all functions share one env)."""
    return {m.env_var: state_machine_arn(m, region, account_id) for m in table.state_machines}


def render_local(machine: StateMachineDef, region: str, account_id: str) -> str:
    return render_definition(
        machine,
        function_arns={
            name: f"arn:aws:lambda:{region}:{account_id}:function:{name}"
            for name in machine.functions
        },
        table_names={
            table_id: catalog.TABLES_BY_ID[table_id].local_name for table_id, _ in machine.tables
        },
    )


def create_state_machines(
    stepfunctions: Any, table: WorkflowTable, region: str, account_id: str
) -> dict[str, str]:
    """Creates (or updates) each state machine in moto; returns id -> ARN."""
    existing = {
        m["name"]: m["stateMachineArn"]
        for m in stepfunctions.list_state_machines()["stateMachines"]
    }
    arns: dict[str, str] = {}
    for machine in table.state_machines:
        definition = render_local(machine, region, account_id)
        role = f"arn:aws:iam::{account_id}:role/{machine.local_name}"
        if machine.local_name in existing:
            arn = existing[machine.local_name]
            stepfunctions.update_state_machine(
                stateMachineArn=arn, definition=definition, roleArn=role
            )
        else:
            arn = stepfunctions.create_state_machine(
                name=machine.local_name, definition=definition, roleArn=role, type=machine.type
            )["stateMachineArn"]
        arns[machine.id] = arn
    return arns


def rule_starters(
    table: WorkflowTable, arns: Mapping[str, str], start: Callable[[str, str], Any]
) -> dict[str, LambdaFunction]:
    """The functions the rules deliver to: each starts its state machine with the event
    (`start(state_machine_arn, input)`); a failed start is retried like a failed delivery."""

    def starter(arn: str) -> Handler:
        def handler(event: dict[str, Any], _context: Any) -> None:
            start(arn, json.dumps(event))

        return handler

    return {
        _STARTER_PREFIX + rule.state_machine: LambdaFunction(
            name=_STARTER_PREFIX + rule.state_machine, handler=starter(arns[rule.state_machine])
        )
        for rule in table.rules
    }
