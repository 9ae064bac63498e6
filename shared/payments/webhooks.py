"""Provider events reflected on payment records, each exactly once.

The contract: an event is acknowledged (2xx) only once its change is stored. The change and
the event's dedupe marker (its id added to the record's `seenEvents`) are one conditional write,
so a retry after a failed write applies it, and a replay of an applied event (the provider
retries until it gets a 2xx, and replays from its dashboard) changes nothing. Events arrive in
any order: a record's status never moves back to a lower rank (`STATUS_RANK`) and the provider's
refunded total only grows, so a late event is a no-op rather than an undo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from shared.models.payment import PaymentStatus, ProviderUpdate
from shared.ports.payments import (
    InvalidWebhook,
    PaymentRecordRepository,
    ProviderEvent,
    WebhookVerifier,
)
from shared.timeutil import from_epoch_ms, iso_utc

Outcome = Literal["applied", "unchanged", "ignored"]

INTENT_STATUS: dict[str, PaymentStatus] = {
    "payment_intent.amount_capturable_updated": "held",
    "payment_intent.succeeded": "captured",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "canceled",
    "payment_intent.requires_action": "requires_action",
}
HANDLED = frozenset({*INTENT_STATUS, "setup_intent.succeeded", "charge.refunded"})


@dataclass
class PaymentWebhooks:
    records: PaymentRecordRepository

    def handle(self, event: ProviderEvent) -> Outcome:
        """Apply `event`; "unchanged" for a replay or a late event, "ignored" for events the
        platform does not follow (answered 2xx all the same, so the provider stops sending)."""
        update = provider_update(event)
        if update is None:
            return "ignored"
        return "applied" if self.records.apply_update(update) else "unchanged"


def provider_update(event: ProviderEvent) -> ProviderUpdate | None:
    obj = event.data
    at = iso_utc(from_epoch_ms(event.created * 1000))
    metadata = _strings(obj.get("metadata"))
    common: dict[str, Any] = {
        "event_id": event.event_id,
        "at": at,
        "customer_id": _id(obj.get("customer")),
        "driver_id": metadata.get("driverId"),
        "session_ref": metadata.get("sessionRef"),
        "payment_method_id": _id(obj.get("payment_method")),
    }
    if event.type in INTENT_STATUS:
        status = INTENT_STATUS[event.type]
        error = obj.get("last_payment_error") or {}
        return ProviderUpdate(
            payment_id=str(obj["id"]),
            kind="payment",
            status=status,
            currency=_currency(obj.get("currency")),
            amount_minor=_int(obj.get("amount")),
            captured_minor=_int(obj.get("amount_received")) if status == "captured" else None,
            failure_code=(error.get("decline_code") or error.get("code"))
            if status == "failed"
            else None,
            **common,
        )
    if event.type == "setup_intent.succeeded":
        return ProviderUpdate(payment_id=str(obj["id"]), kind="setup", status="succeeded", **common)
    if event.type == "charge.refunded":
        intent = _id(obj.get("payment_intent"))
        refunded = _int(obj.get("amount_refunded"))
        if intent is None or refunded is None:
            return None  # a charge without a PaymentIntent is none of the platform's
        return ProviderUpdate(
            payment_id=intent,
            kind="payment",
            currency=_currency(obj.get("currency")),
            provider_refunded_minor=refunded,
            **common,
        )
    return None


def _id(value: Any) -> str | None:
    """An id, whether the provider sent the id or the expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _currency(value: Any) -> str | None:
    return str(value).upper() if value else None


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@dataclass
class WebhookReceiver:
    """One webhook call: verify, then apply. A failure to store raises (the function answers
    500 and the provider delivers the event again)."""

    verifier: WebhookVerifier
    webhooks: PaymentWebhooks

    def receive(self, payload: bytes, signature_header: str | None) -> tuple[int, dict[str, str]]:
        try:
            event = self.verifier.verify(payload, signature_header)
        except InvalidWebhook as exc:
            return 400, {"error": str(exc)}
        return 200, {"received": event.event_id, "outcome": self.webhooks.handle(event)}
