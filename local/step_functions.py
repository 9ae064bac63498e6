"""What moto's Step Functions endpoint lacks, answered in front of it (a moto interceptor).

- `StartSyncExecution`: moto 5.2's HTTP API does not route it, though its ASL parser runs
  synchronous executions (`SyncExecution`). Answered here with the parser's state machine and
  `SyncExecution`, in the request's thread, as Step Functions answers it: once the execution
  has ended, with its status, output or error and cause.
- `StartExecution` without `name`: moto's parser backend names such executions "None" (and
  a second start with the same input returns the first execution); Step Functions generates
  a UUID. One is filled in before moto sees the request.

Only active while moto's parser executes state machines (local/workflows.py turns it on).
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import uuid
from typing import Any

from local.moto_server import WsgiAnswer

logger = logging.getLogger("local.step_functions")

_TARGET_PREFIX = "AWSStepFunctions."
_JSON = "application/x-amz-json-1.0"


def step_functions_interceptor(environ: dict[str, Any]) -> WsgiAnswer | None:
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target == _TARGET_PREFIX + "StartSyncExecution":
        return _start_sync_execution(json.loads(_read_body(environ) or b"{}"))
    if target == _TARGET_PREFIX + "StartExecution":
        body = json.loads(_read_body(environ) or b"{}")
        body.setdefault("name", str(uuid.uuid4()))
        _replace_body(environ, json.dumps(body).encode())
    return None


def _start_sync_execution(request: dict[str, Any]) -> WsgiAnswer:
    from moto.stepfunctions.parser.api import StateMachineType
    from moto.stepfunctions.parser.backend.execution import SyncExecution
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    arn = str(request.get("stateMachineArn", ""))
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "states" or parts[5] != "stateMachine":
        return _error("InvalidArn", f"Invalid Arn: '{arn}'")
    region, account, machine_name = parts[3], parts[4], parts[6]
    backend = stepfunctions_parser_backends[account][region]
    machine = next((m for m in backend.state_machines if m.arn == arn), None)
    if machine is None:
        return _error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
    if machine.type != "EXPRESS":
        return _error(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        )
    raw_input = request.get("input") or "{}"
    try:
        json.loads(raw_input)
    except ValueError as exc:
        return _error("InvalidExecutionInput", str(exc))
    name = request.get("name") or str(uuid.uuid4())
    execution = SyncExecution(
        name=name,
        sm_type=StateMachineType(machine.type),
        role_arn=machine.roleArn,
        exec_arn=f"arn:aws:states:{region}:{account}:express:{machine_name}:{name}:{uuid.uuid4()}",
        account_id=account,
        region_name=region,
        # Like StartExecution's snapshot, without the (unpicklable) running executions.
        state_machine=_snapshot(machine),
        start_date=datetime.datetime.now(tz=datetime.UTC),
        cloud_watch_logging_session=None,
        activity_store={},
        input_data=raw_input,
        trace_header=request.get("traceHeader"),
    )
    execution.start()  # runs the whole execution in this thread
    return (
        200,
        [("Content-Type", _JSON)],
        json.dumps(execution.to_start_sync_execution_output(), default=_json_value).encode(),
    )


def _snapshot(machine: Any) -> Any:
    import copy

    return copy.deepcopy(
        machine, {id(machine.executions): [], id(machine.backend): machine.backend}
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.timestamp()  # the JSON protocol's timestamps: epoch seconds
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _error(code: str, message: str) -> WsgiAnswer:
    body = json.dumps({"__type": code, "message": message}).encode()
    return 400, [("Content-Type", _JSON), ("x-amzn-ErrorType", code)], body


def _read_body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    _replace_body(environ, body)
    return body


def _replace_body(environ: dict[str, Any], body: bytes) -> None:
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
