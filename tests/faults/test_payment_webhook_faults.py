"""The Stripe webhook over moto, with a fault at each AWS call it makes (the secret's read, the
record's conditional update), before the call or after it took effect: the webhook then fails
(500, Stripe delivers again), and once acknowledged the event is stored exactly once."""

from __future__ import annotations

import base64
import json
from typing import cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from tests.fakes import WEBHOOK_SECRET
from tests.fault_injection import NthCall, nth_call_fails
from tests.faults.conftest import Platform
from tests.stripe_events import intent_event, signed


class Context:
    """The Lambda context the function's logger reads."""

    function_name = "payment_webhook"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:payment_webhook"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


SECRET = {"apiKey": "sk_test_x", "webhookSecret": WEBHOOK_SECRET}


@pytest.fixture
def webhook(platform: Platform) -> Platform:
    platform.client("secretsmanager").create_secret(
        Name=platform.services.settings.stripe_secret_name, SecretString=json.dumps(SECRET)
    )
    return platform


def record(platform: Platform, payment_id: str = "pi_1"):
    return platform.services.deps.payment_records.get(payment_id)


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("n", [1, 2], ids=["GetSecretValue", "UpdateItem"])
def test_a_fault_at_any_call_fails_the_delivery_and_the_retry_stores_it_once(webhook, n, after):
    event = intent_event("payment_intent.succeeded", received=4200)
    payload, header = signed(event)
    receiver = webhook.services.payment_webhooks
    clients = [webhook.client("secretsmanager"), webhook.client("dynamodb")]
    with nth_call_fails(clients, NthCall(n, after=after)) as fault:
        with pytest.raises(Exception, match="injected"):
            receiver.receive(payload, header)
    assert fault.calls[:2] == ["secretsmanager:GetSecretValue", "dynamodb:UpdateItem"][:n]
    # Stripe delivers again until it gets a 2xx.
    status, body = receiver.receive(payload, header)
    assert status == 200
    assert body["outcome"] == ("unchanged" if (n, after) == (2, True) else "applied")
    stored = record(webhook)
    assert stored is not None
    assert (stored.status, stored.captured_minor) == ("captured", 4200)
    assert stored.seen_events == frozenset({event["id"]})
    assert receiver.receive(payload, header) == (
        200,
        {"received": event["id"], "outcome": "unchanged"},
    )


def test_the_function_answers_stripe(webhook, monkeypatch):
    from functions.payment_webhook import handler

    monkeypatch.setattr(handler, "services", webhook.services)
    event = intent_event("payment_intent.amount_capturable_updated")
    payload, header = signed(event)
    http = {
        "version": "2.0",
        "rawPath": "/webhooks/stripe",
        "headers": {"stripe-signature": header, "content-type": "application/json"},
        "body": base64.b64encode(payload).decode(),
        "isBase64Encoded": True,
        "requestContext": {"http": {"method": "POST", "path": "/webhooks/stripe"}},
    }
    answer = handler.handler(http, cast(LambdaContext, Context()))
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"])["outcome"] == "applied"
    assert record(webhook).status == "held"
    forged = {**http, "headers": {"stripe-signature": signed(event, secret="whsec_x")[1]}}
    assert handler.handler(forged, cast(LambdaContext, Context()))["statusCode"] == 400
