"""E-mailing a receipt over moto (DynamoDB, Cognito, SES v2) with a fault at each AWS call, and
the event then delivered again as Lambda's retry would: a failure before the mail went out
leaves the receipt to be sent exactly once by the retry; after SES took the message, the
outcome is the documented at-least-once edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from shared.adapters.cognito import CognitoDriverDirectory
from shared.adapters.dynamodb.receipt_emails import DynamoReceiptEmailLog
from shared.adapters.dynamodb.receipts import DynamoReceiptStore
from shared.adapters.ses import SesMailSender
from shared.drivers.receipt_mail import CLAIM_LEASE_MS, ReceiptMailBusy, ReceiptMailer
from tests.fakes import Clock, a_receipt
from tests.fault_injection import Fault, injected

REGION = "us-east-1"
SENDER = "receipts@example.com"
ADDRESS = "alice@example.com"
T0 = datetime(2025, 3, 1, 10, 31, tzinfo=UTC)


@dataclass
class World:
    mailer: ReceiptMailer
    dynamodb: Any
    cognito: Any
    ses: Any
    clock: Clock
    table: str
    pool_id: str
    driver_id: str

    def deliver(self) -> str:
        return self.mailer.on_receipt_issued("CP-1", "17")

    def sent(self) -> list[Any]:
        return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)

    def email_status(self) -> str | None:
        item = self.dynamodb.get_item(
            TableName=self.table,
            Key={"chargePointId": {"S": "CP-1"}, "transactionId": {"S": "17"}},
        )["Item"]
        status = item.get("emailStatus", {}).get("S")
        return None if status is None else str(status)


def user_pool(cognito: Any) -> str:
    """Shaped like the stack's: e-mail sign-in aliases, so a user's username is their sub."""
    return str(
        cognito.create_user_pool(PoolName="users", UsernameAttributes=["email"])["UserPool"]["Id"]
    )


def sign_up(cognito: Any, pool_id: str, email: str, verified: bool = True) -> str:
    user = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true" if verified else "false"},
        ],
        MessageAction="SUPPRESS",
    )["User"]
    return str(next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub"))


@pytest.fixture
def world(aws_env) -> World:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    cognito = boto3.client("cognito-idp", region_name=REGION)
    ses = boto3.client("sesv2", region_name=REGION)
    ses.create_email_identity(EmailIdentity=SENDER)
    pool_id = user_pool(cognito)
    driver_id = sign_up(cognito, pool_id, ADDRESS)
    receipts = DynamoReceiptStore(dynamodb, aws_env.receipts_table)
    receipts.create(a_receipt(driver_id))
    clock = Clock(T0)
    mailer = ReceiptMailer(
        receipts=receipts,
        log=DynamoReceiptEmailLog(dynamodb, aws_env.receipts_table),
        directory=CognitoDriverDirectory(cognito, pool_id),
        mail=SesMailSender(ses, SENDER),
        now=clock,
    )
    return World(mailer, dynamodb, cognito, ses, clock, aws_env.receipts_table, pool_id, driver_id)


def test_moto_finds_a_user_by_their_sub_as_cognito_does(world):
    contact = world.mailer.directory.contact(world.driver_id)
    assert (contact.email, contact.email_verified) == (ADDRESS, True)
    assert world.mailer.directory.contact("no-such-sub") is None


def test_over_moto_the_receipt_is_sent_once_from_the_sender(world):
    assert world.deliver() == "sent"
    assert world.deliver() == "sent"

    (message,) = world.sent()
    assert message.source == SENDER
    assert message.destinations == {"ToAddresses": [ADDRESS]}
    assert message.subject == "Your charging receipt \N{EM DASH} CP-1 \N{EM DASH} 5.36 EUR"
    assert world.email_status() == "sent"


def test_an_unverified_address_is_never_sent_to(world):
    other = sign_up(world.cognito, world.pool_id, "bob@example.com", verified=False)
    world.mailer.receipts.create(a_receipt(other, transaction_id="18"))

    assert world.mailer.on_receipt_issued("CP-1", "18") == "skipped"
    assert world.sent() == []


@pytest.mark.parametrize(
    ("client", "operation"),
    [
        ("dynamodb", "UpdateItem"),  # the claim: nothing claimed
        ("cognito", "AdminGetUser"),  # the look-up: claimed, released
        ("ses", "SendEmail"),  # SES refused: claimed, released
    ],
)
def test_a_failure_before_the_mail_went_out_is_retried_into_exactly_one_mail(
    world, client, operation
):
    with injected(getattr(world, client), Fault(operation, code="ServiceUnavailable")) as (fault,):
        with pytest.raises(ClientError):
            world.deliver()
    assert fault.raised == 1
    assert world.sent() == []
    assert world.email_status() is None  # re-claimable at once

    assert world.deliver() == "sent"
    assert len(world.sent()) == 1


def test_a_claim_whose_answer_was_lost_waits_for_its_lease_then_sends_once(world):
    # The claim was written, the caller saw an error: nobody releases it.
    with injected(world.dynamodb, Fault("UpdateItem", after=True)), pytest.raises(ClientError):
        world.deliver()
    assert world.email_status() == "sending"

    with pytest.raises(ReceiptMailBusy):
        world.deliver()  # Lambda's first retry, within the lease
    world.clock.now += timedelta(milliseconds=CLAIM_LEASE_MS + 1)
    assert world.deliver() == "sent"
    assert len(world.sent()) == 1


def test_when_the_sent_mark_fails_the_mail_is_not_sent_again_by_the_retry(world):
    # SES took the message; marking the receipt (the second UpdateItem) fails. The attempt
    # does not raise: a retry would send the mail again.
    with injected(world.dynamodb, Fault("UpdateItem", first=2)) as (fault,):
        assert world.deliver() == "sent-unmarked"
    assert fault.raised == 1
    assert len(world.sent()) == 1
    assert world.email_status() == "sending"

    # The documented edge: the same event replayed after the claim lapsed sends a second copy.
    with pytest.raises(ReceiptMailBusy):
        world.deliver()
    world.clock.now += timedelta(milliseconds=CLAIM_LEASE_MS + 1)
    assert world.deliver() == "sent"
    assert len(world.sent()) == 2


def test_a_lost_send_answer_is_sent_again_by_the_retry(world):
    # SES took the message but its answer was lost: indistinguishable from a refusal, so the
    # claim is released and the retry sends a second copy (at least once).
    with injected(world.ses, Fault("SendEmail", after=True)), pytest.raises(ClientError):
        world.deliver()
    assert world.email_status() is None

    assert world.deliver() == "sent"
    assert len(world.sent()) == 2
