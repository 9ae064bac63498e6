"""Step Functions task tokens: a workflow waiting for a command's outcome is told it."""

from __future__ import annotations

import json
from typing import Any

from shared.ports.workflows import WorkflowFailed


class StepFunctionsNotifier:
    def __init__(self, client: Any) -> None:
        self._client = client

    def succeed(self, task_token: str, output: dict[str, Any]) -> None:
        self._client.send_task_success(
            taskToken=task_token, output=json.dumps(output, separators=(",", ":"))
        )

    def fail(self, task_token: str, error: str, cause: str) -> None:
        self._client.send_task_failure(taskToken=task_token, error=error[:256], cause=cause)


class StepFunctionsWorkflows:
    """Express workflows run synchronously (StartSyncExecution), by catalog id -> ARN."""

    def __init__(self, client: Any, arns: dict[str, str]) -> None:
        self._client = client
        self._arns = arns

    def run_sync(self, workflow: str, payload: dict[str, Any]) -> dict[str, Any]:
        arn = self._arns.get(workflow)
        if not arn:
            raise WorkflowFailed("NotDeployed", f"no state machine ARN for {workflow}")
        response = self._client.start_sync_execution(
            stateMachineArn=arn, input=json.dumps(payload, separators=(",", ":"))
        )
        if response.get("status") != "SUCCEEDED":
            raise WorkflowFailed(
                str(response.get("error") or response.get("status") or "Failed"),
                str(response.get("cause") or ""),
            )
        output: dict[str, Any] = json.loads(response.get("output") or "{}")
        return output


class StepFunctionsCampaigns:
    """A firmware campaign's Standard execution, named after the campaign: a repeated start
    with the same input finds the same execution (StartExecution is idempotent by name)."""

    def __init__(self, client: Any, arn: str) -> None:
        self._client = client
        self._arn = arn

    def start(self, name: str, payload: dict[str, Any]) -> str:
        if not self._arn:
            raise WorkflowFailed("NotDeployed", "no state machine ARN for FirmwareCampaign")
        response = self._client.start_execution(
            stateMachineArn=self._arn,
            name=name,
            input=json.dumps(payload, separators=(",", ":")),
        )
        return str(response["executionArn"])

    def stop(self, execution_arn: str, cause: str) -> None:
        self._client.stop_execution(executionArn=execution_arn, cause=cause[:256])
