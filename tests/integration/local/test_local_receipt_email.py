"""`python -m local --receipt-email-sender ADDRESS`: the identity verified in moto's SES, users
signed up at the development identity provider registered in moto's user pool under their
token's `sub`, and ReceiptIssued delivered to receipt_mailer as the stack's rule does."""

from __future__ import annotations

import asyncio
import json

import boto3
import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from infra.catalog import EVENT_BUS, RECEIPTS
from local.platform import LocalPlatform
from local.settings import LocalSettings
from local.workflows import WorkflowTable
from shared.adapters.dynamodb.receipts import DynamoReceiptStore
from shared.config import ConfigError
from tests.fakes import a_receipt

from .helpers import run

SENDER = "receipts@example.com"


def _publish_receipt_issued(platform: LocalPlatform, driver_id: str) -> None:
    DynamoReceiptStore(boto3.client("dynamodb"), RECEIPTS.local_name).create(a_receipt(driver_id))
    detail = {"chargePointId": "CP-1", "transactionId": "17", "driverId": driver_id}
    boto3.client("events").put_events(
        Entries=[
            {
                "EventBusName": EVENT_BUS.local_name,
                "Source": EVENT_BUS.source,
                "DetailType": "ReceiptIssued",
                "Detail": json.dumps(detail),
            }
        ]
    )


def test_a_receipt_issued_locally_is_emailed_to_the_signed_up_driver():
    async def scenario() -> list[tuple[str, object]]:
        settings = LocalSettings(port=0, moto_port=0, receipt_email_sender=SENDER)
        # No state machines: the event is published by hand.
        async with LocalPlatform(settings, workflows=WorkflowTable()) as platform:
            user = platform.gateway.identity.sign_up("alice@example.com", "eight+chars")
            await asyncio.to_thread(_publish_receipt_issued, platform, user.sub)
            await platform.delivery.drain(timeout=30)
            await asyncio.to_thread(_publish_receipt_issued, platform, user.sub)  # a replay
            await platform.delivery.drain(timeout=30)
            messages = ses_backends[DEFAULT_ACCOUNT_ID][settings.region].sent_messages
            return [(m.source, m.destinations) for m in messages]

    assert run(scenario, timeout=90) == [(SENDER, {"ToAddresses": ["alice@example.com"]})]


def test_without_the_flag_no_mailer_is_wired():
    async def scenario() -> list[str]:
        settings = LocalSettings(port=0, moto_port=0)
        async with LocalPlatform(settings, workflows=WorkflowTable()) as platform:
            assert platform.receipt_email is None
            return platform.delivery.describe()

    assert not any("receipt_mailer" in line for line in run(scenario, timeout=60))


@pytest.mark.parametrize(
    "changes",
    [
        {"receipt_email_sender": "not-an-address"},
        {"receipt_email_sender": SENDER, "store": "memory"},
    ],
)
def test_an_unusable_sender_setting_is_refused(changes):
    with pytest.raises(ConfigError):
        LocalSettings(**changes)
