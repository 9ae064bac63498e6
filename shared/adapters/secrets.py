"""Secrets from Secrets Manager, read once per container and kept in memory.

A secret is read on first use, not at import (a function that never pays anything never
calls Secrets Manager), then cached: one GetSecretValue per cold start, not per invocation.
A rotated secret reaches a container when it starts again (docs/payments.md says how to
roll one over).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from shared.config import ADMISSION_KEY_FIELD
from shared.observability import count_metric

logger = logging.getLogger("csms.adapters.secrets")


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


class SecretAdmissionKey:
    """The admission key (docs/adr/0027) from a Secrets Manager secret `{"key": "..."}`.

    Read on first use and kept for the container's life. A secret that cannot be read (denied,
    missing, Secrets Manager down) is no reason to refuse a charger: the key is None, admission
    runs scrypt as before, the failure is logged once and counted, and the read is tried again
    after `retry_after_s` (not on every connect: each try would add its latency).
    """

    def __init__(
        self,
        secret: CachedSecret,
        retry_after_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._secret = secret
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._key: bytes | None = None
        self._failed_at: float | None = None
        self._logged = False

    def key(self) -> bytes | None:
        if self._key is not None:
            return self._key
        if self._failed_at is not None and self._clock() - self._failed_at < self._retry_after_s:
            return None
        try:
            self._key = self._secret.field(ADMISSION_KEY_FIELD).encode("utf-8")
        except Exception:  # any failure: scrypt still decides correctly
            self._failed_at = self._clock()
            self._secret.forget()
            count_metric("AdmissionKeyUnavailable", {})
            if not self._logged:
                self._logged = True
                logger.warning(
                    "admission key unavailable: every password check runs scrypt",
                    exc_info=True,
                )
            return None
        self._failed_at = None
        return self._key
