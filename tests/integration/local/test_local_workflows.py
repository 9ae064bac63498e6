"""State machines on the local platform: the test workflow (tests/workflows) rendered like the
catalog's, run by moto's ASL parser, its Lambda tasks served by our handlers, started the way
a function starts one (boto3 with the platform's environment: its env var, StartSyncExecution
or StartExecution) or by an event rule."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any, TypeVar

import boto3

from infra.catalog import CHARGERS, EVENT_BUS
from local.platform import LocalPlatform
from local.settings import LocalSettings
from local.workflows import WorkflowTable
from tests.workflows import THREE_STEPS, THREE_STEPS_RULE

from .helpers import run

T = TypeVar("T")


class FlakyError(Exception):
    pass


class Calls:
    def __init__(self) -> None:
        self.prepare: list[tuple[dict[str, Any], str]] = []
        self.flaky = 0


def table_of(calls: Calls) -> WorkflowTable:
    def prepare(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.prepare.append((event, context.function_name))
        return {"seen": event.get("run"), "remainingMs": context.get_remaining_time_in_millis()}

    def flaky(event: dict[str, Any], context: Any) -> None:
        calls.flaky += 1
        raise FlakyError(f"attempt {calls.flaky} failed")

    def finish(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {
            "run": event["run"],
            "prepared": event["prepare"]["prepared"],
            "caught": event.get("caught"),
            "alreadyRecorded": "alreadyRecorded" in event,
        }

    return WorkflowTable.from_handlers(
        (THREE_STEPS,),
        {"wf_prepare": prepare, "wf_flaky": flaky, "wf_finish": finish},
        rules=(THREE_STEPS_RULE,),
    )


def on_platform(calls: Calls, check: Callable[[LocalPlatform], T]) -> T:
    """Runs the blocking `check` (boto3 calls, as a function makes them) on a started platform."""

    async def scenario() -> T:
        settings = LocalSettings(port=0, moto_port=0, delivery_retry_delay_s=0.05)
        async with LocalPlatform(settings, workflows=table_of(calls)) as platform:
            return await asyncio.to_thread(check, platform)

    return run(scenario, timeout=60)


def start_sync(run_id: str, **extra: Any) -> dict[str, Any]:
    # As a function would: the ARN from its env var, a default client.
    response = boto3.client("stepfunctions").start_sync_execution(
        stateMachineArn=os.environ[THREE_STEPS.env_var],
        input=json.dumps({"run": run_id, "chargePointId": "CP-1", **extra}),
    )
    return dict(response)


def charger_item() -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(
        TableName=CHARGERS.local_name, Key={"chargePointId": {"S": "CP-1"}}
    )
    return dict(item.get("Item", {}))


def test_a_synchronous_run_passes_through_lambda_tasks_and_dynamodb():
    calls = Calls()

    def check(platform: LocalPlatform) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
        assert platform.state_machines == {THREE_STEPS.id: os.environ[THREE_STEPS.env_var]}
        first = start_sync("r1")
        item = charger_item()
        # The same three tasks again (the update now caught): how long one execution takes.
        durations = []
        for index in range(5):
            started = time.perf_counter()
            assert start_sync(f"again-{index}")["status"] == "SUCCEEDED"
            durations.append(time.perf_counter() - started)
        return first, item, durations

    response, item, durations = on_platform(calls, check)
    assert response["status"] == "SUCCEEDED", response
    output = json.loads(response["output"])
    remaining_ms = output["prepared"].pop("remainingMs")
    assert output == {
        "run": "r1",
        "prepared": {"seen": "r1"},
        "caught": None,
        "alreadyRecorded": False,
    }
    assert 0 < remaining_ms <= 10_000  # the LambdaContext of a function with a 10 s timeout
    event, function_name = calls.prepare[0]
    assert event == {"run": "r1", "chargePointId": "CP-1"}
    assert function_name == "wf_prepare"
    assert item["workflowRun"] == {"S": "r1"}
    print(f"\nthree-task Express execution, locally: median {statistics.median(durations):.3f} s")


def test_a_failing_task_is_retried_then_caught_by_its_error_type():
    calls = Calls()
    response = on_platform(calls, lambda platform: start_sync("r2", fail=True))
    assert response["status"] == "SUCCEEDED", response
    assert calls.flaky == 2  # the first attempt and one retry
    caught = json.loads(response["output"])["caught"]
    assert caught["Error"] == "FlakyError"
    cause = json.loads(caught["Cause"])
    assert cause["errorType"] == "FlakyError"
    assert cause["errorMessage"] == "attempt 2 failed"


def test_a_failed_condition_is_caught_as_conditional_check_failed():
    calls = Calls()

    def check(platform: LocalPlatform) -> tuple[dict[str, Any], dict[str, Any]]:
        start_sync("first")
        return start_sync("second"), charger_item()

    response, item = on_platform(calls, check)
    assert response["status"] == "SUCCEEDED", response
    assert json.loads(response["output"])["alreadyRecorded"] is True
    assert item["workflowRun"] == {"S": "first"}  # the second run changed nothing


def test_an_asynchronous_run_completes():
    calls = Calls()

    def check(platform: LocalPlatform) -> dict[str, Any]:
        client = boto3.client("stepfunctions")
        arn = os.environ[THREE_STEPS.env_var]
        started = client.start_execution(
            stateMachineArn=arn, input=json.dumps({"run": "r4", "chargePointId": "CP-1"})
        )
        other = client.start_execution(
            stateMachineArn=arn, input=json.dumps({"run": "r4", "chargePointId": "CP-1"})
        )
        assert other["executionArn"] != started["executionArn"]  # each start is its own run
        return wait_for_end(client, started["executionArn"])

    described = on_platform(calls, check)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"])["run"] == "r4"


def test_a_rule_starts_the_state_machine_with_the_event():
    calls = Calls()

    def check(platform: LocalPlatform) -> None:
        boto3.client("events").put_events(
            Entries=[
                {
                    "EventBusName": EVENT_BUS.local_name,
                    "Source": EVENT_BUS.source,
                    "DetailType": THREE_STEPS_RULE.detail_types[0],
                    "Detail": json.dumps({"run": "r5"}),
                }
            ]
        )
        deadline = time.monotonic() + 15
        while not calls.prepare and time.monotonic() < deadline:
            time.sleep(0.05)

    on_platform(calls, check)
    (event, _name), *_ = calls.prepare
    assert event["detail-type"] == THREE_STEPS_RULE.detail_types[0]
    assert event["detail"] == {"run": "r5"}


def test_lambda_invoke_answers_like_lambda_for_our_functions():
    calls = Calls()

    def check(platform: LocalPlatform) -> tuple[dict[str, Any], dict[str, Any], str]:
        client = boto3.client("lambda")
        failed = client.invoke(FunctionName="wf_flaky", Payload=b"{}")
        ok = client.invoke(
            FunctionName="arn:aws:lambda:us-east-1:123456789012:function:wf_prepare",
            Payload=json.dumps({"run": "direct"}).encode(),
        )
        try:
            client.invoke(FunctionName="not_ours", Payload=b"{}")
            missing = "found"
        except client.exceptions.ResourceNotFoundException:
            missing = "ResourceNotFoundException"
        return (
            {**failed, "Payload": json.loads(failed["Payload"].read())},
            {**ok, "Payload": json.loads(ok["Payload"].read())},
            missing,
        )

    failed, ok, missing = on_platform(calls, check)
    assert failed["FunctionError"] == "Unhandled"
    assert failed["Payload"]["errorType"] == "FlakyError"
    assert failed["Payload"]["errorMessage"] == "attempt 1 failed"
    assert "FunctionError" not in ok
    assert ok["Payload"]["seen"] == "direct"
    assert missing == "ResourceNotFoundException"  # moto's Lambda answers the others


def wait_for_end(client: Any, execution_arn: str, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        described = dict(client.describe_execution(executionArn=execution_arn))
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.05)
