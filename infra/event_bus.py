"""The domain-event bus and an archive of everything the platform publishes on it."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as eventbridge
from constructs import Construct

from infra.catalog import EVENT_BUS, EventBusDef


class EventBus(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        archive_retention_days: int,
        definition: EventBusDef = EVENT_BUS,
    ) -> None:
        super().__init__(scope, construct_id)
        self.definition = definition
        self.bus = eventbridge.EventBus(self, definition.id)
        # Replayable history of the platform's own events (e.g. to rebuild a projection).
        self.archive = self.bus.archive(
            "Archive",
            description=f"All {definition.source} events",
            event_pattern=eventbridge.EventPattern(source=[definition.source]),
            retention=Duration.days(archive_retention_days),
        )
