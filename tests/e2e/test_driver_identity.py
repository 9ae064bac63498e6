"""Driver identity end to end: the development identity provider issues the token, the local
gateway's JWT authorizer verifies it as API Gateway would, the driver API checks the group."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

import jwt
import pytest

from csms_cli.client import ApiError, Client
from local.identity.provider import DRIVER_APP_CLIENT, OPERATOR_TOOLS_CLIENT

pytestmark = pytest.mark.e2e


def post(url: str, body: dict[str, Any], form: bool = False) -> tuple[int, dict[str, Any]]:
    if form:
        data = urllib.parse.urlencode(body).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        data, content_type = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(  # noqa: S310
        url, data=data, headers={"Content-Type": content_type}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def sign_up(platform, group: str = "drivers") -> tuple[str, str]:
    email = f"driver-{uuid.uuid4().hex[:8]}@example.com"
    status, user = post(
        f"{platform.identity_url}/users",
        {"email": email, "password": "correct horse", "group": group},
    )
    assert status == 201, user
    return email, user["sub"]


def token_for(platform, email: str, client_id: str = DRIVER_APP_CLIENT) -> str:
    status, answer = post(
        f"{platform.identity_url}/oauth2/token",
        {
            "grant_type": "password",
            "username": email,
            "password": "correct horse",
            "client_id": client_id,
        },
        form=True,
    )
    assert status == 200, answer
    assert answer["token_type"] == "Bearer"
    return str(answer["access_token"])


def test_a_signed_up_driver_is_who_the_token_says(platform) -> None:
    email, sub = sign_up(platform)
    token = token_for(platform, email)
    assert Client(platform.driver_url, token).get("/me") == {"driverId": sub}


def test_the_token_is_cognito_shaped_and_verifiable_with_the_published_jwks(platform) -> None:
    email, sub = sign_up(platform)
    token = token_for(platform, email)
    with urllib.request.urlopen(f"{platform.identity_url}/.well-known/jwks.json") as r:  # noqa: S310
        jwks = json.loads(r.read())
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(token, key, algorithms=["RS256"], issuer=platform.identity_url)
    assert claims["sub"] == sub
    assert claims["cognito:groups"] == ["drivers"]
    assert claims["client_id"] == DRIVER_APP_CLIENT
    assert claims["token_use"] == "access"
    assert claims["exp"] - claims["iat"] == 3600


def test_the_driver_api_refuses_what_the_authorizer_refuses(platform) -> None:
    email, _ = sign_up(platform)
    good = token_for(platform, email)
    header, payload, signature = good.split(".")
    forged_claims = json.loads(jwt.utils.base64url_decode(payload))
    forged_claims["sub"] = "someone-else"
    forged = ".".join(
        [header, jwt.utils.base64url_encode(json.dumps(forged_claims).encode()).decode(), signature]
    )
    now = int(time.time())
    unsigned = jwt.encode({"sub": "x", "iss": platform.identity_url, "exp": now + 60}, "", "none")
    foreign_key = jwt.encode(
        {"sub": "x", "iss": platform.identity_url, "exp": now + 60, "client_id": DRIVER_APP_CLIENT},
        "a-shared-secret-of-thirty-two-bytes!",
        "HS256",
    )
    for token in (None, "", "not-a-jwt", "dev-operator-token", forged, unsigned, foreign_key):
        with pytest.raises(ApiError) as refused:
            Client(platform.driver_url, token).get("/me")
        assert refused.value.status == 401, token


def test_a_token_for_another_client_or_group_gets_no_further(platform) -> None:
    email, _ = sign_up(platform)
    with pytest.raises(ApiError) as wrong_audience:
        Client(platform.driver_url, token_for(platform, email, OPERATOR_TOOLS_CLIENT)).get("/me")
    assert wrong_audience.value.status == 401
    operator_email, _ = sign_up(platform, group="operators")
    with pytest.raises(ApiError) as not_a_driver:
        Client(platform.driver_url, token_for(platform, operator_email)).get("/me")
    assert not_a_driver.value.status == 403


def test_an_operator_of_the_identity_provider_may_use_the_operator_api(platform) -> None:
    email, _ = sign_up(platform, group="operators")
    token = token_for(platform, email, OPERATOR_TOOLS_CLIENT)
    assert Client(platform.http_url, token).get("/chargers")["items"] is not None
    driver_email, _ = sign_up(platform)
    with pytest.raises(ApiError) as refused:
        Client(platform.http_url, token_for(platform, driver_email, OPERATOR_TOOLS_CLIENT)).get(
            "/chargers"
        )
    assert refused.value.status == 403


def test_health_and_openapi_are_public(platform) -> None:
    assert Client(platform.driver_url, None).get("/health")["status"] == "ok"
    document = Client(platform.driver_url, None).get("/openapi.json")
    assert document["info"]["title"] == "CSMS driver API"
    assert "/driver/me" in document["paths"]


def test_sign_up_and_sign_in_refusals_are_specific(platform) -> None:
    email, _ = sign_up(platform)
    users = f"{platform.identity_url}/users"
    assert post(users, {"email": email, "password": "correct horse"})[0] == 409
    assert post(users, {"email": "not-an-address", "password": "correct horse"})[0] == 400
    assert post(users, {"email": "x@example.com", "password": "short"})[0] == 400
    assert post(users, {"email": "x@example.com", "password": "long enough", "group": "root"})[
        1
    ] == {"error": "InvalidParameterException", "error_description": "unknown group 'root'"}
    tokens = f"{platform.identity_url}/oauth2/token"
    wrong = {"grant_type": "password", "username": email, "password": "wrong horse"}
    assert post(tokens, {**wrong, "client_id": DRIVER_APP_CLIENT})[1]["error"] == "invalid_grant"
    assert post(tokens, {**wrong, "client_id": "nobody"})[1]["error"] == "invalid_client"
    assert post(tokens, {**wrong, "grant_type": "client_credentials"})[0] == 400


def test_the_cli_signs_a_driver_up_and_prints_a_token_for_the_driver_api(platform) -> None:
    import io

    from csms_cli.cli import main as cli

    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"

    def run_cli(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = cli(["--url", platform.http_url, *argv], out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    code, out, _ = run_cli("drivers", "sign-up", "--email", email, "--password", "long enough")
    assert code == 0
    assert out.startswith(f"driver {email} signed up: driverId ")
    code, out, _ = run_cli("drivers", "token", "--email", email, "--password", "long enough")
    assert code == 0
    assert Client(platform.driver_url, out.strip()).get("/me")["driverId"]
    code, _, err = run_cli("drivers", "sign-up", "--email", email, "--password", "long enough")
    assert code != 0
    assert "an account with this e-mail exists (409 UsernameExistsException)" in err
    code, _, err = run_cli("drivers", "token", "--email", email, "--password", "wrong password")
    assert code != 0
    assert "incorrect e-mail address or password (400 invalid_grant)" in err
