"""A driver's payment methods through the driver API, over the in-memory provider: a customer
per driver, SetupIntents for the app, listing, the default, removal; another driver's method
is not found; a provider outage is a 503, never a 500."""

from __future__ import annotations

import pytest

from shared.ports.payments import PaymentProviderUnavailable
from tests.fakes import memory_services
from tests.unit.api.driver_client import DriverClient, drivers


@pytest.fixture
def services():
    return memory_services()


@pytest.fixture
def alice(services) -> DriverClient:
    return drivers(services, "alice-sub")[0]


@pytest.fixture
def bob(services) -> DriverClient:
    return drivers(services, "bob-sub")[0]


def add_card(services, client: DriverClient, pm: str = "pm_card_visa") -> str:
    """What the app does: set up, then the provider's SDK saves the card to the customer."""
    setup = client.post("/driver/payment-methods/setup")
    assert setup.status == 201
    added: str = services.deps.payments.add_payment_method(
        setup.body["customerId"], f"{pm}_{client.driver_id.split('-')[0]}"
    )
    return added


def test_setup_creates_one_customer_per_driver_and_a_setup_intent_each_time(
    services, alice
) -> None:
    first = alice.post("/driver/payment-methods/setup").body
    second = alice.post("/driver/payment-methods/setup").body
    assert first["customerId"] == second["customerId"]
    assert first["setupIntentId"] != second["setupIntentId"]
    assert first["clientSecret"].startswith(first["setupIntentId"])
    assert services.deps.drivers.get("alice-sub").customer_id == first["customerId"]
    assert len(services.deps.payments.customers) == 1


def test_methods_are_listed_with_the_default_first_chosen_then_changed(services, alice) -> None:
    assert alice.get("/driver/payment-methods").body == {"items": []}
    visa = add_card(services, alice)
    mastercard = add_card(services, alice, "pm_card_mastercard")
    listed = alice.get("/driver/payment-methods").body["items"]
    assert [(m["paymentMethodId"], m["default"]) for m in listed] == [
        (visa, True),
        (mastercard, False),
    ]
    assert (
        alice.put("/driver/payment-methods/default", {"paymentMethodId": mastercard}).status == 204
    )
    listed = alice.get("/driver/payment-methods").body["items"]
    assert [m["default"] for m in listed] == [False, True]
    profile = services.driver_payment_methods.profile("alice-sub")
    assert profile.payment_method_id == mastercard


def test_removing_the_default_detaches_it_and_falls_back(services, alice) -> None:
    visa = add_card(services, alice)
    mastercard = add_card(services, alice, "pm_card_mastercard")
    alice.put("/driver/payment-methods/default", {"paymentMethodId": mastercard})
    assert alice.delete(f"/driver/payment-methods/{mastercard}").status == 204
    listed = alice.get("/driver/payment-methods").body["items"]
    assert [(m["paymentMethodId"], m["default"]) for m in listed] == [(visa, True)]
    assert services.deps.drivers.get("alice-sub").default_payment_method_id is None


def test_another_drivers_method_or_a_guessed_id_is_not_found(services, alice, bob) -> None:
    alices = add_card(services, alice)
    add_card(services, bob)
    for guessed in (alices, "pm_does_not_exist"):
        assert bob.delete(f"/driver/payment-methods/{guessed}").status == 404
        chosen = bob.put("/driver/payment-methods/default", {"paymentMethodId": guessed})
        assert chosen.status == 404
        assert chosen.error["code"] == "NotFound"
    assert [m["paymentMethodId"] for m in alice.get("/driver/payment-methods").body["items"]] == [
        alices
    ]


def test_without_a_method_there_is_no_payment_profile(services) -> None:
    from shared.admin.errors import Conflict

    with pytest.raises(Conflict):
        services.driver_payment_methods.profile("alice-sub")


def test_a_provider_outage_is_a_503_in_the_error_shape(services, alice) -> None:
    services.deps.payments.fail_next("create_customer", PaymentProviderUnavailable("timed out"))
    reply = alice.post("/driver/payment-methods/setup")
    assert reply.status == 503
    assert reply.error["code"] == "Unavailable"
    assert services.deps.drivers.get("alice-sub") is None
    # Retried, it works: the key makes it the same customer creation.
    assert alice.post("/driver/payment-methods/setup").status == 201


@pytest.mark.parametrize("body", [{}, {"paymentMethodId": ""}, {"paymentMethodId": "pm 1"}])
def test_a_default_choice_is_validated(alice, body) -> None:
    assert alice.put("/driver/payment-methods/default", body).status == 400
