"""One Kinesis data stream per catalog entry (telemetry: meter values, partition key = charger)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from constructs import Construct

from infra.catalog import STREAMS, StreamDef

# What a producer needs, and nothing more: `grant_write` would add kinesis:ListShards.
PUT_RECORD_ACTIONS = ("kinesis:PutRecord", "kinesis:PutRecords")


class Streams(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, definitions: tuple[StreamDef, ...] = STREAMS
    ) -> None:
        super().__init__(scope, construct_id)
        self.by_id: dict[str, kinesis.IStream] = {
            definition.id: _stream(self, definition) for definition in definitions
        }


def _stream(scope: Construct, definition: StreamDef) -> kinesis.Stream:
    return kinesis.Stream(
        scope,
        definition.id,
        # Provisioned, not on-demand: a steady fleet fills a shard's capacity predictably and
        # one shard costs a fraction of on-demand's per-stream hourly charge.
        stream_mode=kinesis.StreamMode.PROVISIONED,
        shard_count=definition.shards,
        retention_period=Duration.hours(definition.retention_hours),
        # The AWS-managed key (alias/aws/kinesis): encrypted at rest without a customer key's
        # monthly fee, and producers and consumers need no kms: permissions to use it.
        encryption=kinesis.StreamEncryption.MANAGED,
        # Records live for the retention period only and are consumed into DynamoDB by then.
        removal_policy=RemovalPolicy.DESTROY,
    )


def grant_put_records(stream: kinesis.IStream, grantee: iam.IGrantable) -> iam.Grant:
    return stream.grant(grantee, *PUT_RECORD_ACTIONS)
