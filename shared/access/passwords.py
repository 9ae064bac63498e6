"""Charger passwords (OCPP security profiles 1 and 2, HTTP Basic auth).

Stored as salted scrypt hashes with their parameters, so the cost can be raised later without
invalidating stored hashes. scrypt is in the standard library: no native dependency to ship.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import secrets
from functools import cache

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


# A random 16-character password of hex digits has about ten different characters.
MIN_DISTINCT_CHARACTERS = 6


def password_problem(password: str, charge_point_id: str | None = None) -> str | None:
    """Why `password` may not be used for a charger, or None when it may.

    Beyond OCPP's length and character set: not guessable at a glance (too few different
    characters, a run like "abcdefghijklmnop", the charger's own id in it).
    """
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return f"a charger password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
    if not password.isascii() or not password.isprintable():
        return "a charger password uses printable ASCII characters only"
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return f"a charger password uses at least {MIN_DISTINCT_CHARACTERS} different characters"
    if _is_run(password):
        return "a charger password is not a run of consecutive characters"
    if charge_point_id and charge_point_id.lower() in password.lower():
        return "a charger password does not contain the charger's id"
    return None


def _is_run(password: str) -> bool:
    steps = [ord(b) - ord(a) for a, b in itertools.pairwise(password)]
    return sum(abs(step) == 1 for step in steps) >= 0.75 * len(steps)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


@cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(24))


def spend_a_check(password: str) -> None:
    """The cost of a real check, for a charger id that has no password to check: a refusal
    must not be quicker for an unknown id than for a wrong password."""
    verify_password(password, _decoy_hash())


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
