"""Stripe webhooks: only Stripe's recent signatures are heard, and each event counts once."""

from __future__ import annotations

import time

import pytest

from tests.fakes import memory_services
from tests.stripe_events import intent_event, refund_event, signed


@pytest.fixture
def services():
    return memory_services()


def receive(services, event, **kwargs):
    return services.payment_webhooks.receive(*signed(event, **kwargs))


def record(services, payment_id: str = "pi_1"):
    return services.deps.payment_records.get(payment_id)


def test_a_signed_event_is_reflected_on_the_payment(services) -> None:
    status, body = receive(services, intent_event("payment_intent.amount_capturable_updated"))
    assert (status, body["outcome"]) == (200, "applied")
    held = record(services)
    assert (held.status, held.amount_minor, held.currency) == ("held", 5000, "EUR")
    assert (held.driver_id, held.session_ref, held.customer_id) == ("driver-1", "CP-1/7", "cus_1")


def test_a_forged_signature_is_refused_and_changes_nothing(services) -> None:
    status, body = receive(
        services, intent_event("payment_intent.succeeded"), secret="whsec_attacker"
    )
    assert status == 400 and "signature" in body["error"].lower()
    assert record(services) is None


@pytest.mark.parametrize("header", [None, "", "garbage", "t=abc,v1=00"])
def test_a_missing_or_unreadable_signature_is_refused(services, header) -> None:
    payload, _ = signed(intent_event("payment_intent.succeeded"))
    assert services.payment_webhooks.receive(payload, header)[0] == 400


def test_a_body_changed_after_signing_is_refused(services) -> None:
    payload, header = signed(intent_event("payment_intent.succeeded", received=100))
    tampered = payload.replace(b'"amount_received": 100', b'"amount_received": 1')
    assert services.payment_webhooks.receive(tampered, header)[0] == 400


def test_a_stale_signature_is_refused(services) -> None:
    event = intent_event("payment_intent.succeeded", received=5000)
    status, _ = receive(services, event, at=int(time.time()) - 301)
    assert status == 400
    assert record(services) is None
    assert receive(services, event, at=int(time.time()) - 290)[0] == 200


def test_a_replayed_event_changes_nothing(services) -> None:
    event = intent_event("payment_intent.succeeded", received=4000)
    assert receive(services, event)[1]["outcome"] == "applied"
    first = record(services)
    status, body = receive(services, event)
    assert (status, body["outcome"]) == (200, "unchanged")
    assert record(services) == first


def test_a_late_event_never_undoes_a_newer_state(services) -> None:
    captured = intent_event("payment_intent.succeeded", received=4000, created=1_900_000_200)
    held = intent_event("payment_intent.amount_capturable_updated", created=1_900_000_100)
    receive(services, captured)
    assert receive(services, held)[1]["outcome"] == "unchanged"
    now = record(services)
    assert (now.status, now.captured_minor) == ("captured", 4000)
    # Failed after the hold (delivered late): the hold stays.
    receive(services, intent_event("payment_intent.amount_capturable_updated", "pi_2"))
    receive(services, intent_event("payment_intent.payment_failed", "pi_2"))
    assert record(services, "pi_2").status == "held"


def test_a_failed_payment_keeps_the_decline_code(services) -> None:
    receive(
        services,
        intent_event(
            "payment_intent.payment_failed",
            last_payment_error={"code": "card_declined", "decline_code": "insufficient_funds"},
        ),
    )
    failed = record(services)
    assert (failed.status, failed.failure_code) == ("failed", "insufficient_funds")


def test_refund_events_only_raise_the_refunded_total(services) -> None:
    receive(services, intent_event("payment_intent.succeeded", received=5000))
    receive(services, refund_event(refunded=3000, created=1_900_000_300))
    assert receive(services, refund_event(refunded=1000))[1]["outcome"] == "unchanged"
    refunded = record(services)
    assert (refunded.status, refunded.provider_refunded_minor) == ("captured", 3000)
    assert refunded.refundable_minor == 2000


def test_a_refund_before_its_payment_event_creates_a_pending_record(services) -> None:
    receive(services, refund_event("pi_9", refunded=500))
    assert record(services, "pi_9").status == "pending"
    receive(services, intent_event("payment_intent.succeeded", "pi_9", received=5000))
    paid = record(services, "pi_9")
    assert (paid.status, paid.provider_refunded_minor, paid.refundable_minor) == (
        "captured",
        500,
        4500,
    )


def test_a_saved_card_is_recorded_and_other_events_are_acknowledged(services) -> None:
    setup = intent_event("setup_intent.succeeded", "seti_1")
    assert receive(services, setup)[1]["outcome"] == "applied"
    saved = record(services, "seti_1")
    assert (saved.kind, saved.status, saved.payment_method_id) == ("setup", "succeeded", "pm_1")
    status, body = receive(services, intent_event("customer.created", "cus_1"))
    assert (status, body["outcome"]) == (200, "ignored")
