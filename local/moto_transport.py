"""boto3 calls to the embedded moto, answered in this process instead of over a socket.

The handlers, the resource set-up and the stream/rule delivery all run in the same process
as the embedded moto server. Their requests are still built, signed and parsed by botocore
exactly as for AWS; only the hop through a local TCP socket, the HTTP server's thread per
connection and the HTTP parsing are skipped: botocore's `before-send` hook hands the
prepared request to moto's WSGI application (the same application the server runs, with
its DynamoDB lock) and returns its answer. Under load that hop dominated: every DynamoDB
call waited for the HTTP server thread to get the GIL (150-580 ms medians at 100 chargers).

Tools in other processes (the CLI, the AWS CLI with --endpoint-url) still use the server's
port and see the same state: moto's backends are process-global.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

WsgiApp = Callable[[dict[str, Any], Any], Any]

_HOOK_EVENT = "before-send"


class InProcessTransport:
    """Answers botocore requests whose URL starts with `endpoint` by calling `app`."""

    def __init__(self, endpoint: str, app: WsgiApp) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._app = app
        # Set by uninstall(): sessions created before keep this handler, but their calls must
        # go over the socket from then on, to whatever serves the endpoint now. A later
        # platform may get the same port, and its moto application (with its interceptors,
        # local/moto_server.py) is not this one.
        self.retired = False

    def __call__(self, request: Any, **_: Any) -> Any:
        if self.retired:
            return None
        url: str = request.url
        if url != self._endpoint and not url.startswith(self._endpoint + "/"):
            return None  # another endpoint (e.g. the gateway's @connections API)
        return self.send(request)

    def send(self, request: Any) -> Any:
        from botocore.awsrequest import AWSResponse
        from botocore.compat import HTTPHeaders
        from moto.core.botocore_stubber import MockRawResponse
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        parts = urlsplit(request.url)
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        builder = EnvironBuilder(
            method=request.method,
            base_url=f"{parts.scheme}://{parts.netloc}",
            path=parts.path or "/",
            query_string=parts.query,
            headers=[(name, _text(value)) for name, value in request.headers.items()],
            data=body or b"",
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        app_iter, status, headers = run_wsgi_app(self._app, environ, buffered=True)
        try:
            content = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        response_headers = HTTPHeaders()
        for name, value in headers.items():
            response_headers[name] = value
        return AWSResponse(
            request.url,
            int(status.split(" ", 1)[0]),
            response_headers,
            MockRawResponse(content),
        )


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


_installed_lock = threading.Lock()


def install(transport: InProcessTransport) -> None:
    """Route requests of botocore sessions created from now on through `transport`.

    botocore copies its built-in handlers into every new session; clients created before
    (and cached) keep sending over HTTP, which still works.
    """
    from botocore import handlers

    with _installed_lock:
        handlers.BUILTIN_HANDLERS.append((_HOOK_EVENT, transport))


def uninstall(transport: InProcessTransport) -> None:
    from botocore import handlers

    transport.retired = True
    with _installed_lock:
        entry = (_HOOK_EVENT, transport)
        if entry in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.remove(entry)
