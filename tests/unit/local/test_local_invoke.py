"""Calling handlers like Lambda does (local/invoke.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

import pytest

from local.invoke import InvocationError, Invoker, LambdaContext, LambdaFunction, load_handler


def invoke(function: LambdaFunction, event: dict[str, Any], **invoker_options: Any) -> Any:
    async def scenario():
        invoker = Invoker(region="eu-west-1", account_id="111122223333", **invoker_options)
        try:
            return await invoker.invoke(function, event)
        finally:
            invoker.close(wait=False)

    return asyncio.run(scenario())


def test_load_handler_imports_once_by_dotted_path():
    assert load_handler("json.dumps") is json.dumps  # type: ignore[comparison-overlap]
    assert load_handler("json.dumps") is load_handler("json.dumps")
    with pytest.raises(ValueError, match=r"module\.function"):
        load_handler("dumps")


def test_context_looks_like_the_python_runtime_one():
    function = LambdaFunction("ws_default", lambda e, c: None, timeout_s=10, memory_mb=256)
    deadline = int(time.time() * 1000) + 10_000
    context = LambdaContext(
        function, region="eu-west-1", account_id="111122223333", deadline_epoch_ms=deadline
    )
    assert context.function_name == "ws_default"
    assert context.function_version == "$LATEST"
    assert (
        context.invoked_function_arn == "arn:aws:lambda:eu-west-1:111122223333:function:ws_default"
    )
    assert context.memory_limit_in_mb == "256"  # a string, as in the real runtime
    assert context.log_group_name == "/aws/lambda/ws_default"
    assert len(context.aws_request_id) == 36
    assert 9_000 < context.get_remaining_time_in_millis() <= 10_000


def test_handler_runs_off_the_event_loop_with_a_copy_of_the_event():
    seen: dict[str, Any] = {}

    def handler(event, context):
        seen["thread"] = threading.current_thread().name
        seen["remaining"] = context.get_remaining_time_in_millis()
        event["mutated"] = True
        return {"statusCode": 200, "body": event["body"]}

    event = {"body": "x"}
    result = invoke(LambdaFunction("f", handler, timeout_s=3), event)
    assert result == {"statusCode": 200, "body": "x"}
    assert seen["thread"].startswith("lambda")
    assert 2_000 < seen["remaining"] <= 3_000
    assert "mutated" not in event


def test_handler_exception_becomes_a_logged_invocation_error(caplog):
    def handler(event, context):
        raise KeyError("chargePointId")

    with (
        caplog.at_level(logging.ERROR, logger="local.invoke"),
        pytest.raises(InvocationError) as failure,
    ):
        invoke(LambdaFunction("ws_connect", handler), {})
    assert isinstance(failure.value.cause, KeyError)
    assert failure.value.function == "ws_connect"
    assert failure.value.integration_timeout is False
    [record] = caplog.records
    assert "ws_connect" in record.getMessage()
    assert record.exc_info is not None  # the traceback is in the log


def test_function_timeout():
    def slow(event, context):
        time.sleep(0.5)

    started = time.monotonic()
    with pytest.raises(InvocationError, match=r"Task timed out after 0\.10 seconds") as failure:
        invoke(LambdaFunction("slow", slow, timeout_s=0.1), {})
    assert time.monotonic() - started < 0.45
    assert failure.value.integration_timeout is False


def test_integration_timeout_is_told_apart():
    def slow(event, context):
        time.sleep(0.5)

    with pytest.raises(InvocationError) as failure:
        invoke(LambdaFunction("slow", slow, timeout_s=29), {}, integration_timeout_s=0.1)
    assert failure.value.integration_timeout is True


def test_unserializable_answer_is_a_marshal_error():
    with pytest.raises(InvocationError, match="Unable to marshal response"):
        invoke(LambdaFunction("f", lambda e, c: {"when": object()}), {})


def test_invocations_run_concurrently():
    def handler(event, context):
        time.sleep(0.3)
        return event["n"]

    async def scenario():
        invoker = Invoker(max_workers=8)
        function = LambdaFunction("f", handler)
        try:
            started = time.monotonic()
            results = await asyncio.gather(*(invoker.invoke(function, {"n": n}) for n in range(8)))
            return results, time.monotonic() - started
        finally:
            invoker.close()

    results, elapsed = asyncio.run(scenario())
    assert results == list(range(8))
    assert elapsed < 1.0


def test_per_function_concurrency_limit_queues_invocations():
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def handler(event, context):
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.05)
        with lock:
            active["now"] -= 1

    async def scenario():
        invoker = Invoker(max_concurrency_per_function=1)
        function = LambdaFunction("f", handler)
        try:
            await asyncio.gather(*(invoker.invoke(function, {}) for _ in range(4)))
        finally:
            invoker.close()

    asyncio.run(scenario())
    assert active["max"] == 1
