"""Idempotency keys for provider calls, derived from what the call is for.

The rule: **the same key always means the same request.** A key names one effect (this
session's capture, the release of this start request's hold, the n-th refund of a payment), so
every retry of that effect (an Express execution run twice, a Lambda retried after a lost
response) sends the same key and the provider returns the first result instead of charging
again. Parts are percent-encoded so that two different inputs can never give one key (charger
ids may hold ':'); keys over the provider's 255 characters end in a hash of the rest.
"""

from __future__ import annotations

import hashlib
from typing import Literal
from urllib.parse import quote

MAX_KEY_LENGTH = 255  # Stripe's limit

SettleStep = Literal["capture", "charge", "cancel"]
StartStep = Literal["authorise", "cancel"]


def idempotency_key(purpose: str, *parts: str | int) -> str:
    """`purpose:part1:part2...` with every part percent-encoded."""
    key = ":".join([purpose, *(quote(str(part), safe="") for part in parts)])
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: MAX_KEY_LENGTH - len(digest) - 1]}~{digest}"


def settle_key(charge_point_id: str, transaction_id: str | int, step: SettleStep) -> str:
    """SettleSession's calls for one session: `settle:{chargePointId}:{transactionId}:{step}`."""
    return idempotency_key("settle", charge_point_id, transaction_id, step)


def start_key(charge_point_id: str, connector_id: int, request_id: str, step: StartStep) -> str:
    """StartSession's hold and the sweep's release for one start request."""
    return idempotency_key("start", charge_point_id, connector_id, request_id, step)


def refund_key(payment_id: str, request_key: str) -> str:
    """An operator refund: the client's Idempotency-Key, or `n{count}` (the payment's n-th
    refund) when the client sent none."""
    return idempotency_key("refund", payment_id, request_key)


def customer_key(driver_id: str) -> str:
    return idempotency_key("customer", driver_id)
