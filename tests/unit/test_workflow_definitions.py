"""Rendering a state machine's ASL file: placeholders, and what the declaration allows."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.catalog import StateMachineDef
from infra.workflow_definitions import DefinitionError, check_references, render_definition

MACHINE = StateMachineDef(
    id="Demo",
    env_var="DEMO_STATE_MACHINE_ARN",
    local_name="csms-demo",
    definition_file="demo.asl.json",
    functions=("price",),
    tables=(("Transactions", ("UpdateItem",)),),
)
ASL = json.dumps(
    {
        "StartAt": "Price",
        "States": {
            "Price": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "${Function:price}", "Payload.$": "$"},
                "Next": "Record",
            },
            "Record": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {"TableName": "${Table:Transactions}"},
                "End": True,
            },
        },
    }
)
FUNCTION_ARNS = {"price": "arn:aws:lambda:us-east-1:123456789012:function:price"}
TABLE_NAMES = {"Transactions": "csms-transactions"}
VALUES: dict[str, Any] = {"function_arns": FUNCTION_ARNS, "table_names": TABLE_NAMES}


def test_placeholders_become_arns_and_names():
    states = json.loads(render_definition(MACHINE, text=ASL, **VALUES))["States"]
    assert states["Price"]["Parameters"]["FunctionName"] == FUNCTION_ARNS["price"]
    assert states["Record"]["Parameters"]["TableName"] == "csms-transactions"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ASL.replace("${Function:price}", "${Lambda:price}"), "unknown placeholder"),
        (ASL.replace("${Function:price}", "${Function:capture}"), "not declared"),
        (ASL.replace("${Table:Transactions}", "csms-transactions"), "never uses"),
        (ASL + "}", "not valid JSON"),
    ],
)
def test_a_wrong_placeholder_is_named(text, message):
    with pytest.raises(DefinitionError, match=message):
        render_definition(MACHINE, text=text, **VALUES)


def test_a_missing_value_is_an_error():
    with pytest.raises(DefinitionError, match="no value"):
        render_definition(MACHINE, text=ASL, function_arns={}, table_names=TABLE_NAMES)


def test_declared_functions_and_tables_must_exist():
    check_references((MACHINE,), functions={"price": 1}, tables={"Transactions": 1})
    with pytest.raises(DefinitionError, match="unknown function"):
        check_references((MACHINE,), functions={}, tables={"Transactions": 1})
    with pytest.raises(DefinitionError, match="unknown table"):
        check_references((MACHINE,), functions={"price": 1}, tables={})


def test_the_catalog_timeout_is_the_definitions():
    assert json.loads(render_definition(MACHINE, text=ASL, **VALUES))["TimeoutSeconds"] == 300
    disagreeing = json.dumps({**json.loads(ASL), "TimeoutSeconds": 30})
    with pytest.raises(DefinitionError, match="TimeoutSeconds"):
        render_definition(MACHINE, text=disagreeing, **VALUES)
