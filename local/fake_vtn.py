"""A fake OpenADR 3 VTN on a local port: what the VEN adapter (shared/adapters/openadr.py)
talks to in tests and on a laptop, with no network (docs/adr/0050-grid-signals.md).

    with FakeVtn() as vtn:                     # client ven-1 / secret, on 127.0.0.1:<port>
        program = vtn.add_program({"programName": "site-limits", "payloadDescriptors": [...]})
        vtn.put_event({"programID": program["id"], "intervals": [...]})   # notifies subscribers
        vtn.delete_event(event_id)
        vtn.base_url, vtn.subscriptions, vtn.deliveries

Endpoints (OpenADR 3.0.1, the ones the VEN uses): GET /auth/server (the token URL), POST
/auth/token (client credentials, HTTP Basic or form fields), GET /programs, GET /events
(programID, skip, limit), GET/POST /subscriptions, DELETE /subscriptions/{id}. Every other
call needs the bearer token it issued. With `subscriptions=False` the VTN answers 404 to
/subscriptions (a VTN that only polls). Notifications are POSTed to each subscriber's
callbackUrl with its bearerToken as the event changes; `deliveries` records (url, status) of
each. openadr3-client 2.4.2 (3.0.1 and 3.1.0 clients, on Python 3.13) reads its programmes,
events and subscriptions.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger("local.fake_vtn")

MAX_BODY = 64 * 1024


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class FakeVtn:
    def __init__(
        self,
        client_id: str = "ven-1",
        client_secret: str = "secret",  # noqa: S107 - a local fake's credential
        *,
        subscriptions: bool = True,
        token_lifetime_s: int = 3600,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.takes_subscriptions = subscriptions
        self.token_lifetime_s = token_lifetime_s
        self.programs: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.tokens: set[str] = set()
        self.requests: list[tuple[str, str]] = []  # (method, path) of every call
        self.deliveries: list[tuple[str, int]] = []  # (callback url, status or 0: unreachable)
        self._lock = threading.Lock()
        self._counter = 0
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeVtn:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeVtn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- content, from Python -----------------------------------------------------------

    def _id(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            return f"{prefix}-{self._counter}"

    def add_program(self, program: dict[str, Any]) -> dict[str, Any]:
        stored = {"objectType": "PROGRAM", "createdDateTime": _now(), **program}
        stored.setdefault("id", self._id("program"))
        stored["modificationDateTime"] = _now()
        self.programs[stored["id"]] = stored
        self._notify("PROGRAM", "POST", stored)
        return stored

    def put_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Create or replace an event (by id): POST or PUT to subscribers."""
        stored = {"objectType": "EVENT", "createdDateTime": _now(), **event}
        stored.setdefault("id", self._id("event"))
        operation = "PUT" if stored["id"] in self.events else "POST"
        stored["modificationDateTime"] = _now()
        self.events[stored["id"]] = stored
        self._notify("EVENT", operation, stored)
        return stored

    def delete_event(self, event_id: str) -> None:
        event = self.events.pop(event_id)
        self._notify("EVENT", "DELETE", event)

    def revoke_tokens(self) -> None:
        """Every issued token stops working (the VEN must fetch a new one)."""
        self.tokens.clear()

    def _notify(self, object_type: str, operation: str, item: dict[str, Any]) -> None:
        body = json.dumps(
            {"objectType": object_type, "operation": operation, "object": item}
        ).encode()
        for subscription in list(self.subscriptions.values()):
            program = subscription.get("programID")
            if program and item.get("programID", item.get("id")) != program:
                continue
            for target in subscription.get("objectOperations", []):
                if object_type not in target.get("objects", []):
                    continue
                if operation not in target.get("operations", []):
                    continue
                self.deliveries.append((target["callbackUrl"], _post(target, body)))


