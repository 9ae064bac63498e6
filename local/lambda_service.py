"""Lambda's Invoke API for our functions, on moto's endpoint (a moto interceptor).

moto's Lambda cannot run our code (it needs Docker, and the function to exist in moto). The
workflows' Lambda tasks call `lambda:Invoke` on moto's endpoint (moto's ASL parser builds its
clients with `boto_client_for`), so the platform answers Invoke there for the functions it
serves and leaves every other function to moto. Serving the wire API, rather than hooking a
botocore event or patching moto, holds for every client however it was created: the parser's
(over the socket), the handlers' (in-process transport), other processes (`aws lambda invoke
--endpoint-url`). It also keeps Lambda's contract where Step Functions reads it:

- RequestResponse: 200 with the handler's JSON answer; a handler that raised, timed out or
  returned something unserializable gives 200 with `X-Amz-Function-Error: Unhandled` and
  Lambda's error payload ({"errorMessage", "errorType", "stackTrace"}), so ASL Retry/Catch
  match the exception's class name (or `Sandbox.Timedout`, `Runtime.MarshalError`) and
  `States.TaskFailed`;
- Event: 202 at once, the handler runs on its own (no retries locally); DryRun: 204;
- an unknown function goes on to moto (ResourceNotFoundException, as for any other).

Handlers run through local.invoke's Invoker: the same LambdaContext, timeouts and errors as
everywhere else on the local platform.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import traceback
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote

from local.invoke import InvocationError, Invoker, LambdaFunction
from local.moto_server import WsgiAnswer

logger = logging.getLogger("local.lambda")

_PREFIX = "/2015-03-31/functions/"
_SUFFIX = "/invocations"


def function_name(reference: str) -> str:
    """`name`, `name:qualifier`, a partial or full ARN (with or without qualifier) -> name."""
    if reference.startswith("arn:"):
        parts = reference.split(":")  # arn:aws:lambda:region:account:function:name[:qualifier]
        return parts[6] if len(parts) > 6 else reference
    if ":function:" in reference:  # account:function:name
        return reference.split(":function:", 1)[1].split(":", 1)[0]
    return reference.split(":", 1)[0]


class LambdaService:
    """Answers Invoke for `functions` (name -> function) with `invoker`."""

    def __init__(self, functions: Mapping[str, LambdaFunction], invoker: Invoker) -> None:
        self._functions = dict(functions)
        self._invoker = invoker

    def __call__(self, environ: dict[str, Any]) -> WsgiAnswer | None:
        path = str(environ.get("PATH_INFO", ""))
        if environ.get("REQUEST_METHOD") != "POST" or not (
            path.startswith(_PREFIX) and path.endswith(_SUFFIX)
        ):
            return None
        function = self._functions.get(function_name(unquote(path[len(_PREFIX) : -len(_SUFFIX)])))
        if function is None:
            return None  # not ours: moto's Lambda answers
        qualifier = parse_qs(str(environ.get("QUERY_STRING", ""))).get("Qualifier", ["$LATEST"])
        if qualifier[0] != "$LATEST":
            return _error(404, "ResourceNotFoundException", f"{function.name}:{qualifier[0]}")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            event = json.loads(raw or b"{}")
        except ValueError:
            return _error(400, "InvalidRequestContentException", "Could not parse request body")
        invocation_type = environ.get("HTTP_X_AMZ_INVOCATION_TYPE") or "RequestResponse"
        if invocation_type == "DryRun":
            return 204, [], b""
        if invocation_type == "Event":
            threading.Thread(
                target=self._invoke, args=(function, event), name=f"event-{function.name}"
            ).start()
            return 202, [], b""
        return self._invoke(function, event)

    def _invoke(self, function: LambdaFunction, event: Any) -> WsgiAnswer:
        headers = [("Content-Type", "application/json"), ("X-Amz-Executed-Version", "$LATEST")]
        try:
            # A private event loop: this runs on moto's request thread (or the caller's, with
            # the in-process transport), never on the platform's loop.
            result = asyncio.run(self._invoker.invoke(function, event))
        except InvocationError as exc:
            headers.append(("X-Amz-Function-Error", "Unhandled"))
            return 200, headers, json.dumps(error_payload(exc)).encode()
        return 200, headers, json.dumps(result).encode()


def error_payload(error: InvocationError) -> dict[str, Any]:
    """The payload the Python runtime returns for an unhandled error."""
    cause = error.cause
    message = str(error).split(": ", 1)[-1]
    if cause is None:  # the function's timeout
        return {"errorType": "Sandbox.Timedout", "errorMessage": message}
    if message.startswith("Runtime.MarshalError"):
        return {"errorType": "Runtime.MarshalError", "errorMessage": message}
    return {
        "errorMessage": str(cause),
        "errorType": type(cause).__name__,
        "requestId": "",
        "stackTrace": traceback.format_tb(cause.__traceback__),
    }


def _error(status: int, code: str, message: str) -> WsgiAnswer:
    body = json.dumps({"Type": "User", "Message": message}).encode()
    return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)], body
