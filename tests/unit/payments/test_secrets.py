"""The Stripe secret: read once per container, read again only after Stripe refused the key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.adapters.secrets import CachedSecret, SecretError


class SecretsManager:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.calls = 0

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:
        self.calls += 1
        return {"SecretString": self.secret}


def test_the_secret_is_read_once_and_again_after_forget() -> None:
    client = SecretsManager(json.dumps({"apiKey": "sk_1", "webhookSecret": "whsec_1"}))
    secret = CachedSecret(client, "csms/stripe")
    assert (secret.field("apiKey"), secret.field("webhookSecret")) == ("sk_1", "whsec_1")
    assert client.calls == 1
    client.secret = json.dumps({"apiKey": "sk_2", "webhookSecret": "whsec_1"})
    assert secret.field("apiKey") == "sk_1"  # cached for the container's life
    secret.forget()
    assert secret.field("apiKey") == "sk_2"
    assert client.calls == 2


@pytest.mark.parametrize("value", ["not json", "[1]", json.dumps({"apiKey": ""})])
def test_a_secret_that_is_not_what_we_need_says_so(value) -> None:
    with pytest.raises(SecretError):
        CachedSecret(SecretsManager(value), "csms/stripe").field("apiKey")
