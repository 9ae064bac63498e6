"""Running a workflow (a Step Functions state machine) and waiting for its end."""

from __future__ import annotations

from typing import Any, Protocol


class WorkflowFailed(Exception):
    """The execution ended failed, timed out or aborted: its error name and cause."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


class WorkflowRunner(Protocol):
    def run_sync(self, workflow: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Run `workflow` (a StateMachineDef id) to its end; its output, or WorkflowFailed."""
        ...
