"""The operator console's sign-in over HTTP: the development identity provider's authorization
code grant with PKCE (Cognito's hosted UI, locally), and its tokens on the operator routes
behind the gateway's JWT authorizer and the operators-group check."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import jwt
import pytest

from local.gateway import HttpAuth, LocalGateway, RouteTable
from local.identity.provider import DRIVER_APP_CLIENT, OPERATOR_TOOLS_CLIENT
from local.platform import LocalPlatform
from local.settings import LocalSettings
from shared.api.http_app import AccessDenied
from shared.api.operator_auth import require_operator

from .helpers import run, running_gateway

OPERATOR = "operator@csms.localhost"
PASSWORD = "dev-operator"
DRIVER = "driver@example.com"
SCOPE = "openid email profile"


def operator_api(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """/api/chargers as the operator API guards it: the operators group, no dev token."""
    try:
        who = require_operator(event, dev_token=None)
    except AccessDenied as exc:
        return {"statusCode": exc.status, "body": json.dumps({"message": str(exc)})}
    return {"statusCode": 200, "body": json.dumps({"operator": who, "items": []})}


def routes() -> RouteTable:
    table = RouteTable.from_handlers(http={"/api": operator_api})
    return dataclasses.replace(table, http_auth={"/api": HttpAuth(OPERATOR_TOOLS_CLIENT)})


@dataclasses.dataclass
class Browser:
    """A browser's part of the flow: the PKCE pair, the pages, the redirects (not followed)."""

    gateway: LocalGateway
    http: aiohttp.ClientSession
    verifier: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(48))
    state: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(12))

    @property
    def base(self) -> str:
        return self.gateway.base_url

    @property
    def callback(self) -> str:
        return f"{self.base}/console/callback"

    def authorize_params(self, **changes: str | None) -> dict[str, str]:
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest())
        params = {
            "response_type": "code",
            "client_id": OPERATOR_TOOLS_CLIENT,
            "redirect_uri": self.callback,
            "scope": SCOPE,
            "state": self.state,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
            **changes,
        }
        return {k: v for k, v in params.items() if v is not None}

    async def authorize(self, **changes: str | None) -> tuple[int, Any, str]:
        async with self.http.get(
            f"{self.base}/local-idp/oauth2/authorize",
            params=self.authorize_params(**changes),
            allow_redirects=False,
        ) as response:
            return response.status, response.headers, await response.text()

    async def submit(self, page: str, **fields: str) -> tuple[int, Any, str]:
        """Post the page's form whose button is `action` (what clicking it sends)."""
        action = fields.pop("action", "sign-in")
        form = next(
            f for f in re.findall(r"<form .*?</form>", page, re.S) if f'value="{action}"' in f
        )
        target = html.unescape(re.search(r'action="([^"]+)"', form)[1])  # type: ignore[index]
        hidden = {
            html.unescape(name): html.unescape(value)
            for name, value in re.findall(
                r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form
            )
        }
        async with self.http.post(
            self.base + target, data={**hidden, **fields, "action": action}, allow_redirects=False
        ) as response:
            return response.status, response.headers, await response.text()

    async def code(self, **fields: str) -> str:
        """Sign in on the page (the development operator unless `email`/`password` are
        given) and return the code from the redirect to the callback."""
        status, _, page = await self.authorize()
        assert status == 200, page
        if not fields:
            fields = {"action": "development-operator"}
        status, headers, body = await self.submit(page, **fields)
        assert status == 302, body
        location = urlsplit(headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == self.callback
        query = parse_qs(location.query)
        assert query["state"] == [self.state]
        return str(query["code"][0])

    async def exchange(self, issued: str, **changes: str) -> tuple[int, dict[str, Any]]:
        form = {
            "grant_type": "authorization_code",
            "code": issued,
            "redirect_uri": self.callback,
            "client_id": OPERATOR_TOOLS_CLIENT,
            "code_verifier": self.verifier,
            **changes,
        }
        async with self.http.post(f"{self.base}/local-idp/oauth2/token", data=form) as response:
            return response.status, await response.json()

    async def chargers(self, token: str | None) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.get(f"{self.base}/api/chargers", headers=headers) as response:
            return response.status


def in_browser(scenario: Callable[[Browser], Awaitable[Any]], **config: Any) -> Any:
    async def go() -> Any:
        async with (
            running_gateway(routes(), **config) as gateway,
            aiohttp.ClientSession() as http,
        ):
            gateway.identity.seed_development_operator(OPERATOR, PASSWORD)
            gateway.identity.ensure_user(DRIVER, "correct horse", "drivers")
            return await scenario(Browser(gateway, http))

    return run(go)


def test_the_console_signs_in_with_pkce_and_its_token_opens_the_operator_routes():
    async def scenario(browser: Browser) -> None:
        status, headers, page = await browser.authorize()
        assert status == 200
        assert headers["Content-Type"].startswith("text/html")
        assert headers["X-Frame-Options"] == "DENY"
        assert "form-action 'self'" in headers["Content-Security-Policy"]
        assert headers["Cache-Control"] == "no-store"
        # Labelled fields and the one-click development operator.
        assert '<label for="email">' in page
        assert '<label for="password">' in page
        assert "Continue as the development operator" in page
        assert OPERATOR in page

        code = await browser.code(email=OPERATOR.upper(), password=PASSWORD)
        status, tokens = await browser.exchange(code)
        assert status == 200, tokens
        assert set(tokens) == {"access_token", "id_token", "token_type", "expires_in"}
        assert tokens["token_type"] == "Bearer"
        assert tokens["expires_in"] == 3600

        user = browser.gateway.identity.user(OPERATOR)
        assert user is not None
        key = jwt.PyJWK(browser.gateway.identity.jwks()["keys"][0]).key
        issuer = browser.gateway.identity.issuer
        access = jwt.decode(tokens["access_token"], key, algorithms=["RS256"], issuer=issuer)
        assert access["client_id"] == OPERATOR_TOOLS_CLIENT
        assert access["token_use"] == "access"
        assert access["cognito:groups"] == ["operators"]
        assert access["scope"] == SCOPE
        identity = jwt.decode(
            tokens["id_token"], key, algorithms=["RS256"], issuer=issuer,
            audience=OPERATOR_TOOLS_CLIENT,
        )  # fmt: skip
        assert identity["email"] == OPERATOR
        assert identity["token_use"] == "id"
        assert identity["sub"] == access["sub"] == user.sub

        assert await browser.chargers(tokens["access_token"]) == 200
        assert await browser.chargers(None) == 401

    in_browser(scenario)


def test_continue_as_the_development_operator_signs_in_without_a_password():
    async def scenario(browser: Browser) -> None:
        status, tokens = await browser.exchange(await browser.code())
        assert status == 200, tokens
        async with browser.http.get(
            f"{browser.base}/api/chargers",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        ) as response:
            assert response.status == 200
            body = await response.json()
        user = browser.gateway.identity.user(OPERATOR)
        assert user is not None
        assert body["operator"] == user.sub

    in_browser(scenario)


def test_a_wrong_password_shows_the_page_again_with_the_error_and_no_code():
    async def scenario(browser: Browser) -> None:
        _, _, page = await browser.authorize()
        status, headers, again = await browser.submit(page, email=OPERATOR, password="wrong-one")
        assert status == 401
        assert "Location" not in headers
        assert 'role="alert"' in again
        assert "Incorrect e-mail address or password." in again
        assert f'value="{OPERATOR}"' in again  # the address stays filled in
        # The same answer for someone who does not exist (no account enumeration).
        _, _, unknown = await browser.submit(page, email="nobody@example.com", password="x" * 9)
        assert "Incorrect e-mail address or password." in unknown

    in_browser(scenario)


def test_a_member_of_another_group_gets_a_token_but_not_the_operator_routes():
    async def scenario(browser: Browser) -> None:
        code = await browser.code(email=DRIVER, password="correct horse")
        status, tokens = await browser.exchange(code)
        assert status == 200
        assert await browser.chargers(tokens["access_token"]) == 403

    in_browser(scenario)


def test_a_driver_app_token_is_refused_by_the_operator_routes_authorizer():
    async def scenario(browser: Browser) -> None:
        identity = browser.gateway.identity
        user = identity.user(OPERATOR)
        assert user is not None
        assert await browser.chargers(identity.access_token(user, DRIVER_APP_CLIENT)) == 401

    in_browser(scenario)


def test_a_code_is_good_for_one_exchange():
    async def scenario(browser: Browser) -> None:
        code = await browser.code()
        assert (await browser.exchange(code))[0] == 200
        status, error = await browser.exchange(code)
        assert status == 400
        assert error["error"] == "invalid_grant"
        assert error["error_description"]

    in_browser(scenario)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code_verifier": "a" * 43}, "invalid_grant"),  # not the challenge's verifier
        ({"redirect_uri": "http://127.0.0.1:1/console/callback"}, "invalid_grant"),
        ({"client_id": DRIVER_APP_CLIENT}, "invalid_grant"),  # another client's code
        ({"client_id": "someone-else"}, "invalid_client"),
        ({"code_verifier": "short"}, "invalid_request"),
        ({"grant_type": "implicit"}, "unsupported_grant_type"),
        ({"code": ""}, "invalid_request"),
    ],
)
def test_a_token_request_that_does_not_match_its_code_is_refused(changes, error):
    async def scenario(browser: Browser) -> None:
        code = await browser.code()
        status, answer = await browser.exchange(code, **changes)
        assert (status, answer["error"]) == (400, error), answer
        if error == "invalid_grant":
            # The attempt used the code up: the right request cannot follow a guessed one.
            assert (await browser.exchange(code))[1]["error"] == "invalid_grant"

    in_browser(scenario)


