"""Hot paths must not gain AWS calls: counted against moto, compared with the committed budgets.

A count, not a timing: deterministic, so it belongs in the tests."""

import json
from pathlib import Path

import pytest

from benchmarks.aws_calls import run

BUDGETS = json.loads(
    (Path(__file__).resolve().parents[2] / "benchmarks" / "budgets.json").read_text()
)["calls_per_message"]
HOT_PATHS = [
    "ocpp1.6 Heartbeat",
    "ocpp1.6 StatusNotification",
    "ocpp1.6 MeterValues",
    "ocpp1.6 Authorize",
    "ocpp1.6 StartTransaction",
    "ocpp1.6 StopTransaction",
    "ocpp2.0.1 TransactionEvent Started",
    "ocpp2.0.1 TransactionEvent Updated",
    "ocpp2.0.1 TransactionEvent Ended",
]


@pytest.fixture(scope="module")
def counted():
    return run()


@pytest.mark.parametrize("action", HOT_PATHS)
def test_hot_path_stays_within_its_call_budget(counted, action):
    assert action in BUDGETS, f"no budget committed for {action}"
    assert counted[action]["total"] <= BUDGETS[action], counted[action]["calls"]


def test_the_cheapest_paths_are_what_the_cost_model_assumes(counted):
    assert counted["ocpp1.6 Heartbeat"]["total"] == 0
    assert counted["ocpp1.6 MeterValues"]["calls"] == {"kinesis:PutRecord": 1}
    assert counted["ocpp2.0.1 TransactionEvent Updated"]["calls"] == {"kinesis:PutRecord": 1}
