"""The catalog's SQS queues (infra.catalog.QUEUES): each with its dead-letter queue, read by
its consumer function through an event source mapping, sent to by its senders only.

Today: the site allocation loop's FIFO queue and its wake-up queue (docs/adr/0051).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.catalog import QUEUES, QueueDef
from infra.dead_letters import DEAD_LETTER_RETENTION
from infra.nag import acknowledge


def queue_name(definition: QueueDef) -> str:
    """`SiteQueue` -> `site_queue`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", definition.id).lower()


class Queues(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.Function],
        queues: tuple[QueueDef, ...] = QUEUES,
    ) -> None:
        super().__init__(scope, construct_id)
        self.by_id: dict[str, sqs.Queue] = {}
        # `site_queue` (the queue id in the catalog's function-name style) -> its dead-letter
        # queue, alarmed on by the monitoring as `SiteQueueDeadLetters`.
        self.dead_letters: dict[str, sqs.Queue] = {}
        for definition in queues:
            self._add(definition, functions)

    def _add(self, definition: QueueDef, functions: Mapping[str, lambda_.Function]) -> None:
        dead_letters = sqs.Queue(
            self,
            definition.id + "DeadLetters",
            fifo=definition.fifo or None,
            # SQS-managed keys, as every DLQ of the stack (infra/dead_letters.py).
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
        )
        acknowledge(
            dead_letters,
            "AwsSolutions-SQS3",
            f"This queue is itself the dead-letter queue of {definition.id}; nothing consumes "
            "it automatically, so it needs no dead-letter queue of its own.",
        )
        queue = sqs.Queue(
            self,
            definition.id,
            fifo=definition.fifo or None,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            delivery_delay=Duration.seconds(definition.delay_s) if definition.delay_s else None,
            visibility_timeout=Duration.seconds(definition.visibility_timeout_s),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=dead_letters, max_receive_count=definition.max_receive_count
            ),
        )
        self.by_id[definition.id] = queue
        self.dead_letters[queue_name(definition)] = dead_letters
        consumer = functions[definition.consumer]
        # Binding grants the consumer receive and delete on this queue only.
        consumer.add_event_source(
            event_sources.SqsEventSource(
                queue,
                batch_size=definition.batch_size,
                report_batch_item_failures=True,
            )
        )
        for name in dict.fromkeys((definition.consumer, *definition.senders)):
            functions[name].add_environment(definition.env_var, queue.queue_url)
        for name in definition.senders:
            queue.grant_send_messages(functions[name])