def test_a_code_expires_after_five_minutes():
    async def scenario(browser: Browser) -> None:
        now = [1000.0]
        browser.gateway.sign_in.clock = lambda: now[0]
        code = await browser.code()
        now[0] += 300.0
        status, answer = await browser.exchange(code)
        assert (status, answer["error"]) == (400, "invalid_grant")
        fresh = await browser.code()
        now[0] += 299.0
        assert (await browser.exchange(fresh))[0] == 200

    in_browser(scenario)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"redirect_uri": "https://evil.example/console/callback"}, "is not registered"),
        ({"redirect_uri": "http://127.0.0.1:9/console/callback"}, "is not registered"),
        ({"redirect_uri": "{base}/console/other"}, "is not registered"),
        ({"redirect_uri": None}, "is not registered"),
        ({"client_id": "someone-else"}, "unknown client_id"),
        ({"client_id": DRIVER_APP_CLIENT}, "is not registered"),
    ],
)
def test_an_unknown_client_or_foreign_redirect_gets_a_page_not_a_redirect(changes, message):
    async def scenario(browser: Browser) -> None:
        if changes.get("redirect_uri"):
            changes["redirect_uri"] = changes["redirect_uri"].format(base=browser.base)
        status, headers, page = await browser.authorize(**changes)
        assert status == 400
        assert "Location" not in headers
        assert headers["Content-Type"].startswith("text/html")
        assert message in html.unescape(page)
        # The form post is checked the same way (its hidden fields can be edited).
        _, _, good = await browser.authorize()
        status, headers, _ = await browser.submit(
            good.replace(html.escape(browser.callback), "https://evil.example/cb"),
            action="development-operator",
        )
        assert status == 400
        assert "Location" not in headers

    in_browser(scenario)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"scope": "openid aws.cognito.signin.user.admin"}, "invalid_scope"),
    ],
)
def test_other_faults_of_a_registered_client_go_back_to_its_redirect_uri(changes, error):
    async def scenario(browser: Browser) -> None:
        status, headers, _ = await browser.authorize(**changes)
        assert status == 302
        location = urlsplit(headers["Location"])
        assert headers["Location"].startswith(browser.callback + "?")
        query = parse_qs(location.query)
        assert query["error"] == [error]
        assert query["state"] == [browser.state]
        assert "code" not in query

    in_browser(scenario)


