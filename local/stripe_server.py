"""localstripe as the local Stripe API: a child process on a free port, stopped with the platform.

It covers the payment flow the platform runs (customers, saved cards, manual-capture holds,
partial capture, release, refunds, SetupIntents) and signs webhooks it sends for
payment_intent.succeeded / payment_failed. It does not honour idempotency keys, decline codes,
3-D Secure off session or capture failures: the in-memory provider covers those in tests
(docs/adr/0021-payments.md has the whole matrix).

localstripe pickles its whole store to /tmp/localstripe.pickle on every write, a file other
runs on the machine share; the child turns that off, so every server starts empty.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

_CHILD = (
    "import localstripe.resources as r, localstripe.server as s, os, sys, threading, time\n"
    "r.Store.dump_to_disk = lambda self: None\n"
    # Ends with its parent, however the parent ends (even killed): no orphaned servers.
    "parent = os.getppid()\n"
    "def watch():\n"
    "    while os.getppid() == parent:\n"
    "        time.sleep(0.5)\n"
    "    os._exit(0)\n"
    "threading.Thread(target=watch, daemon=True).start()\n"
    "sys.argv = ['localstripe', '--from-scratch', '--port', sys.argv[1]]\n"
    "s.start()\n"
)
# Any key works with localstripe; it only has to look like a test key.
API_KEY = "sk_test_local"


class StripeServerError(RuntimeError):
    """localstripe is not installed or did not start."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalStripe:
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def api_base(self) -> str:
        """What STRIPE_API_BASE is set to for the functions."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 15.0) -> LocalStripe:
        if importlib.util.find_spec("localstripe") is None:
            raise StripeServerError("localstripe is not installed (requirements/dev.txt)")
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
            [sys.executable, "-c", _CHILD, str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                raise StripeServerError(f"localstripe exited: {error[-500:]}")
            if self._answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise StripeServerError(f"localstripe did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def send_webhooks_to(self, url: str, secret: str, events: list[str] | None = None) -> None:
        """Have localstripe post its events to `url`, signed with `secret` (its own
        /_config/webhooks extension: Stripe's webhook endpoints API is not there)."""
        data = {"url": url, "secret": secret}
        body = urllib.parse.urlencode(data) + "".join(
            f"&events[]={urllib.parse.quote(e)}" for e in events or []
        )
        request = urllib.request.Request(  # noqa: S310 - the local server's http address
            f"{self.api_base}/_config/webhooks/local", data=body.encode(), method="POST"
        )
        request.add_header("Authorization", f"Bearer {API_KEY}")
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310
            pass

    def _answers(self) -> bool:
        request = urllib.request.Request(  # noqa: S310 - the local server's http address
            f"{self.api_base}/v1/customers?limit=1",
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=1) as response:  # noqa: S310
                json.load(response)
                return True
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def __enter__(self) -> LocalStripe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
