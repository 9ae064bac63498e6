"""Why an operator request cannot be carried out. The HTTP layer maps each kind to a status."""

from __future__ import annotations

from typing import Any


class AdminError(Exception):
    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class NotFound(AdminError):
    def __init__(self, message: str) -> None:
        super().__init__("NotFound", message)


class Conflict(AdminError):
    def __init__(self, message: str) -> None:
        super().__init__("Conflict", message)


class InvalidRequest(AdminError):
    """A request that is well-formed but cannot be served (e.g. a range that is too wide)."""

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__("InvalidRequest", message, details)


class Unavailable(AdminError):
    """A dependency (the payment provider) did not answer: the same request may be retried."""

    def __init__(self, message: str) -> None:
        super().__init__("Unavailable", message)