def test_the_console_may_sign_in_at_localhost_too():
    async def scenario(browser: Browser) -> None:
        alias = browser.callback.replace("127.0.0.1", "localhost")
        status, _, page = await browser.authorize(redirect_uri=alias)
        assert status == 200
        status, headers, _ = await browser.submit(page, action="development-operator")
        assert status == 302
        assert headers["Location"].startswith(alias + "?code=")

    in_browser(scenario)


def test_sign_out_returns_to_a_registered_console_address_only():
    async def scenario(browser: Browser) -> None:
        console = f"{browser.base}/console/"
        url = f"{browser.base}/local-idp/logout"
        params = {"client_id": OPERATOR_TOOLS_CLIENT, "logout_uri": console}
        async with browser.http.get(url, params=params, allow_redirects=False) as response:
            assert response.status == 302
            assert response.headers["Location"] == console
        for bad in (
            {**params, "logout_uri": "https://evil.example/"},
            {**params, "client_id": "someone-else"},
            {"client_id": OPERATOR_TOOLS_CLIENT},
        ):
            async with browser.http.get(url, params=bad, allow_redirects=False) as response:
                assert response.status == 400
                assert "Location" not in response.headers

    in_browser(scenario)


def test_the_token_lifetime_is_a_setting():
    async def scenario(browser: Browser) -> None:
        status, tokens = await browser.exchange(await browser.code())
        assert status == 200
        assert tokens["expires_in"] == 2
        for token in (tokens["access_token"], tokens["id_token"]):
            claims = jwt.decode(token, options={"verify_signature": False})
            assert claims["exp"] - claims["iat"] == 2

    in_browser(scenario, access_token_ttl_s=2)


