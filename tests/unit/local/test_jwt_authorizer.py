"""The local JWT authorizer makes API Gateway's checks: signature by a JWKS key, RS256 only,
expiry, not-before, issuer, audience (`aud` or Cognito's `client_id`), and the claims as
strings."""

from __future__ import annotations

import time

import jwt
import pytest

from local.identity.authorizer import JwtAuthorizer, Unauthorized
from local.identity.provider import DRIVER_APP_CLIENT, DevIdentityProvider

ISSUER = "http://127.0.0.1:8080/local-idp"


@pytest.fixture(scope="module")
def provider() -> DevIdentityProvider:
    idp = DevIdentityProvider(issuer=ISSUER)
    idp.sign_up("driver@example.com", "correct horse")
    return idp


def authorizer(provider: DevIdentityProvider, audience: str = DRIVER_APP_CLIENT) -> JwtAuthorizer:
    return JwtAuthorizer(issuer=lambda: ISSUER, audiences=frozenset({audience}), jwks=provider.jwks)


def signed(provider: DevIdentityProvider, **claims: object) -> str:
    now = int(time.time())
    body = {"sub": "driver-1", "iss": ISSUER, "exp": now + 60, "client_id": DRIVER_APP_CLIENT}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, provider._key, algorithm="RS256", headers={"kid": provider.key_id})


def test_a_valid_token_gives_its_claims_as_api_gateway_renders_them(provider) -> None:
    token = signed(provider, **{"cognito:groups": ["drivers", "beta"], "flag": True, "n": 3})
    claims = authorizer(provider).claims(f"Bearer {token}")
    assert claims["sub"] == "driver-1"
    assert claims["cognito:groups"] == "[drivers beta]"
    assert claims["flag"] == "true"
    assert claims["n"] == "3"
    # Without the "Bearer " prefix too, as API Gateway takes it.
    assert authorizer(provider).claims(token)["sub"] == "driver-1"


def test_aud_is_an_audience_like_client_id(provider) -> None:
    token = signed(provider, client_id=None, aud=[DRIVER_APP_CLIENT, "other"])
    assert authorizer(provider).claims(token)["sub"] == "driver-1"


# Times are offsets from when the test runs, not from collection: a parallel suite may run
# this test many minutes after it was collected.
TIMED_CLAIMS = {"exp", "nbf"}


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": -5},
        {"nbf": 600},
        {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"},
        {"client_id": "local-operator-tools"},
        {"client_id": None},
        {"exp": None},
        {"sub": None},
    ],
)
def test_tokens_failing_a_check_are_refused(provider, claims) -> None:
    now = int(time.time())
    timed = {k: now + v if k in TIMED_CLAIMS and v is not None else v for k, v in claims.items()}
    with pytest.raises(Unauthorized):
        authorizer(provider).claims(signed(provider, **timed))


def test_a_key_not_in_the_jwks_or_another_algorithm_is_refused(provider) -> None:
    other = DevIdentityProvider(issuer=ISSUER)
    body = {"sub": "x", "iss": ISSUER, "exp": int(time.time()) + 60, "client_id": DRIVER_APP_CLIENT}
    same_kid_other_key = jwt.encode(
        body, other._key, algorithm="RS256", headers={"kid": provider.key_id}
    )
    unknown_kid = jwt.encode(body, other._key, algorithm="RS256", headers={"kid": other.key_id})
    hmac_signed = jwt.encode(body, "k" * 32, algorithm="HS256", headers={"kid": provider.key_id})
    for token in (same_kid_other_key, unknown_kid, hmac_signed, "a.b.c", ""):
        with pytest.raises(Unauthorized):
            authorizer(provider).claims(token)


def test_the_provider_signs_in_only_with_the_right_password(provider) -> None:
    answer = provider.sign_in("Driver@Example.com ", "correct horse", DRIVER_APP_CLIENT)
    claims = authorizer(provider).claims(answer["access_token"])
    assert claims["cognito:groups"] == "[drivers]"
    assert "email" not in claims  # Cognito's access tokens carry none: nothing may rely on it
