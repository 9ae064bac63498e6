"""The certificate authority's key in a Secrets Manager secret (docs/adr/0041).

The secret holds `{"key": <PKCS#8 PEM>, "chain": <PEM, the CA's certificate first>}`. The
stack creates it without a CA (a generated placeholder): the first signing sets one up and
writes it with a fixed ClientRequestToken, so of two first signings at once one writes and the
other is refused and reads the winner's. An operator who brings their own CA (an intermediate
of their PKI) puts it in the secret before the first station asks. Read once per container.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from shared.adapters.aws_clients import error_code
from shared.ports.certificates import AuthorityMaterial

logger = logging.getLogger("csms.adapters.certificates")

# Secrets Manager's idempotency token of the first CA version (32 to 64 characters).
INITIAL_VERSION_TOKEN = "csms-certificate-authority-initial-v1"  # noqa: S105 - not a secret


def material_of(secret_string: str | None) -> AuthorityMaterial | None:
    """The CA a secret's value holds, or None for a placeholder (not a CA yet)."""
    try:
        values = json.loads(secret_string or "")
    except ValueError:
        return None
    if not isinstance(values, dict):
        return None
    key, chain = values.get("key"), values.get("chain")
    if not isinstance(key, str) or not isinstance(chain, str) or not key or not chain:
        return None
    return AuthorityMaterial(key_pem=key, chain_pem=chain)


def secret_string(material: AuthorityMaterial) -> str:
    return json.dumps({"key": material.key_pem, "chain": material.chain_pem})


class SecretAuthorityKeys:
    def __init__(self, client: Any, secret_id: str) -> None:
        self._client = client
        self._secret_id = secret_id
        self._material: AuthorityMaterial | None = None
        self._lock = threading.Lock()

    def load(self) -> AuthorityMaterial | None:
        with self._lock:
            if self._material is None:
                response = self._client.get_secret_value(SecretId=self._secret_id)
                self._material = material_of(response.get("SecretString"))
            return self._material

    def initialise(self, material: AuthorityMaterial) -> AuthorityMaterial:
        try:
            self._client.put_secret_value(
                SecretId=self._secret_id,
                SecretString=secret_string(material),
                ClientRequestToken=INITIAL_VERSION_TOKEN,
            )
        except Exception as exc:
            if error_code(exc) != "ResourceExistsException":
                raise
            logger.info("another signer set the certificate authority up first")
        with self._lock:
            self._material = None
        current = self.load()
        if current is None:
            raise RuntimeError(f"secret {self._secret_id} holds no certificate authority")
        return current
