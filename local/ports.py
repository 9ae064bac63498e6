"""One message for a port the platform cannot bind (the gateway's and moto's alike)."""

from __future__ import annotations

import os


def bind_error(what: str, host: str, port: int, exc: OSError, flag: str) -> OSError:
    """`[Errno 98] moto port 4566 on 127.0.0.1: Address already in use (choose another with
    --moto-port)`: which port, why, and what to do; the errno is kept for callers."""
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    return OSError(exc.errno, f"{what} {port} on {host}: {reason} (choose another with {flag})")
