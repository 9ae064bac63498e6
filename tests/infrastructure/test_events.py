from __future__ import annotations

import pytest

from infra import catalog
from tests.infrastructure.template_queries import logical_id, resource, resources

pytestmark = pytest.mark.infrastructure


def test_one_event_bus_with_an_archive_of_every_platform_event(template, stack):
    assert len(resources(template, "AWS::Events::EventBus")) == 1
    archive = resource(template, stack.events.archive)["Properties"]
    assert archive["SourceArn"] == {"Fn::GetAtt": [logical_id(stack.events.bus), "Arn"]}
    assert archive["EventPattern"] == {"source": [catalog.EVENT_BUS.source]}
    assert archive["RetentionDays"] == 30