def test_the_discovery_document_names_the_code_flow_endpoints():
    async def scenario(browser: Browser) -> None:
        async with browser.http.get(
            f"{browser.base}/local-idp/.well-known/openid-configuration"
        ) as response:
            document = await response.json()
        issuer = browser.gateway.identity.issuer
        assert document["authorization_endpoint"] == f"{issuer}/oauth2/authorize"
        assert document["end_session_endpoint"] == f"{issuer}/logout"
        assert document["code_challenge_methods_supported"] == ["S256"]

    in_browser(scenario)


def test_on_the_platform_the_console_config_leads_to_a_token_for_the_real_operator_api(tmp_path):
    """The whole platform (catalog handlers, moto): the development operator it seeds signs in
    where config.json says, and the token lists the chargers."""

    async def scenario() -> tuple[int, Any, dict[str, Any]]:
        settings = LocalSettings(
            port=0, moto_port=0, console_dir=str(tmp_path), operator_password="seeded-secret"
        )
        async with LocalPlatform(settings) as platform, aiohttp.ClientSession() as http:
            async with http.get(f"{platform.console_url}config.json") as response:
                config = (await response.json())["auth"]
            browser = Browser(platform.gateway, http)
            status, _, page = await browser.authorize()
            assert status == 200
            assert config["authorizeUrl"] == f"{browser.base}/local-idp/oauth2/authorize"
            _, headers, _ = await browser.submit(page, email=OPERATOR, password="seeded-secret")
            code = parse_qs(urlsplit(headers["Location"]).query)["code"][0]
            form = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": browser.callback,
                "client_id": config["clientId"],
                "code_verifier": browser.verifier,
            }
            async with http.post(config["tokenUrl"], data=form) as response:
                tokens = await response.json()
            authorization = {"Authorization": f"Bearer {tokens['access_token']}"}
            async with http.get(f"{platform.http_url}/chargers", headers=authorization) as answer:
                return answer.status, answer.headers, await answer.json()

    status, _, body = run(scenario, timeout=120)
    assert status == 200, body
    assert body["items"] == []  # a fresh platform: the operator API's own (empty) page
