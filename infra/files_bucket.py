"""The catalog's buckets (docs/adr/0045-firmware-campaigns.md): private, SSE-S3, TLS only,
public access blocked, no versioning, the catalog's expirations; kept when the stack goes."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.catalog import BUCKETS, BucketDef
from infra.nag import acknowledge


class Buckets(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, definitions: tuple[BucketDef, ...] = BUCKETS
    ) -> None:
        super().__init__(scope, construct_id)
        self.by_id: dict[str, s3.Bucket] = {}
        for definition in definitions:
            bucket = s3.Bucket(
                self,
                definition.id,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                encryption=s3.BucketEncryption.S3_MANAGED,
                enforce_ssl=True,
                versioned=False,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                lifecycle_rules=[
                    s3.LifecycleRule(
                        id="abort-incomplete-uploads",
                        abort_incomplete_multipart_upload_after=Duration.days(1),
                    ),
                    *(
                        s3.LifecycleRule(
                            id=f"expire-{prefix.strip('/')}",
                            prefix=prefix,
                            expiration=Duration.days(days),
                        )
                        for prefix, days in definition.expirations
                    ),
                ],
                # Images and uploaded diagnostics are the operator's data.
                removal_policy=RemovalPolicy.RETAIN,
            )
            acknowledge(
                bucket,
                "AwsSolutions-S1",
                "No server access logs: objects are only reached through presigned URLs the "
                "platform mints and the /files relay, whose every request is in the HTTP API's "
                "access log and the functions' logs (who asked, which charger); a log bucket "
                "would cost more than the traffic it records.",
            )
            self.by_id[definition.id] = bucket
