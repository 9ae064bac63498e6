"""Step Functions task tokens: a workflow waiting for a command's outcome is told it."""

from __future__ import annotations

import json
from typing import Any


class StepFunctionsNotifier:
    def __init__(self, client: Any) -> None:
        self._client = client

    def succeed(self, task_token: str, output: dict[str, Any]) -> None:
        self._client.send_task_success(
            taskToken=task_token, output=json.dumps(output, separators=(",", ":"))
        )

    def fail(self, task_token: str, error: str, cause: str) -> None:
        self._client.send_task_failure(taskToken=task_token, error=error[:256], cause=cause)
