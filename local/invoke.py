"""Calling a Lambda handler the way the Lambda service does, inside this process.

Handlers are plain synchronous functions; they run on a thread pool (never on the event
loop), get a realistic context object, see a JSON copy of the event and must return a
JSON-serializable answer. Time limits follow the function's timeout and API Gateway's
29-second integration timeout.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.catalog import FunctionDef

logger = logging.getLogger("local.invoke")

Handler = Callable[[dict[str, Any], Any], Any]

API_GATEWAY_INTEGRATION_TIMEOUT_S = 29.0
DEFAULT_MAX_WORKERS = 32


@functools.cache
def load_handler(dotted_path: str) -> Handler:
    """Import "package.module.function" once, as the Lambda runtime does at cold start."""
    module_name, _, attribute = dotted_path.rpartition(".")
    if not module_name:
        raise ValueError(f"handler path must be module.function, got {dotted_path!r}")
    handler = getattr(importlib.import_module(module_name), attribute)
    if not callable(handler):
        raise TypeError(f"{dotted_path} is not callable")
    return handler  # type: ignore[no-any-return]


@dataclass(frozen=True)
class LambdaFunction:
    """A deployed function: its handler plus the settings the runtime exposes."""

    name: str
    handler: Handler
    timeout_s: float = 10.0
    memory_mb: int = 256

    @classmethod
    def from_definition(cls, definition: FunctionDef) -> LambdaFunction:
        return cls(
            name=definition.name,
            handler=load_handler(definition.handler),
            timeout_s=definition.timeout_s,
            memory_mb=definition.memory_mb,
        )


class CognitoIdentity:
    """`context.identity`: empty outside Cognito-authenticated mobile SDK calls."""

    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


class LambdaContext:
    """The attributes and method of the Python runtime's context object.

    Like the real runtime, `memory_limit_in_mb` is a string (it comes from an env var).
    """

    def __init__(
        self,
        function: LambdaFunction,
        *,
        region: str,
        account_id: str,
        deadline_epoch_ms: int,
        aws_request_id: str | None = None,
    ) -> None:
        self.function_name = function.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function.name}"
        self.memory_limit_in_mb = str(function.memory_mb)
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.name}"
        self.log_stream_name = (
            time.strftime("%Y/%m/%d", time.gmtime()) + f"/[$LATEST]{uuid.uuid4().hex}"
        )
        self.identity = CognitoIdentity()
        self.client_context = None
        self.tenant_id = None
        self._deadline_epoch_ms = deadline_epoch_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_epoch_ms - int(time.time() * 1000))

    def __repr__(self) -> str:
        return (
            f"LambdaContext(function_name={self.function_name!r}, "
            f"aws_request_id={self.aws_request_id!r})"
        )


class InvocationError(Exception):
    """The invocation failed: the handler raised, timed out, or returned non-JSON.

    `cause` is the handler's exception (None for timeouts); `integration_timeout` tells
    API Gateway's 29 s limit apart from the function's own timeout.
    """

    def __init__(
        self,
        function: str,
        message: str,
        *,
        cause: BaseException | None = None,
        integration_timeout: bool = False,
    ) -> None:
        super().__init__(f"{function}: {message}")
        self.function = function
        self.cause = cause
        self.integration_timeout = integration_timeout


class Invoker:
    """Runs handlers off the event loop with Lambda's contract and limits.

    Invocations of one function run in parallel threads of this one process, sharing the
    handler module's globals; on AWS each concurrent invocation has its own execution
    environment. `max_concurrency_per_function=1` queues a function's invocations instead,
    like a single execution environment, for handlers whose module state is not
    thread-safe (the wait counts against the timeouts, as it would on AWS).
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        max_workers: int = DEFAULT_MAX_WORKERS,
        integration_timeout_s: float = API_GATEWAY_INTEGRATION_TIMEOUT_S,
        max_concurrency_per_function: int | None = None,
    ) -> None:
        self._region = region
        self._account_id = account_id
        self._integration_timeout_s = integration_timeout_s
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="lambda")
        self._per_function = max_concurrency_per_function
        self._slots: dict[str, asyncio.Semaphore] = {}

    async def invoke(
        self, function: LambdaFunction, event: dict[str, Any], *, log_errors: bool = True
    ) -> Any:
        """Invoke `function` with `event` and return its JSON-round-tripped answer.

        Raises InvocationError (logged unless `log_errors` is False) when the handler raises,
        exceeds min(function timeout, integration timeout), or returns something Lambda
        cannot serialize. A timed-out handler keeps running in its thread (Lambda would
        freeze it); its answer is discarded.
        """
        limit = min(function.timeout_s, self._integration_timeout_s)
        context = LambdaContext(
            function,
            region=self._region,
            account_id=self._account_id,
            deadline_epoch_ms=int(time.time() * 1000) + int(function.timeout_s * 1000),
        )
        payload = json.dumps(event)
        try:
            outcome = await asyncio.wait_for(self._execute(function, payload, context), limit)
        except TimeoutError:
            integration = self._integration_timeout_s <= function.timeout_s
            message = (
                f"integration timed out after {limit:g} seconds"
                if integration
                else f"Task timed out after {limit:.2f} seconds"
            )
            error = InvocationError(function.name, message, integration_timeout=integration)
            if log_errors:
                logger.error("%s (request %s)", error, context.aws_request_id)
            raise error from None
        if isinstance(outcome, _Failure):
            error = InvocationError(function.name, outcome.message, cause=outcome.exception)
            if log_errors:
                logger.error(
                    "%s (request %s)",
                    error,
                    context.aws_request_id,
                    exc_info=outcome.exception,
                )
            raise error
        return outcome

    async def _execute(self, function: LambdaFunction, payload: str, context: LambdaContext) -> Any:
        loop = asyncio.get_running_loop()
        if self._per_function is None:
            return await loop.run_in_executor(
                self._executor, _run, function.handler, payload, context
            )
        slot = self._slots.setdefault(function.name, asyncio.Semaphore(self._per_function))
        async with slot:
            return await loop.run_in_executor(
                self._executor, _run, function.handler, payload, context
            )

    def close(self, *, wait: bool = True) -> None:
        """Stop the worker threads; with `wait`, running invocations finish first."""
        self._executor.shutdown(wait=wait, cancel_futures=True)


@dataclass(frozen=True)
class _Failure:
    message: str
    exception: BaseException


def _run(handler: Handler, payload: str, context: LambdaContext) -> Any:
    """Worker-thread side: fresh event copy in, JSON-serializable answer out."""
    try:
        result = handler(json.loads(payload), context)
    except BaseException as exc:  # even SystemExit must not escape the worker thread
        return _Failure(f"{type(exc).__name__}: {exc}", exc)
    try:
        return json.loads(json.dumps(result))
    except (TypeError, ValueError) as exc:
        return _Failure(f"Runtime.MarshalError: Unable to marshal response: {exc}", exc)
