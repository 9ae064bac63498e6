"""Stripe events as Stripe sends them: a JSON body and its Stripe-Signature header."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import stripe

from tests.fakes import WEBHOOK_SECRET

_ids = itertools.count(1)


def intent_event(
    event_type: str,
    intent_id: str = "pi_1",
    *,
    amount: int = 5000,
    received: int = 0,
    created: int = 1_900_000_000,
    event_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_{next(_ids)}",
        "object": "event",
        "type": event_type,
        "created": created,
        "data": {
            "object": {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": received,
                "currency": "eur",
                "customer": "cus_1",
                "payment_method": "pm_1",
                "metadata": {"driverId": "driver-1", "sessionRef": "CP-1/7"},
                **extra,
            }
        },
    }


def refund_event(
    intent_id: str = "pi_1", refunded: int = 1000, created: int = 1_900_000_100
) -> dict[str, Any]:
    return {
        "id": f"evt_{next(_ids)}",
        "object": "event",
        "type": "charge.refunded",
        "created": created,
        "data": {
            "object": {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": intent_id,
                "amount": 5000,
                "amount_refunded": refunded,
                "currency": "eur",
            }
        },
    }


def signed(
    event: dict[str, Any], secret: str = WEBHOOK_SECRET, at: int | None = None
) -> tuple[bytes, str]:
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, int(time.time()) if at is None else at
    )
    return payload.encode(), header