def _post(target: dict[str, Any], body: bytes) -> int:
    headers = {"Content-Type": "application/json"}
    if target.get("bearerToken"):
        headers["Authorization"] = f"Bearer {target['bearerToken']}"
    request = urllib.request.Request(  # noqa: S310 - a local fake posting to its subscribers
        target["callbackUrl"], data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def _handler(vtn: FakeVtn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            logger.debug(format, *args)

        def _reply(self, status: int, payload: Any) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _problem(self, status: int, detail: str) -> None:
            self._reply(status, {"type": "about:blank", "status": status, "detail": detail})

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(min(length, MAX_BODY))

        def _authorised(self) -> bool:
            scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
            if scheme.lower() == "bearer" and token in vtn.tokens:
                return True
            self._problem(401, "missing or unknown bearer token")
            return False

        def _route(self, method: str) -> None:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            vtn.requests.append((method, url.path))
            if method == "POST" and url.path == "/auth/token":
                self._token()
                return
            if method == "GET" and url.path == "/auth/server":  # discovery (OpenADR 3.1)
                self._reply(200, {"tokenURL": f"{vtn.base_url}/auth/token"})
                return
            if not self._authorised():
                return
            if url.path.startswith("/subscriptions") and not vtn.takes_subscriptions:
                self._problem(404, "this VTN takes no subscriptions")
                return
            if method == "GET" and url.path == "/programs":
                self._page(list(vtn.programs.values()), query)
            elif method == "GET" and url.path == "/events":
                events = [
                    e
                    for e in vtn.events.values()
                    if "programID" not in query or e.get("programID") == query["programID"]
                ]
                self._page(events, query)
            elif method == "GET" and url.path == "/subscriptions":
                found = [
                    s
                    for s in vtn.subscriptions.values()
                    if "clientName" not in query or s.get("clientName") == query["clientName"]
                ]
                self._page(found, query)
            elif method == "POST" and url.path == "/subscriptions":
                self._subscribe()
            elif method == "DELETE" and url.path.startswith("/subscriptions/"):
                gone = vtn.subscriptions.pop(url.path.rsplit("/", 1)[1], None)
                if gone is None:
                    self._problem(404, "no such subscription")
                else:
                    self._reply(200, gone)
            else:
                self._problem(404, f"{method} {url.path} is not served here")

        def _token(self) -> None:
            form = {k: v[-1] for k, v in parse_qs(self._body().decode(errors="replace")).items()}
            client_id, secret = form.get("client_id"), form.get("client_secret")
            scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
            if scheme.lower() == "basic":
                try:
                    client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
                except ValueError:
                    client_id = secret = None
            if form.get("grant_type") != "client_credentials":
                self._reply(400, {"error": "unsupported_grant_type"})
                return
            if client_id != vtn.client_id or secret != vtn.client_secret:
                self._reply(401, {"error": "invalid_client"})
                return
            token = secrets.token_urlsafe(16)
            vtn.tokens.add(token)
            self._reply(
                200,
                {
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": vtn.token_lifetime_s,
                },
            )

        def _page(self, items: list[dict[str, Any]], query: dict[str, str]) -> None:
            try:
                skip = int(query.get("skip", 0))
                limit = int(query.get("limit", 50))
            except ValueError:
                self._problem(400, "skip and limit are integers")
                return
            self._reply(200, items[skip : skip + limit])

        def _subscribe(self) -> None:
            try:
                subscription = json.loads(self._body())
                targets = subscription["objectOperations"]
                complete = bool(targets) and all(
                    t["callbackUrl"] and t["objects"] and t["operations"] for t in targets
                )
            except (ValueError, KeyError, TypeError):
                complete = False
            if not complete:
                self._problem(400, "not a subscription")
                return
            stored = {"objectType": "SUBSCRIPTION", "createdDateTime": _now(), **subscription}
            stored["id"] = vtn._id("subscription")
            stored["modificationDateTime"] = stored["createdDateTime"]
            vtn.subscriptions[stored["id"]] = stored
            self._reply(201, stored)

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_DELETE(self) -> None:
            self._route("DELETE")

    return Handler
