"""Dead-letter queues: where whatever a consumer could not process ends up, instead of nowhere."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge

# The longest SQS keeps a message: the most time to notice, fix and redrive.
DEAD_LETTER_RETENTION = Duration.days(14)


def dead_letter_queue(scope: Construct, construct_id: str, *, holds: str) -> sqs.Queue:
    """An encrypted, TLS-only queue that keeps dead letters for 14 days; `holds` says what."""
    queue = sqs.Queue(
        scope,
        construct_id,
        # SQS-managed keys, not aws/sqs: EventBridge cannot send to a queue encrypted with the
        # AWS-managed KMS key (its key policy admits no service principal), and there is no
        # KMS fee or kms: permission to manage.
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=DEAD_LETTER_RETENTION,
    )
    acknowledge(
        queue,
        "AwsSolutions-SQS3",
        f"This queue is itself a dead-letter queue ({holds}); nothing consumes it "
        "automatically, so it needs no dead-letter queue of its own.",
    )
    return queue
