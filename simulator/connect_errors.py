"""Plain-language reasons for a WebSocket that could not be opened.

aiohttp words these for HTTP clients ("Cannot connect to host ... ssl:default [...]"), which
misleads on a ws:// URL; a newcomer needs to know what failed and what to try.
"""

from __future__ import annotations

import errno
from urllib.parse import urlsplit

import aiohttp

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})  # noqa: S104


def describe_connect_failure(endpoint: str, exc: BaseException, timeout_s: float) -> str:
    """'cannot connect to {endpoint}: {why} — {hint}' for a failed WebSocket open."""
    return f"cannot connect to {endpoint}: {_why(exc, timeout_s)} — {_hint(endpoint, exc)}"


def _why(exc: BaseException, timeout_s: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer to the handshake within {timeout_s:g} s"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "host name not found"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return "TLS certificate not trusted"
    if isinstance(exc, aiohttp.ClientConnectorError):
        code = exc.os_error.errno
        if code == errno.ECONNREFUSED:
            return "connection refused"
        if code in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "network unreachable"
        return exc.strerror or type(exc).__name__
    return str(exc) or type(exc).__name__


def _hint(endpoint: str, exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return "check the endpoint's certificate"
    if urlsplit(endpoint).hostname in LOCAL_HOSTS:
        return "is the platform running? (`make run`)"
    return "check --url (and that the endpoint is deployed)"
