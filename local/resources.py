"""Creates the catalog's tables, streams and event bus in moto, under their local names.

The CDK stack builds the same resources from the same `infra.catalog` entries;
tests/infrastructure/test_local_matches_template.py checks that the two agree.
boto3 is imported on first use only, so importing this module stays cheap.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from infra.catalog import (
    BUCKETS,
    EVENT_BUS,
    QUEUES,
    STREAMS,
    TABLES,
    BucketDef,
    EventBusDef,
    Key,
    QueueDef,
    StreamDef,
    TableDef,
)

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeDefinitionTypeDef,
        CreateTableInputTypeDef,
        KeySchemaElementTypeDef,
    )
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_kinesis import KinesisClient

DEFAULT_REGION = "us-east-1"
# moto's account: a queue's URL is <endpoint>/<account>/<name>.
LOCAL_ACCOUNT_ID = "123456789012"
# moto creates a stream ACTIVE at once; on a real endpoint this allows about a minute.
_STREAM_WAIT_DELAY_S = 1
_STREAM_WAIT_ATTEMPTS = 60


@dataclass(frozen=True)
class LocalResources:
    # Catalog table id -> local table name.
    tables: Mapping[str, str]
    event_bus_name: str
    # Environment variables the functions need to find these resources.
    environment: Mapping[str, str]
    # Names of the resources this call created (the others already existed).
    created: tuple[str, ...]
    # Catalog stream id -> local stream name, and -> its ARN (the `eventSourceARN` of the
    # Kinesis records a Lambda event source mapping delivers).
    streams: Mapping[str, str] = field(default_factory=dict)
    stream_arns: Mapping[str, str] = field(default_factory=dict)


def local_environment(
    endpoint_url: str | None = None,
    *,
    tables: Sequence[TableDef] = TABLES,
    event_bus: EventBusDef = EVENT_BUS,
    streams: Sequence[StreamDef] = STREAMS,
) -> dict[str, str]:
    """Env var -> local resource name for every table, stream and the bus (+ the endpoint)."""
    environment = {table.env_var: table.local_name for table in tables}
    environment.update({stream.env_var: stream.local_name for stream in streams})
    environment[event_bus.env_var] = event_bus.local_name
    environment["EVENT_SOURCE"] = event_bus.source
    environment.update({bucket.env_var: bucket.local_name for bucket in BUCKETS})
    environment.update({q.env_var: local_queue_url(q, endpoint_url) for q in QUEUES})
    if endpoint_url:
        environment["AWS_ENDPOINT_URL"] = endpoint_url
    return environment


def create_resources(
    session: boto3.session.Session | None = None,
    endpoint_url: str | None = None,
    *,
    tables: Sequence[TableDef] = TABLES,
    event_bus: EventBusDef = EVENT_BUS,
    streams: Sequence[StreamDef] = STREAMS,
) -> LocalResources:
    """Creates whatever of the catalog's resources is missing; existing ones are kept (their
    TTL and stream retention brought in line with the catalog)."""
    import boto3  # deferred: ~135 ms, only needed when creating

    session = session or boto3.session.Session()
    region = session.region_name or DEFAULT_REGION
    dynamodb: DynamoDBClient = session.client(
        "dynamodb", region_name=region, endpoint_url=endpoint_url
    )
    events: EventBridgeClient = session.client(
        "events", region_name=region, endpoint_url=endpoint_url
    )
    kinesis: KinesisClient = session.client(
        "kinesis", region_name=region, endpoint_url=endpoint_url
    )
    created = [table.local_name for table in tables if _ensure_table(dynamodb, table)]
    stream_arns: dict[str, str] = {}
    for stream in streams:
        stream_arns[stream.id], stream_created = _ensure_stream(kinesis, stream)
        if stream_created:
            created.append(stream.local_name)
    if _ensure_event_bus(events, event_bus.local_name):
        created.append(event_bus.local_name)
    sqs = session.client("sqs", region_name=region, endpoint_url=endpoint_url)
    created += [queue.local_name for queue in QUEUES if _ensure_queue(sqs, queue)]
    s3 = session.client("s3", region_name=region, endpoint_url=endpoint_url)
    created += [bucket.local_name for bucket in BUCKETS if _ensure_bucket(s3, bucket, region)]
    return LocalResources(
        tables={table.id: table.local_name for table in tables},
        event_bus_name=event_bus.local_name,
        environment=local_environment(
            endpoint_url, tables=tables, event_bus=event_bus, streams=streams
        ),
        created=tuple(created),
        streams={stream.id: stream.local_name for stream in streams},
        stream_arns=stream_arns,
    )


def local_queue_url(queue: QueueDef, endpoint_url: str | None = None) -> str:
    """The queue's URL as moto answers it (the functions send to it; SQS's JSON protocol
    sends the request to the client's endpoint whatever the URL's host)."""
    return (
        f"{(endpoint_url or 'http://localhost').rstrip('/')}/{LOCAL_ACCOUNT_ID}/{queue.local_name}"
    )


def dead_letter_name(queue: QueueDef) -> str:
    """`csms-site-queue.fifo` -> `csms-site-queue-dlq.fifo`."""
    base, fifo = (
        (queue.local_name[: -len(".fifo")], ".fifo") if queue.fifo else (queue.local_name, "")
    )
    return f"{base}-dlq{fifo}"


def _ensure_queue(client: Any, queue: QueueDef) -> bool:
    """The queue and its dead-letter queue, with the catalog's attributes (kept in line)."""
    fifo = {"FifoQueue": "true"} if queue.fifo else {}
    try:
        client.get_queue_url(QueueName=queue.local_name)
        created = False
    except client.exceptions.ClientError:
        created = True
    dead = client.create_queue(QueueName=dead_letter_name(queue), Attributes=fifo)["QueueUrl"]
    dead_arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    attributes = {
        "DelaySeconds": str(queue.delay_s),
        "VisibilityTimeout": str(queue.visibility_timeout_s),
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dead_arn, "maxReceiveCount": queue.max_receive_count}
        ),
    }
    if created:
        client.create_queue(QueueName=queue.local_name, Attributes={**fifo, **attributes})
    else:
        url = client.get_queue_url(QueueName=queue.local_name)["QueueUrl"]
        client.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return created


