from __future__ import annotations

import pytest

from infra import catalog
from tests.infrastructure.template_queries import logical_id, resource, resources

pytestmark = pytest.mark.infrastructure


def test_one_stream_per_catalog_entry(template, stack):
    assert set(stack.streams.by_id) == {s.id for s in catalog.STREAMS}
    assert len(resources(template, "AWS::Kinesis::Stream")) == len(catalog.STREAMS)


@pytest.mark.parametrize("definition", catalog.STREAMS, ids=lambda s: s.id)
def test_stream_is_provisioned_as_the_catalog_says(template, stack, definition):
    properties = resource(template, stack.streams.by_id[definition.id])["Properties"]
    assert properties["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert properties["ShardCount"] == definition.shards
    assert properties["RetentionPeriodHours"] == definition.retention_hours
    # Generated; functions find it through TELEMETRY_STREAM_NAME.
    assert "Name" not in properties


@pytest.mark.parametrize("definition", catalog.STREAMS, ids=lambda s: s.id)
def test_stream_is_encrypted_with_the_aws_managed_key(template, stack, definition):
    properties = resource(template, stack.streams.by_id[definition.id])["Properties"]
    # Unconditionally: CDK's default would drop encryption in regions it deems unsupported.
    assert properties["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
    # The only customer key in the stack is the alarm topic's.
    assert set(resources(template, "AWS::KMS::Key")) == {
        logical_id(stack.monitoring.topic.master_key)
    }


@pytest.mark.parametrize("definition", catalog.STREAMS, ids=lambda s: s.id)
def test_telemetry_is_transient_and_goes_with_the_stack(template, stack, definition):
    stream = resource(template, stack.streams.by_id[definition.id])
    assert stream["DeletionPolicy"] == stream["UpdateReplacePolicy"] == "Delete"
