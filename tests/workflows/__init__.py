"""A test-only state machine (and its ASL file) for the workflow tests, CDK and local alike."""

from __future__ import annotations

from pathlib import Path

from infra.catalog import CHARGERS, StateMachineDef, WorkflowRuleDef

THREE_STEPS = StateMachineDef(
    id="ThreeSteps",
    env_var="THREE_STEPS_STATE_MACHINE_ARN",
    local_name="csms-three-steps",
    # Absolute: outside infra/workflows/, where the real definitions live.
    definition_file=str(Path(__file__).with_name("three_steps.asl.json")),
    functions=("wf_prepare", "wf_flaky", "wf_finish"),
    tables=((CHARGERS.id, ("UpdateItem",)),),
    timeout_s=60,
    description="Test workflow",
)

# Starts THREE_STEPS on every matching event of the platform's bus.
THREE_STEPS_RULE = WorkflowRuleDef(
    id="ThreeStepsOnTestEvent",
    state_machine=THREE_STEPS.id,
    detail_types=("WorkflowTestRequested",),
)
