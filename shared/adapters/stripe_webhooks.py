"""Stripe webhook signatures: `Stripe-Signature` checked with the endpoint's signing secret.

A body whose signature does not match, or signed more than `TOLERANCE_S` ago (a captured
request replayed later), is InvalidWebhook; an event replayed within the tolerance passes here
and is recognised by its id downstream (shared/payments/webhooks.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from shared.ports.payments import InvalidWebhook, ProviderEvent

TOLERANCE_S = 300


class StripeWebhookVerifier:
    def __init__(self, secret: Callable[[], str], tolerance_s: int = TOLERANCE_S) -> None:
        self._secret = secret  # read on first use (Secrets Manager, cached)
        self._tolerance_s = tolerance_s

    def verify(self, payload: bytes, signature_header: str | None) -> ProviderEvent:
        import stripe

        if not signature_header:
            raise InvalidWebhook("no Stripe-Signature header")
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"), signature_header, self._secret(), self._tolerance_s
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook(str(exc).split("\n", 1)[0]) from None
        except UnicodeDecodeError:
            raise InvalidWebhook("the body is not UTF-8") from None
        try:
            body = json.loads(payload)
            return ProviderEvent(
                event_id=str(body["id"]),
                type=str(body["type"]),
                created=int(body["created"]),
                data=dict(body["data"]["object"]),
            )
        except (ValueError, KeyError, TypeError):
            raise InvalidWebhook("not a Stripe event") from None
