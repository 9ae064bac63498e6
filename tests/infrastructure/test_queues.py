"""The catalog's queues in the template (docs/adr/0051): the site allocation queue is FIFO
with the debounce as its delay, each queue has a dead-letter queue (FIFO for FIFO) that is
alarmed on, its consumer reads it with partial batch responses, and only its senders may
send to it."""

from __future__ import annotations

import pytest

from infra import catalog
from infra.naming import construct_id_for
from infra.queues import queue_name
from shared.load_management.trigger import DETAIL_TYPES, OUT_OF_SERVICE
from shared.ports.site_queue import DEBOUNCE_S
from tests.infrastructure.template_queries import (
    as_list,
    logical_id,
    referenced_ids,
    resource,
    resources,
    role_statements,
)

pytestmark = pytest.mark.infrastructure

RECEIVE = {
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
}
SEND = {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}


def test_the_catalog_follows_the_loop_it_feeds() -> None:
    assert catalog.SITE_QUEUE.delay_s == DEBOUNCE_S
    delivered = set(catalog.SITE_TRIGGER_DETAIL_TYPES) | {"ConnectorStatusChanged"}
    assert delivered == set(DETAIL_TYPES)
    [status_rule] = [r for r in catalog.EVENT_RULES if r.id == "SiteTriggerStatus"]
    assert status_rule.detail == (("status", OUT_OF_SERVICE),)
    assert "MeterValuesReceived" not in DETAIL_TYPES
    allocator = catalog.FUNCTIONS_BY_NAME[catalog.SITE_QUEUE.consumer]
    assert catalog.SITE_QUEUE.visibility_timeout_s >= allocator.timeout_s


@pytest.mark.parametrize("definition", catalog.QUEUES, ids=lambda q: q.id)
def test_queue_and_its_dead_letters(template, stack, definition) -> None:
    queue = resource(template, stack.queues.by_id[definition.id])["Properties"]
    dead = resource(template, stack.queues.dead_letters[queue_name(definition)])["Properties"]
    assert queue.get("FifoQueue", False) is definition.fifo
    assert dead.get("FifoQueue", False) is definition.fifo
    assert queue.get("DelaySeconds", 0) == definition.delay_s
    assert queue["VisibilityTimeout"] == definition.visibility_timeout_s
    assert queue["SqsManagedSseEnabled"] is True and dead["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"]["maxReceiveCount"] == definition.max_receive_count
    assert referenced_ids(queue["RedrivePolicy"]["deadLetterTargetArn"]) == {
        logical_id(stack.queues.dead_letters[queue_name(definition)])
    }
    assert construct_id_for(queue_name(definition)) + "DeadLetters" in stack.monitoring.alarms


@pytest.mark.parametrize("definition", catalog.QUEUES, ids=lambda q: q.id)
def test_its_consumer_reads_it_with_partial_batch_responses(template, stack, definition) -> None:
    queue_id = logical_id(stack.queues.by_id[definition.id])
    (mapping,) = [
        m["Properties"]
        for m in resources(template, "AWS::Lambda::EventSourceMapping").values()
        if queue_id in referenced_ids(m["Properties"]["EventSourceArn"])
    ]
    function = logical_id(stack.functions[definition.consumer].function)
    assert mapping["FunctionName"] == {"Ref": function}
    assert mapping["BatchSize"] == definition.batch_size
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("definition", catalog.QUEUES, ids=lambda q: q.id)
def test_only_its_senders_send_and_only_its_consumer_receives(template, stack, definition):
    queue_id = logical_id(stack.queues.by_id[definition.id])
    for name in stack.functions:
        actions = {
            action
            for statement in role_statements(template, stack, name)
            if queue_id in referenced_ids(statement["Resource"])
            for action in as_list(statement["Action"])
        }
        expected: set[str] = set()
        if name in definition.senders:
            expected |= SEND
        if name == definition.consumer:
            expected |= RECEIVE
        assert actions == expected, name
