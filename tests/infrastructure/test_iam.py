"""Least privilege: each function can do exactly what its catalog entry declares."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import catalog
from infra.consumers import consumer_function_names
from infra.stack import http_function_names, websocket_function_names
from tests.infrastructure.template_queries import (
    as_list,
    logical_id,
    referenced_ids,
    resources,
    role_statements,
    template_json,
)

pytestmark = pytest.mark.infrastructure

READ = {
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:Query",
    "dynamodb:Scan",
}
WRITE = {
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
}
EXPECTED_ACTIONS = {"read": READ, "write": WRITE, "readwrite": READ | WRITE}
STACK_FUNCTIONS = websocket_function_names() + http_function_names() + consumer_function_names()
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
PUT_RECORDS = {"kinesis:PutRecord", "kinesis:PutRecords"}
# What the Kinesis event source grants the consumer (Stream.grant_read); no write among them.
STREAM_READ = {
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamConsumer",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
    "kinesis:ListStreams",
    "kinesis:SubscribeToShard",
}
SEND_TO_QUEUE = {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}


def _actions_on(statements, resource_id: str, prefix: str) -> set[str]:
    return {
        action
        for statement in statements
        if resource_id in referenced_ids(statement["Resource"])
        for action in as_list(statement["Action"])
        if action.startswith(prefix)
    }


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_table_access_is_exactly_the_catalogs(template, stack, name):
    statements = role_statements(template, stack, name)
    declared = dict(catalog.FUNCTIONS_BY_NAME[name].tables)
    for table in catalog.TABLES:
        granted = _actions_on(statements, logical_id(stack.tables.by_id[table.id]), "dynamodb:")
        access = declared.get(table.id)
        if access is None:
            expected: set[str] = set()
        elif isinstance(access, tuple):
            expected = {f"dynamodb:{action}" for action in access}
        else:
            expected = EXPECTED_ACTIONS[access]
        if table.id in catalog.FUNCTIONS_BY_NAME[name].scans_outbox_of:
            expected = expected | {"dynamodb:Scan"}  # its Outbox index only (test below)
        assert granted == expected, f"{name} on {table.id}"


def test_the_internet_facing_authorizer_may_only_get_register_and_count_on_chargers(
    template, stack
):
    statements = role_statements(template, stack, "ws_authorize")
    chargers = logical_id(stack.tables.by_id[catalog.CHARGERS.id])
    assert _actions_on(statements, chargers, "dynamodb:") == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    }
    touched = {
        table.id
        for table in catalog.TABLES
        if _actions_on(statements, logical_id(stack.tables.by_id[table.id]), "dynamodb:")
    }
    assert touched == {catalog.CHARGERS.id}


@pytest.mark.parametrize("name", ["telemetry_consumer", "energy_rollup"])
def test_consumers_only_update_sessions_never_delete_or_scan_them(template, stack, name):
    statements = role_statements(template, stack, name)
    transactions = logical_id(stack.tables.by_id[catalog.TRANSACTIONS.id])
    assert _actions_on(statements, transactions, "dynamodb:") == {"dynamodb:UpdateItem"}


def test_the_outbox_relay_scans_only_the_outbox_indexes_and_reads_and_clears_records(
    template, stack
):
    statements = role_statements(template, stack, "outbox_relay")
    tables = [catalog.TRANSACTIONS, catalog.COMMANDS, catalog.CONNECTORS, catalog.CHARGERS]
    for table in tables:
        on_table = logical_id(stack.tables.by_id[table.id])
        assert _actions_on(statements, on_table, "dynamodb:") >= {
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
        }
    scans = [s for s in statements if "dynamodb:Scan" in as_list(s["Action"])]
    resources = [json.dumps(r, sort_keys=True) for s in scans for r in as_list(s["Resource"])]
    assert len(resources) == len(tables)
    assert all("/index/Outbox" in r for r in resources), resources
    actions = {a for s in statements for a in as_list(s["Action"]) if a.startswith("dynamodb:")}
    assert actions == {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Scan"}


def test_ws_disconnect_cannot_publish_events(template, stack):
    """A disconnect waits in the outbox (docs/adr/0028-connection-events.md): the relay
    publishes it, never $disconnect."""
    actions = {
        a for s in role_statements(template, stack, "ws_disconnect") for a in as_list(s["Action"])
    }
    assert "events:PutEvents" not in actions
    assert "dynamodb:UpdateItem" in actions


def test_ws_default_reads_connections_but_cannot_write_them(template, stack):
    connections = logical_id(stack.tables.by_id[catalog.CONNECTIONS.id])
    granted = _actions_on(role_statements(template, stack, "ws_default"), connections, "dynamodb:")
    assert "dynamodb:GetItem" in granted
    assert not granted & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_no_wildcards_except_xray(template, stack, name):
    # X-Ray has no resource-level permissions; nothing else may use "*" (task-token callbacks
    # are scoped to the stack's state machines).
    definition = catalog.FUNCTIONS_BY_NAME[name]
    allowed_on_anything = XRAY if definition.tracing else set()
    on_anything: set[str] = set()
    for statement in role_statements(template, stack, name):
        actions = as_list(statement["Action"])
        assert statement["Effect"] == "Allow"
        assert not any(a == "*" or a.endswith(":*") for a in actions), statement
        if statement["Resource"] == "*":
            on_anything.update(actions)
    assert on_anything == allowed_on_anything


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_task_results_only_for_functions_that_send_them(template, stack, name):
    actions = {a for s in role_statements(template, stack, name) for a in as_list(s["Action"])}
    # Starting (and controlling) a state machine is another grant (test_workflows checks it).
    starts = {
        "states:StartSyncExecution",
        "states:StartExecution",
        "states:StopExecution",
        "states:DescribeExecution",
    }
    granted = {a for a in actions if a.startswith("states:") and a not in starts}
    if catalog.FUNCTIONS_BY_NAME[name].sends_task_results:
        assert granted == {
            "states:SendTaskSuccess",
            "states:SendTaskFailure",
            "states:SendTaskHeartbeat",
        }
        (resource,) = {
            json.dumps(s["Resource"], sort_keys=True)
            for s in role_statements(template, stack, name)
            if any(a.startswith("states:SendTask") for a in as_list(s["Action"]))
        }
        assert ":stateMachine:Csms*" in resource, resource
    else:
        assert granted == set()


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_put_events_only_on_the_bus_and_only_for_publishers(template, stack, name):
    statements = role_statements(template, stack, name)
    put_events = [s for s in statements if "events:PutEvents" in as_list(s["Action"])]
    if catalog.FUNCTIONS_BY_NAME[name].publishes_events:
        assert [s["Resource"] for s in put_events] == [
            {"Fn::GetAtt": [logical_id(stack.events.bus), "Arn"]}
        ]
    else:
        assert put_events == []


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_logs_only_to_its_own_log_group(template, stack, name):
    statements = role_statements(template, stack, name)
    logs = [s for s in statements if any(a.startswith("logs:") for a in as_list(s["Action"]))]
    assert logs == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical_id(stack.functions[name].log_group), "Arn"]},
        }
    ]


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_no_managed_policies_on_function_roles(template, stack, name):
    role = template_json(template)["Resources"][logical_id(stack.functions[name].role)]
    assert "ManagedPolicyArns" not in role["Properties"]


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_only_connection_managers_reach_connections_and_only_on_this_stage(template, stack, name):
    statements = role_statements(template, stack, name)
    execute_api = [
        s for s in statements if any(a.startswith("execute-api:") for a in as_list(s["Action"]))
    ]
    if not catalog.FUNCTIONS_BY_NAME[name].manages_connections:
        assert execute_api == []
        return
    (manage,) = execute_api
    assert as_list(manage["Action"]) == ["execute-api:ManageConnections"]
    arn = manage["Resource"]["Fn::Join"][1]
    assert {"Ref": logical_id(stack.websocket.api)} in arn
    assert arn[-1] == "/prod/*/@connections/*"


def _secret_statements(template, stack, name: str) -> list[dict[str, Any]]:
    """The function's Secrets Manager statements, but the admission key's (tested below) and
    the certificate authority's (test_certificate_authority.py)."""
    own = [
        {"Ref": logical_id(stack.admission_key)},
        {"Ref": logical_id(stack.certificate_authority)},
    ]
    return [
        s
        for s in role_statements(template, stack, name)
        if any(a.startswith("secretsmanager:") for a in as_list(s["Action"]))
        and s["Resource"] not in own
    ]


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_only_payment_functions_read_the_stripe_secret_and_nothing_else(template, stack, name):
    secrets = _secret_statements(template, stack, name)
    if catalog.FUNCTIONS_BY_NAME[name].grid_signals:
        # The grid functions read the secrets operators name under csms/grid/, nothing else.
        (read,) = secrets
        assert as_list(read["Action"]) == ["secretsmanager:GetSecretValue"]
        assert json.dumps(read["Resource"]).endswith(':secret:csms/grid/*"]]}')
        return
    if not catalog.FUNCTIONS_BY_NAME[name].reads_stripe_secret:
        assert secrets == []
        return
    (read,) = secrets
    assert as_list(read["Action"]) == ["secretsmanager:GetSecretValue"]
    assert json.dumps(read["Resource"]).endswith(':secret:csms/stripe-??????"]]}')


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_only_the_authorizer_reads_the_admission_key(template, stack, name):
    key = {"Ref": logical_id(stack.admission_key)}
    reads = [
        s
        for s in role_statements(template, stack, name)
        if key in as_list(s["Resource"]) or s["Resource"] == key
    ]
    if name != catalog.WEBSOCKET_AUTHORIZER:
        assert reads == [], name
        return
    assert catalog.FUNCTIONS_BY_NAME[name].reads_admission_key
    (read,) = reads
    assert as_list(read["Action"]) == ["secretsmanager:GetSecretValue"]
    assert read["Resource"] == key