def _ensure_bucket(client: Any, bucket: BucketDef, region: str) -> bool:
    """The bucket with the catalog's lifecycle (moto keeps the rules; AWS applies them)."""
    created = False
    try:
        client.head_bucket(Bucket=bucket.local_name)
    except client.exceptions.ClientError:
        location = {} if region == "us-east-1" else {"LocationConstraint": region}
        client.create_bucket(
            Bucket=bucket.local_name,
            **({"CreateBucketConfiguration": location} if location else {}),
        )
        created = True
    if bucket.expirations:
        client.put_bucket_lifecycle_configuration(
            Bucket=bucket.local_name,
            LifecycleConfiguration={"Rules": lifecycle_rules(bucket)},
        )
    return created


def lifecycle_rules(bucket: BucketDef) -> list[dict[str, Any]]:
    return [
        {
            "ID": f"expire-{prefix.strip('/')}",
            "Filter": {"Prefix": prefix},
            "Status": "Enabled",
            "Expiration": {"Days": days},
        }
        for prefix, days in bucket.expirations
    ]


def _ensure_table(client: DynamoDBClient, table: TableDef) -> bool:
    try:
        client.describe_table(TableName=table.local_name)
        created = False
    except client.exceptions.ResourceNotFoundException:
        client.create_table(**_create_table_request(table))
        created = True
    # Also repairs a table whose creation was interrupted before its TTL was set.
    if table.ttl_attribute:
        ttl = client.describe_time_to_live(TableName=table.local_name)
        if ttl["TimeToLiveDescription"].get("TimeToLiveStatus") in (None, "DISABLED"):
            client.update_time_to_live(
                TableName=table.local_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
    return created


def _create_table_request(table: TableDef) -> CreateTableInputTypeDef:
    keys = [table.partition_key, table.sort_key]
    for index in table.indexes:
        keys += [index.partition_key, index.sort_key]
    attributes: dict[str, AttributeDefinitionTypeDef] = {
        key.name: {"AttributeName": key.name, "AttributeType": key.type} for key in keys if key
    }
    request: CreateTableInputTypeDef = {
        "TableName": table.local_name,
        "KeySchema": _key_schema(table.partition_key, table.sort_key),
        "AttributeDefinitions": list(attributes.values()),
        "BillingMode": "PAY_PER_REQUEST",
    }
    if table.indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.partition_key, index.sort_key),
                "Projection": index.projection_request(),
            }
            for index in table.indexes
        ]
    return request


def _key_schema(partition_key: Key, sort_key: Key | None) -> list[KeySchemaElementTypeDef]:
    schema: list[KeySchemaElementTypeDef] = [
        {"AttributeName": partition_key.name, "KeyType": "HASH"}
    ]
    if sort_key:
        schema.append({"AttributeName": sort_key.name, "KeyType": "RANGE"})
    return schema


def _ensure_stream(client: KinesisClient, stream: StreamDef) -> tuple[str, bool]:
    """The stream's ARN, and whether it had to be created; returns once it is ACTIVE."""
    try:
        client.describe_stream_summary(StreamName=stream.local_name)
        created = False
    except client.exceptions.ResourceNotFoundException:
        client.create_stream(
            StreamName=stream.local_name,
            ShardCount=stream.shards,
            StreamModeDetails={"StreamMode": "PROVISIONED"},
        )
        created = True
    client.get_waiter("stream_exists").wait(
        StreamName=stream.local_name,
        WaiterConfig={"Delay": _STREAM_WAIT_DELAY_S, "MaxAttempts": _STREAM_WAIT_ATTEMPTS},
    )
    summary = client.describe_stream_summary(StreamName=stream.local_name)[
        "StreamDescriptionSummary"
    ]
    # A new stream keeps records 24 h: set the catalog's retention (also on an older stream).
    retention = summary["RetentionPeriodHours"]
    if retention < stream.retention_hours:
        client.increase_stream_retention_period(
            StreamName=stream.local_name, RetentionPeriodHours=stream.retention_hours
        )
    elif retention > stream.retention_hours:
        client.decrease_stream_retention_period(
            StreamName=stream.local_name, RetentionPeriodHours=stream.retention_hours
        )
    return summary["StreamARN"], created


def _ensure_event_bus(client: EventBridgeClient, name: str) -> bool:
    try:
        client.describe_event_bus(Name=name)
    except client.exceptions.ResourceNotFoundException:
        client.create_event_bus(Name=name)
        return True
    return False
