"""Stream and event consumers: how records and events reach them, and where failures go."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra import catalog
from infra.stack import CsmsStack
from tests.infrastructure.template_queries import logical_id, referenced_ids, resource, resources

pytestmark = pytest.mark.infrastructure

DAY_S = 24 * 3600


def _arn_of(construct_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [construct_id, "Arn"]}


def _dead_letters(stack: CsmsStack, function_name: str) -> str:
    return logical_id(stack.consumers.dead_letters[function_name])


def _mapping(template: Template, stack: CsmsStack, function_name: str) -> dict[str, Any]:
    function = logical_id(stack.functions[function_name].function)
    mappings: list[dict[str, Any]] = [
        m["Properties"]
        for m in resources(template, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function}
    ]
    (mapping,) = mappings
    return mapping


def test_one_event_source_mapping_per_stream_consumer(template):
    # and one per catalog queue (tests/infrastructure/test_queues.py)
    assert len(resources(template, "AWS::Lambda::EventSourceMapping")) == len(
        catalog.STREAM_CONSUMERS
    ) + len(catalog.QUEUES)


@pytest.mark.parametrize("consumer", catalog.STREAM_CONSUMERS, ids=lambda c: c.function)
def test_stream_consumer_reads_its_stream_from_the_oldest_record(template, stack, consumer):
    mapping = _mapping(template, stack, consumer.function)
    assert mapping["EventSourceArn"] == _arn_of(logical_id(stack.streams.by_id[consumer.stream]))
    # LATEST would skip whatever arrived while the mapping was being created or updated.
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["BatchSize"] == consumer.batch_size
    assert mapping["MaximumBatchingWindowInSeconds"] == consumer.max_batching_window_s
    assert mapping["ParallelizationFactor"] == consumer.parallelization_factor


@pytest.mark.parametrize("consumer", catalog.STREAM_CONSUMERS, ids=lambda c: c.function)
def test_a_failing_batch_is_narrowed_retried_and_then_dead_lettered(template, stack, consumer):
    mapping = _mapping(template, stack, consumer.function)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == 5
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Destination": _arn_of(_dead_letters(stack, consumer.function))}
    }
    # The dead letter only names shard and sequence numbers: the records must still be readable.
    retention_s = catalog.STREAMS_BY_ID[consumer.stream].retention_hours * 3600
    assert 0 < mapping["MaximumRecordAgeInSeconds"] <= retention_s


def test_one_rule_per_catalog_entry_on_the_platform_bus(template, stack):
    rules = {
        name: rule
        for name, rule in resources(template, "AWS::Events::Rule").items()
        if "ScheduleExpression" not in rule["Properties"]
    }
    assert set(rules) == {
        logical_id(rule)
        for rule in [*stack.consumers.rules.values(), *stack.workflows.rules.values()]
    }
    assert len(rules) == len(catalog.EVENT_RULES) + len(catalog.WORKFLOW_RULES)
    for rule in rules.values():
        assert rule["Properties"]["EventBusName"] == {"Ref": logical_id(stack.events.bus)}


@pytest.mark.parametrize("definition", catalog.SCHEDULES, ids=lambda s: s.id)
def test_a_scheduled_function_runs_at_its_rate_and_a_missed_run_is_not_retried(
    template, stack, definition
):
    properties = resource(template, stack.consumers.schedules[definition.id])["Properties"]
    minutes = definition.every_minutes
    assert properties["ScheduleExpression"] == f"rate({minutes} minute{'s' if minutes > 1 else ''})"
    assert "EventBusName" not in properties  # schedules run on the default bus
    (target,) = properties["Targets"]
    assert target["Arn"] == _arn_of(logical_id(stack.functions[definition.function].function))
    # The next run does the same work: a retried run would only overlap it.
    assert target["RetryPolicy"] == {
        "MaximumRetryAttempts": 0,
        "MaximumEventAgeInSeconds": minutes * 60,
    }


def test_every_scheduled_function_finishes_before_its_next_run():
    for schedule in catalog.SCHEDULES:
        function = catalog.FUNCTIONS_BY_NAME[schedule.function]
        assert function.timeout_s < schedule.every_minutes * 60


@pytest.mark.parametrize("definition", catalog.EVENT_RULES, ids=lambda r: r.id)
def test_rule_matches_the_platforms_events_of_its_detail_types(template, stack, definition):
    properties = resource(template, stack.consumers.rules[definition.id])["Properties"]
    assert properties["EventPattern"] == definition.pattern(catalog.EVENT_BUS.source)
    assert properties["EventPattern"]["detail-type"] == list(definition.detail_types)
    assert properties["State"] == "ENABLED"


def test_the_start_refused_rule_delivers_only_remote_start_outcomes(template, stack):
    properties = resource(template, stack.consumers.rules["StartRefused"])["Properties"]
    assert properties["EventPattern"]["detail"] == {
        "action": ["RemoteStartTransaction", "RequestStartTransaction"]
    }


@pytest.mark.parametrize("definition", catalog.EVENT_RULES, ids=lambda r: r.id)
def test_rule_target_retries_for_a_day_then_dead_letters(template, stack, definition):
    (target,) = resource(template, stack.consumers.rules[definition.id])["Properties"]["Targets"]
    assert target["Arn"] == _arn_of(logical_id(stack.functions[definition.function].function))
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": DAY_S}
    assert target["DeadLetterConfig"] == {"Arn": _arn_of(_dead_letters(stack, definition.function))}


@pytest.mark.parametrize("definition", catalog.EVENT_RULES, ids=lambda r: r.id)
def test_eventbridge_may_send_to_the_dead_letter_queue_for_this_rule_only(
    template, stack, definition
):
    queue = _dead_letters(stack, definition.function)
    allows = [
        statement
        for p in resources(template, "AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": queue}]
        for statement in p["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
    ]

    def source(rule_id: str) -> dict[str, Any]:
        return {"ArnEquals": {"aws:SourceArn": _arn_of(logical_id(stack.consumers.rules[rule_id]))}}

    # One statement for this rule; the function's queue takes no other sender than its rules.
    (allow,) = [s for s in allows if s["Condition"] == source(definition.id)]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    siblings = [source(r.id) for r in catalog.EVENT_RULES if r.function == definition.function]
    assert all(s["Condition"] in siblings for s in allows)
    assert len(allows) == len(siblings)


@pytest.mark.parametrize("definition", catalog.EVENT_RULES, ids=lambda r: r.id)
def test_failed_async_invocations_of_rule_targets_are_dead_lettered(template, stack, definition):
    function = logical_id(stack.functions[definition.function].function)
    (config,) = [
        c["Properties"]
        for c in resources(template, "AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": function}
    ]
    assert config["DestinationConfig"] == {
        "OnFailure": {"Destination": _arn_of(_dead_letters(stack, definition.function))}
    }
    assert config["MaximumRetryAttempts"] == 2
    assert config["Qualifier"] == "$LATEST"


def test_every_consumer_has_one_dead_letter_queue(template, stack):
    consumers = {c.function for c in catalog.STREAM_CONSUMERS} | {
        r.function for r in catalog.EVENT_RULES
    }
    assert set(stack.consumers.dead_letters) == consumers
    # And one per rule that starts a workflow (tests/infrastructure/test_workflows.py).
    queues = [*stack.consumers.dead_letters.values(), *stack.workflows.dead_letters.values()]
    # And the catalog's queues with theirs (tests/infrastructure/test_queues.py).
    queues += [*stack.queues.by_id.values(), *stack.queues.dead_letters.values()]
    assert set(resources(template, "AWS::SQS::Queue")) == {logical_id(q) for q in queues}


def test_dead_letter_queues_are_encrypted_tls_only_and_keep_messages_14_days(template, stack):
    policies = resources(template, "AWS::SQS::QueuePolicy").values()
    for queue in stack.consumers.dead_letters.values():
        properties = resource(template, queue)["Properties"]
        # SQS-managed keys: EventBridge cannot send to a queue under the aws/sqs KMS key.
        assert properties["SqsManagedSseEnabled"] is True
        assert "KmsMasterKeyId" not in properties
        assert properties["MessageRetentionPeriod"] == 14 * DAY_S
        (policy,) = [
            p["Properties"]["PolicyDocument"]
            for p in policies
            if p["Properties"]["Queues"] == [{"Ref": logical_id(queue)}]
        ]
        assert {
            "Action": "sqs:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Resource": _arn_of(logical_id(queue)),
        } in policy["Statement"]


def test_mappings_and_rules_only_reference_consumer_functions(template, stack):
    fed = [*stack.consumers.dead_letters, *(s.function for s in catalog.SCHEDULES)]
    fed += [q.consumer for q in catalog.QUEUES]
    consumers = {logical_id(stack.functions[name].function) for name in fed} | {
        logical_id(machine) for machine in stack.workflows.state_machines.values()
    }
    for mapping in resources(template, "AWS::Lambda::EventSourceMapping").values():
        assert referenced_ids(mapping["Properties"]["FunctionName"]) <= consumers
    for rule in resources(template, "AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            assert referenced_ids(target["Arn"]) <= consumers