def test_the_admission_key_is_generated_and_read_by_no_one_else(template, stack):
    secret = resources(template, "AWS::SecretsManager::Secret")[logical_id(stack.admission_key)]
    generated = secret["Properties"]["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "key"
    assert generated["PasswordLength"] >= 64
    assert "SecretString" not in secret["Properties"]  # never a value in the template
    # No resource policy or other grant names it: only the authorizer's role (above).
    assert [f.name for f in catalog.FUNCTIONS if f.reads_admission_key] == [
        catalog.WEBSOCKET_AUTHORIZER
    ]
    key = json.dumps({"Ref": logical_id(stack.admission_key)})
    policies = resources(template, "AWS::IAM::Policy")
    readers = [p for p in policies if key in json.dumps(policies[p])]
    authorizer_role = stack.functions[catalog.WEBSOCKET_AUTHORIZER].role
    assert len(readers) == 1
    assert json.dumps({"Ref": logical_id(authorizer_role)}) in json.dumps(policies[readers[0]])


def test_the_catalog_has_connection_managers_and_task_result_senders():
    # Otherwise the two tests above would check one branch only.
    assert {f.manages_connections for f in catalog.FUNCTIONS} == {True, False}
    assert {f.sends_task_results for f in catalog.FUNCTIONS} == {True, False}


def _stream_readers_and_writers() -> tuple[set[str], set[str]]:
    readers = {c.function for c in catalog.STREAM_CONSUMERS}
    writers = {f.name for f in catalog.FUNCTIONS if catalog.TELEMETRY_STREAM.id in f.writes_streams}
    return readers, writers


def test_the_catalog_has_one_telemetry_writer_and_one_reader():
    assert _stream_readers_and_writers() == ({"telemetry_consumer"}, {"ws_default"})


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_stream_access_is_exactly_put_records_for_writers_and_read_for_consumers(
    template, stack, name
):
    statements = role_statements(template, stack, name)
    stream = logical_id(stack.streams.by_id[catalog.TELEMETRY_STREAM.id])
    readers, writers = _stream_readers_and_writers()
    expected = (PUT_RECORDS if name in writers else set()) | (
        STREAM_READ if name in readers else set()
    )
    assert _actions_on(statements, stream, "kinesis:") == expected
    # Nothing on any other resource (or on "*"); no KMS: the AWS-managed key needs no grant.
    kinesis = [s for s in statements if any(a.startswith("kinesis:") for a in as_list(s["Action"]))]
    assert all(referenced_ids(s["Resource"]) == {stream} for s in kinesis)
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert not any(a.startswith("kms:") for a in actions)


def test_no_other_role_in_the_template_touches_the_stream(template, stack):
    stream = logical_id(stack.streams.by_id[catalog.TELEMETRY_STREAM.id])
    readers, writers = _stream_readers_and_writers()
    allowed = {logical_id(stack.functions[name].role) for name in readers | writers}
    for policy in resources(template, "AWS::IAM::Policy").values():
        document = policy["Properties"]["PolicyDocument"]
        if stream in referenced_ids(document) or any(
            a.startswith("kinesis:") for s in document["Statement"] for a in as_list(s["Action"])
        ):
            assert referenced_ids(policy["Properties"]["Roles"]) <= allowed


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_consumers_may_only_send_to_their_own_dead_letter_queue(template, stack, name):
    statements = role_statements(template, stack, name)
    # The catalog's queues are tests/infrastructure/test_queues.py's.
    catalog_queues = {logical_id(q) for q in stack.queues.by_id.values()}
    sqs = [
        s
        for s in statements
        if any(a.startswith("sqs:") for a in as_list(s["Action"]))
        and referenced_ids(s["Resource"]) - catalog_queues
    ]
    if name in stack.consumers.dead_letters:
        queue = logical_id(stack.consumers.dead_letters[name])
        assert [referenced_ids(s["Resource"]) - catalog_queues for s in sqs] == [{queue}]
        assert {a for s in sqs for a in as_list(s["Action"])} == SEND_TO_QUEUE
    else:
        assert sqs == []


def test_energy_rollup_writes_energy_daily_but_cannot_touch_chargers(template, stack):
    statements = role_statements(template, stack, "energy_rollup")
    energy_daily = logical_id(stack.tables.by_id[catalog.ENERGY_DAILY.id])
    chargers = logical_id(stack.tables.by_id[catalog.CHARGERS.id])
    assert _actions_on(statements, energy_daily, "dynamodb:") == {"dynamodb:UpdateItem"}
    assert _actions_on(statements, chargers, "dynamodb:") == set()
    assert not any("events:PutEvents" in as_list(s["Action"]) for s in statements)


def test_eventbridge_may_invoke_each_rule_target_from_its_rule_only(template, stack):
    invocations = [
        p["Properties"]
        for p in resources(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "events.amazonaws.com"
    ]
    targets: tuple[catalog.EventRuleDef | catalog.ScheduleDef, ...] = (
        *catalog.EVENT_RULES,
        *catalog.SCHEDULES,
    )
    by_id = {**stack.consumers.rules, **stack.consumers.schedules}
    rules = {rule.id: logical_id(by_id[rule.id]) for rule in targets}
    granted = {
        (frozenset(referenced_ids(p["FunctionName"])), frozenset(referenced_ids(p["SourceArn"])))
        for p in invocations
    }
    assert len(invocations) == len(targets)
    assert granted == {
        (
            frozenset({logical_id(stack.functions[rule.function].function)}),
            frozenset({rules[rule.id]}),
        )
        for rule in targets
    }


@pytest.mark.parametrize("name", STACK_FUNCTIONS)
def test_bucket_access_is_exactly_the_catalogs(template, stack, name):
    """Exactly the declared S3 actions on exactly the declared key patterns; nothing else."""
    statements = role_statements(template, stack, name)
    granted = set()
    for statement in statements:
        for action in as_list(statement["Action"]):
            if action.startswith("s3:"):
                for resource in as_list(statement["Resource"]):
                    granted.add((action, json.dumps(resource, sort_keys=True)))
    declared = set()
    for bucket_id, actions, pattern in catalog.FUNCTIONS_BY_NAME[name].buckets:
        arn = stack.resolve(stack.buckets.by_id[bucket_id].arn_for_objects(pattern))
        declared |= {(action, json.dumps(arn, sort_keys=True)) for action in actions}
    assert granted == declared


def test_the_files_bucket_is_private_encrypted_tls_only_and_expires_uploads(template, stack):
    bucket = stack.buckets.by_id[catalog.FILES.id]
    properties = resources(template, "AWS::S3::Bucket")[logical_id(bucket)]["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert "VersioningConfiguration" not in properties
    rules = {rule["Id"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-uploads"]["Prefix"] == "uploads/"
    assert rules["expire-uploads"]["ExpirationInDays"] == 90
    policies = [
        p["Properties"]
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if referenced_ids(p["Properties"]["Bucket"]) == {logical_id(bucket)}
    ]
    (policy,) = policies
    (deny,) = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
