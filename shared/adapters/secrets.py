"""Secrets from Secrets Manager, read once per container and kept in memory.

A secret is read on first use, not at import (a function that never pays anything never
calls Secrets Manager), then cached: one GetSecretValue per cold start, not per invocation.
A rotated secret reaches a container when it starts again (docs/payments.md says how to
roll one over).
"""

from __future__ import annotations

import json
import threading
from typing import Any


class SecretError(RuntimeError):
    """The secret is missing, not JSON, or lacks a field: a deployment mistake."""


class CachedSecret:
    def __init__(self, client: Any, secret_id: str) -> None:
        self._client = client
        self._secret_id = secret_id
        self._values: dict[str, str] | None = None
        self._lock = threading.Lock()

    def field(self, name: str) -> str:
        """A field of the secret's JSON object."""
        values = self._load()
        value = values.get(name)
        if not isinstance(value, str) or not value:
            raise SecretError(f"secret {self._secret_id} has no {name!r}")
        return value

    def forget(self) -> None:
        """Read the secret again on next use (after the provider refused the cached key)."""
        with self._lock:
            self._values = None

    def _load(self) -> dict[str, str]:
        with self._lock:
            if self._values is None:
                response = self._client.get_secret_value(SecretId=self._secret_id)
                try:
                    values = json.loads(response["SecretString"])
                except (KeyError, TypeError, ValueError):
                    raise SecretError(f"secret {self._secret_id} is not a JSON object") from None
                if not isinstance(values, dict):
                    raise SecretError(f"secret {self._secret_id} is not a JSON object")
                self._values = values
            return self._values
