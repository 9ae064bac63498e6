"""Charger passwords (OCPP security profiles 1 and 2, HTTP Basic auth).

Stored as salted scrypt hashes with their parameters, so the cost can be raised later without
invalidating stored hashes. scrypt is in the standard library: no native dependency to ship.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

# RFC 7914 interactive parameters: ~16 MiB of memory per check makes brute force expensive.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
KEY_LENGTH = 32
SALT_BYTES = 16
# OCPP 2.0.1 BasicAuthPassword: 16 to 40 characters (1.6's AuthorizationKey is at least 16).
MIN_PASSWORD_LENGTH = 16
MAX_PASSWORD_LENGTH = 40


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        dklen=KEY_LENGTH,
        maxmem=64 * 1024 * 1024,
    )


def password_problem(password: str) -> str | None:
    """Why `password` may not be used for a charger, or None when it may."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return f"a charger password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
    if not password.isascii() or not password.isprintable():
        return "a charger password uses printable ASCII characters only"
    return None


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of `password` against a stored hash; False for a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = _scrypt(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p))
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


def parse_basic_auth(header: str | None) -> tuple[str, str] | None:
    """(username, password) from an `Authorization: Basic ...` header, or None."""
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return username, password
