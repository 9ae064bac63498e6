"""The fast admission check (docs/adr/0027-fast-admission-check.md).

A charger reconnects every two hours at least (API Gateway closes every WebSocket), and its
password does not change in between. After scrypt has said yes once, the charger record keeps
a *verifier*: HMAC-SHA256, under the deployment's admission key (a secret kept outside the
tables), of the charger id, the stored scrypt hash and the password. A reconnect recomputes
it and compares in constant time: microseconds instead of scrypt's tens of milliseconds.

The verifier is worthless without the key, and bound to the hash: a password change (a new
hash, a new salt) or another key makes every old verifier miss, and a miss is never a refusal
by itself, only a reason to run scrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

VERIFIER_SCHEME = "hmac-sha256"
_DOMAIN = b"csms-charger-admission-v1"


def _field(value: str) -> bytes:
    raw = value.encode("utf-8")
    return len(raw).to_bytes(4, "big") + raw


def make_verifier(key: bytes, charge_point_id: str, password_hash: str, password: str) -> str:
    """The verifier of `password` for this charger while `password_hash` is its hash."""
    # Length-prefixed fields: no two (id, hash, password) triples give the same message.
    message = _DOMAIN + _field(charge_point_id) + _field(password_hash) + _field(password)
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return f"{VERIFIER_SCHEME}${base64.b64encode(digest).decode('ascii')}"


def verifier_matches(
    key: bytes, charge_point_id: str, password_hash: str, password: str, stored: str
) -> bool:
    """Whether `stored` is this password's verifier under this key and hash (constant time)."""
    expected = make_verifier(key, charge_point_id, password_hash, password)
    return hmac.compare_digest(expected.encode("ascii"), stored.encode("utf-8", "replace"))
