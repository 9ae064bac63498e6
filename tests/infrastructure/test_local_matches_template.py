"""The tables, streams and bus the local platform creates in moto are the ones the stack deploys.

Both sides are built from infra.catalog; this fails when either side adds, drops or reshapes a
table, key, index, TTL or stream on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra import catalog
from local.resources import (
    LocalResources,
    create_resources,
    dead_letter_name,
    local_environment,
    local_queue_url,
)
from tests.infrastructure.template_queries import catalog_functions, logical_id, resource, resources

pytestmark = pytest.mark.infrastructure

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def moto_session() -> Iterator[boto3.session.Session]:
    with pytest.MonkeyPatch.context() as env:
        # In-process moto; an endpoint from the caller's shell would bypass it.
        env.delenv("AWS_ENDPOINT_URL", raising=False)
        with mock_aws():
            yield boto3.session.Session(region_name=REGION)


@pytest.fixture(scope="module")
def local(moto_session) -> LocalResources:
    return create_resources(moto_session)


@pytest.fixture(scope="module")
def dynamodb(moto_session, local):
    return moto_session.client("dynamodb")


@pytest.fixture(scope="module")
def kinesis(moto_session, local):
    return moto_session.client("kinesis")


def _template_tables(template, stack) -> dict[str, dict[str, Any]]:
    """Template table properties by catalog id; every table must come from the catalog."""
    by_logical_id = {logical_id(table): table_id for table_id, table in stack.tables.by_id.items()}
    tables = resources(template, "AWS::DynamoDB::Table")
    assert set(tables) == set(by_logical_id), "a table in the template is not in the catalog"
    return {by_logical_id[lid]: t["Properties"] for lid, t in tables.items()}


def _by_name(items: list[dict[str, Any]], key: str = "AttributeName") -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: item[key])


def _indexes(indexes: list[dict[str, Any]]) -> dict[str, tuple[Any, Any]]:
    return {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in indexes}


def test_the_catalog_has_indexes_numeric_keys_and_ttls():
    # Otherwise the table comparisons below would not cover them.
    assert any(t.indexes for t in catalog.TABLES)
    assert any(t.sort_key and t.sort_key.type == "N" for t in catalog.TABLES)
    assert any(t.ttl_attribute for t in catalog.TABLES)


def test_local_creates_exactly_the_templates_tables(template, stack, local, dynamodb):
    template_tables = _template_tables(template, stack)
    local_names = {catalog.TABLES_BY_ID[table_id].local_name for table_id in template_tables}
    assert set(dynamodb.list_tables()["TableNames"]) == local_names
    assert dict(local.tables) == {t.id: t.local_name for t in catalog.TABLES}


@pytest.mark.parametrize("definition", catalog.TABLES, ids=lambda t: t.id)
def test_local_table_has_the_templates_shape(template, stack, dynamodb, definition):
    expected = _template_tables(template, stack)[definition.id]
    actual = dynamodb.describe_table(TableName=definition.local_name)["Table"]
    assert actual["KeySchema"] == expected["KeySchema"]
    assert _by_name(actual["AttributeDefinitions"]) == _by_name(expected["AttributeDefinitions"])
    assert _indexes(actual.get("GlobalSecondaryIndexes", [])) == _indexes(
        expected.get("GlobalSecondaryIndexes", [])
    )
    assert actual["BillingModeSummary"]["BillingMode"] == expected["BillingMode"]


@pytest.mark.parametrize("definition", catalog.TABLES, ids=lambda t: t.id)
def test_local_table_has_the_templates_ttl(template, stack, dynamodb, definition):
    expected = _template_tables(template, stack)[definition.id].get("TimeToLiveSpecification")
    ttl = dynamodb.describe_time_to_live(TableName=definition.local_name)["TimeToLiveDescription"]
    if expected is None:
        assert ttl["TimeToLiveStatus"] == "DISABLED"
    else:
        assert expected["Enabled"] is True
        assert ttl["TimeToLiveStatus"] == "ENABLED"
        assert ttl["AttributeName"] == expected["AttributeName"]


def _template_streams(template, stack) -> dict[str, dict[str, Any]]:
    by_logical_id = {
        logical_id(stream): stream_id for stream_id, stream in stack.streams.by_id.items()
    }
    streams = resources(template, "AWS::Kinesis::Stream")
    assert set(streams) == set(by_logical_id), "a stream in the template is not in the catalog"
    return {by_logical_id[lid]: s["Properties"] for lid, s in streams.items()}


def test_local_creates_exactly_the_templates_streams(template, stack, local, kinesis):
    local_names = {catalog.STREAMS_BY_ID[s].local_name for s in _template_streams(template, stack)}
    assert set(kinesis.list_streams()["StreamNames"]) == local_names
    assert dict(local.streams) == {s.id: s.local_name for s in catalog.STREAMS}


@pytest.mark.parametrize("definition", catalog.STREAMS, ids=lambda s: s.id)
def test_local_stream_has_the_templates_shards_and_retention(
    template, stack, local, kinesis, definition
):
    expected = _template_streams(template, stack)[definition.id]
    summary = kinesis.describe_stream_summary(StreamName=definition.local_name)[
        "StreamDescriptionSummary"
    ]
    assert summary["StreamStatus"] == "ACTIVE"
    assert summary["OpenShardCount"] == expected["ShardCount"]
    assert summary["RetentionPeriodHours"] == expected["RetentionPeriodHours"]
    assert summary["StreamModeDetails"] == expected["StreamModeDetails"]
    assert local.stream_arns[definition.id] == summary["StreamARN"]


def test_local_stream_retention_follows_the_catalog(moto_session):
    longer = catalog.StreamDef(
        id="Longer", env_var="LONGER_STREAM", local_name="csms-longer", retention_hours=48
    )
    # Another region: the module's catalog streams stay exactly the template's.
    session = boto3.session.Session(region_name="eu-central-1")
    kinesis = session.client("kinesis")

    def retention() -> int:
        summary = kinesis.describe_stream_summary(StreamName="csms-longer")
        return summary["StreamDescriptionSummary"]["RetentionPeriodHours"]

    assert create_resources(session, tables=(), streams=(longer,)).created[0] == "csms-longer"
    assert retention() == 48
    # An existing stream is brought back to the catalog's value, not recreated.
    again = create_resources(session, tables=(), streams=(replace(longer, retention_hours=24),))
    assert "csms-longer" not in again.created
    assert retention() == 24


def test_local_creates_the_event_bus(template, moto_session, local):
    assert len(resources(template, "AWS::Events::EventBus")) == 1
    bus = moto_session.client("events").describe_event_bus(Name=catalog.EVENT_BUS.local_name)
    assert bus["Name"] == local.event_bus_name == catalog.EVENT_BUS.local_name


def test_local_environment_names_what_the_functions_reference(template, stack, local):
    """Every table/bus variable a deployed function reads points to the local resource."""
    local_names = (
        {logical_id(stack.events.bus): catalog.EVENT_BUS.local_name}
        | {
            logical_id(table): catalog.TABLES_BY_ID[table_id].local_name
            for table_id, table in stack.tables.by_id.items()
        }
        | {
            logical_id(stream): catalog.STREAMS_BY_ID[stream_id].local_name
            for stream_id, stream in stack.streams.by_id.items()
        }
        | {
            logical_id(bucket): catalog.BUCKETS_BY_ID[bucket_id].local_name
            for bucket_id, bucket in stack.buckets.by_id.items()
        }
        | {
            logical_id(queue): local_queue_url(catalog.QUEUES_BY_ID[queue_id])
            for queue_id, queue in stack.queues.by_id.items()
        }
    )
    environment = local_environment()
    referenced: set[str] = set()
    for function in catalog_functions(template, stack).values():
        for name, value in function["Properties"]["Environment"]["Variables"].items():
            if isinstance(value, dict) and value.get("Ref") in local_names:
                assert environment[name] == local_names[value["Ref"]], name
                referenced.add(value["Ref"])
            elif name == "EVENT_SOURCE":
                assert environment[name] == value
    assert referenced == set(local_names), "a resource no function is told about"
    assert dict(local.environment) == environment


def test_local_creates_the_templates_buckets_with_their_expirations(
    template, stack, moto_session, local
):
    s3 = moto_session.client("s3")
    assert set(resources(template, "AWS::S3::Bucket")) >= {
        logical_id(bucket) for bucket in stack.buckets.by_id.values()
    }
    for bucket_id, bucket in stack.buckets.by_id.items():
        definition = catalog.BUCKETS_BY_ID[bucket_id]
        s3.head_bucket(Bucket=definition.local_name)
        local_rules = s3.get_bucket_lifecycle_configuration(Bucket=definition.local_name)["Rules"]
        template_rules = resources(template, "AWS::S3::Bucket")[logical_id(bucket)]["Properties"][
            "LifecycleConfiguration"
        ]["Rules"]
        expiring = {
            (rule["Prefix"], rule["ExpirationInDays"])
            for rule in template_rules
            if "ExpirationInDays" in rule
        }
        assert expiring == set(definition.expirations)
        assert {
            (rule["Filter"]["Prefix"], rule["Expiration"]["Days"]) for rule in local_rules
        } == expiring


def test_local_environment_adds_the_endpoint_when_given():
    assert local_environment("http://127.0.0.1:5000")["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert "AWS_ENDPOINT_URL" not in local_environment()


def test_creating_again_leaves_existing_resources_alone(moto_session, local, dynamodb):
    assert set(local.created) == {t.local_name for t in catalog.TABLES} | {
        s.local_name for s in catalog.STREAMS
    } | {catalog.EVENT_BUS.local_name} | {b.local_name for b in catalog.BUCKETS} | {
        q.local_name for q in catalog.QUEUES
    }
    item = {"connectionId": {"S": "abc"}, "expiresAt": {"N": "1"}}
    dynamodb.put_item(TableName=catalog.CONNECTIONS.local_name, Item=item)
    again = create_resources(moto_session)
    assert again.created == ()
    stored = dynamodb.get_item(
        TableName=catalog.CONNECTIONS.local_name, Key={"connectionId": {"S": "abc"}}
    )
    assert stored["Item"] == item


# Beyond the catalog: several indexes on one table, one with a numeric sort key, each with
# another projection.
INDEXED = catalog.TableDef(
    id="Indexed",
    env_var="INDEXED_TABLE",
    local_name="csms-indexed",
    partition_key=catalog.Key("pk"),
    sort_key=catalog.Key("at", "N"),
    indexes=(
        catalog.IndexDef("byStatus", catalog.Key("status"), catalog.Key("at", "N")),
        catalog.IndexDef("byOwner", catalog.Key("owner"), projection="KEYS_ONLY"),
    ),
)


def test_indexes_and_numeric_keys_match_too(moto_session):
    from aws_cdk import App, Stack
    from aws_cdk.assertions import Template

    from infra.tables import Tables

    stack = Stack(App())
    Tables(stack, "Tables", definitions=(INDEXED,))
    (expected,) = [
        t["Properties"]
        for t in resources(Template.from_stack(stack), "AWS::DynamoDB::Table").values()
    ]
    create_resources(moto_session, tables=(INDEXED,))
    actual = moto_session.client("dynamodb").describe_table(TableName="csms-indexed")["Table"]
    assert actual["KeySchema"] == expected["KeySchema"]
    assert _by_name(actual["AttributeDefinitions"]) == _by_name(expected["AttributeDefinitions"])
    assert len(actual["AttributeDefinitions"]) == 4
    assert _indexes(actual["GlobalSecondaryIndexes"]) == _indexes(
        expected["GlobalSecondaryIndexes"]
    )
    assert set(_indexes(actual["GlobalSecondaryIndexes"])) == {"byStatus", "byOwner"}


@pytest.mark.parametrize("definition", catalog.QUEUES, ids=lambda q: q.id)
def test_local_creates_the_templates_queues(template, stack, moto_session, local, definition):
    properties = resource(template, stack.queues.by_id[definition.id])["Properties"]
    sqs = moto_session.client("sqs")
    url = sqs.get_queue_url(QueueName=definition.local_name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes.get("FifoQueue") == "true") is properties.get("FifoQueue", False)
    assert int(attributes["DelaySeconds"]) == properties.get("DelaySeconds", 0)
    assert int(attributes["VisibilityTimeout"]) == properties["VisibilityTimeout"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == properties["RedrivePolicy"]["maxReceiveCount"]
    assert redrive["deadLetterTargetArn"].endswith(":" + dead_letter_name(definition))
