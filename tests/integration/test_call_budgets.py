"""Hot paths must not gain AWS calls or request units: counted against moto, compared with the
committed budgets.

Counts, not timings: deterministic, so they belong in the tests."""

import json
from pathlib import Path

import pytest

from benchmarks.aws_calls import run

BUDGETS = json.loads(
    (Path(__file__).resolve().parents[2] / "benchmarks" / "budgets.json").read_text()
)
CALLS = BUDGETS["calls_per_message"]
UNITS = BUDGETS["request_units_per_message"]


@pytest.fixture(scope="module")
def counted():
    return run()


def test_every_measured_step_has_a_committed_budget(counted):
    assert set(counted) == set(CALLS)


@pytest.mark.parametrize("step", sorted(CALLS))
def test_step_stays_within_its_call_budget(counted, step):
    assert counted[step]["total"] <= CALLS[step], counted[step]["calls"]


@pytest.mark.parametrize("step", sorted(UNITS))
def test_step_stays_within_its_request_unit_budget(counted, step):
    capacity = counted[step]["capacity"]
    assert capacity["rru"] <= UNITS[step]["rru"], capacity
    assert capacity["wru"] + capacity["index_wru"] <= UNITS[step]["wru"], capacity


def test_the_cheapest_paths_are_what_the_cost_model_assumes(counted):
    assert counted["ocpp1.6 Heartbeat"]["total"] == 0
    assert counted["ocpp1.6 MeterValues"]["calls"] == {"kinesis:PutRecord": 1}
    assert counted["ocpp2.0.1 TransactionEvent Updated"]["calls"] == {"kinesis:PutRecord": 1}


def test_a_re_announced_status_is_stored_but_not_published_again(counted):
    assert counted["ocpp1.6 StatusNotification"]["events"] == 1
    unchanged = counted["ocpp1.6 StatusNotification unchanged"]
    assert unchanged["calls"] == {"dynamodb:UpdateItem": 1}
    assert unchanged["events"] == 0


def test_a_command_goes_out_as_one_post_and_its_reply_reaches_the_waiting_task(counted):
    # A firmware campaign waits on a task token; the command's answer reports to it.
    reply = counted["ocpp1.6 UpdateFirmware reply"]
    assert reply["calls"]["stepfunctions:SendTaskSuccess"] == 1
    assert counted["ocpp1.6 Reset send"]["websocket_posts"] == 1


def test_a_session_start_waits_on_no_task_token(counted):
    # StartSession (Express) ends once RemoteStartTransaction is posted: its answer and the
    # start that follows come back as events and records, not to a waiting execution.
    assert counted["ocpp1.6 RemoteStartTransaction send"]["websocket_posts"] == 1
    reply = counted["ocpp1.6 RemoteStartTransaction reply"]
    assert not any(call.startswith("stepfunctions:") for call in reply["calls"])
    assert reply["events"] == 1  # CommandCompleted
