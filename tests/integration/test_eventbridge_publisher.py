import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from shared.adapters.eventbridge import EventBridgePublisher
from shared.models.domain_events import DomainEvent
from shared.ports import EventPublishError

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def event(n):
    return DomainEvent("ConnectorStatusChanged", f"CP{n}", T0, {"status": "Available"})


def test_events_reach_a_rule_target_in_batches(aws_env):
    events = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="sink")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_rule(
        Name="all",
        EventBusName=aws_env.event_bus_name,
        EventPattern=json.dumps({"source": [aws_env.event_source]}),
    )
    events.put_targets(
        Rule="all", EventBusName=aws_env.event_bus_name, Targets=[{"Id": "q", "Arn": queue_arn}]
    )

    EventBridgePublisher(events, aws_env.event_bus_name, aws_env.event_source).publish(
        [event(n) for n in range(13)]
    )  # more than one PutEvents batch

    received: list[dict[str, Any]] = []
    while len(received) < 13:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not messages:
            break
        received += [json.loads(m["Body"]) for m in messages]
    assert len(received) == 13
    assert received[0]["detail-type"] == "ConnectorStatusChanged"
    assert received[0]["detail"]["version"] == "1"
    assert {r["detail"]["chargePointId"] for r in received} == {f"CP{n}" for n in range(13)}


class FlakyEvents:
    """PutEvents that fails all but the first entry once, then accepts; or fails everything."""

    def __init__(self, always=False):
        self.calls = []
        self.always = always

    def put_events(self, Entries):
        self.calls.append(len(Entries))
        if self.always:
            failure = {"ErrorCode": "InternalFailure", "ErrorMessage": "down"}
            return {"FailedEntryCount": len(Entries), "Entries": [failure] * len(Entries)}
        if len(self.calls) == 1:
            results = [{"EventId": "1"}] + [
                {"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}
            ] * (len(Entries) - 1)
            return {"FailedEntryCount": len(Entries) - 1, "Entries": results}
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "x"}] * len(Entries)}


def test_failed_entries_are_retried_alone():
    client = FlakyEvents()
    EventBridgePublisher(client, "bus", "src", backoff_s=0).publish([event(1), event(2)])
    assert client.calls == [2, 1]


def test_entries_that_keep_failing_are_surfaced():
    client = FlakyEvents(always=True)
    with pytest.raises(EventPublishError) as caught:
        EventBridgePublisher(client, "bus", "src", backoff_s=0).publish([event(1), event(2)])
    assert [e.charge_point_id for e in caught.value.failed] == ["CP1", "CP2"]
    assert client.calls == [2, 2, 2]
