"""A small client of the operator HTTP API over urllib."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8080/api"
# The local platform's documented development token (it does not exist on AWS).
LOCAL_DEV_TOKEN = "dev-operator-token"  # noqa: S105
TIMEOUT_S = 35.0  # the API waits up to 20 s for a charger; API Gateway gives up at 29 s


class ApiError(Exception):
    """A non-2xx answer, in the API's error shape (or what could be made of it)."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, body: Any = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.body = body


class Unreachable(Exception):
    """The API could not be reached at all."""


@dataclass
class Client:
    base_url: str
    token: str | None
    timeout_s: float = TIMEOUT_S

    def request(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        """The decoded JSON answer (None for 204); raises ApiError or Unreachable."""
        url = self.base_url.rstrip("/") + path
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                return _decode(response.read())
        except urllib.error.HTTPError as exc:
            raise _api_error(exc.code, exc.read()) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Unreachable(f"cannot reach {self.base_url}: {reason}") from None

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query)


def quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def _api_error(status: int, raw: bytes) -> ApiError:
    body = _decode(raw)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return ApiError(
            status,
            str(error.get("code", "Error")),
            str(error.get("message", "")),
            error.get("details"),
            body,
        )
    if isinstance(error, str):  # OAuth's shape: the identity provider's token endpoint
        return ApiError(status, error, str(body.get("error_description", "")), None, body)
    # Not the API's shape: a gateway in between (e.g. API Gateway's own 401 or 503).
    message = body.get("message") if isinstance(body, dict) else body
    return ApiError(status, f"HTTP{status}", str(message or "no details"), None, body)
