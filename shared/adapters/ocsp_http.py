"""OCSP over HTTP (RFC 6960 appendix A: POST application/ocsp-request), with an in-process
cache of answers until their nextUpdate (docs/adr/0042).

Which responder is asked: the configured one (`responder_url`, e.g. the local fake or an
operator's OCSP proxy) for every request; otherwise the request's responderURL, only when it is
http(s) and its host is one the operator allowed: the URL comes from a station (or a
certificate it sent), and the CSMS does not fetch arbitrary addresses on a station's word.

`cryptography` is imported on first use: the WebSocket path pays for it only when a message
carries certificate data.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from shared.ports.ocsp import (
    CertificateState,
    OcspAnswer,
    OcspRequestData,
    OcspResponder,
    OcspUnavailable,
)

logger = logging.getLogger("csms.adapters.ocsp")

# (url, body, timeout seconds) -> response body; raises OSError (urllib's errors are OSErrors).
Post = Callable[[str, bytes, float], bytes]

DEFAULT_TIMEOUT_S = 3.0
# The largest OCSP response read: GetCertificateStatus can carry 5500 base64 characters.
MAX_RESPONSE_BYTES = 64 * 1024
# An answer is kept at most this long, even when its nextUpdate is later.
MAX_CACHE_AGE = timedelta(hours=24)
MAX_CACHE_ENTRIES = 2048


def urllib_post(url: str, body: bytes, timeout_s: float) -> bytes:
    import urllib.request  # on first use: http.client and ssl stay off the cold start

    request = urllib.request.Request(  # noqa: S310 - the scheme is checked by the caller
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/ocsp-request", "Accept": "application/ocsp-response"},
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
        return bytes(response.read(MAX_RESPONSE_BYTES + 1))


def _hash(name: str) -> Any:
    from cryptography.hazmat.primitives import hashes

    algorithms: dict[str, hashes.HashAlgorithm] = {
        "SHA256": hashes.SHA256(),
        "SHA384": hashes.SHA384(),
        "SHA512": hashes.SHA512(),
    }
    return algorithms[name]


class HttpOcspResponder:
    def __init__(
        self,
        responder_url: str | None = None,
        allowed_hosts: tuple[str, ...] = (),
        timeout_s: float = DEFAULT_TIMEOUT_S,
        post: Post = urllib_post,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._responder_url = responder_url
        self._allowed_hosts = {h.lower() for h in allowed_hosts}
        self._timeout_s = timeout_s
        self._post = post
        self._now = now

    def url_for(self, request: OcspRequestData) -> str:
        if self._responder_url:
            return self._responder_url
        url = request.responder_url.strip()
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in {"http", "https"} or host not in self._allowed_hosts:
            raise OcspUnavailable(f"responder not allowed: {url[:100]!r}")
        return url

    def status(self, request: OcspRequestData, issuer_der: bytes | None = None) -> OcspAnswer:
        from cryptography.x509 import ocsp

        url = self.url_for(request)
        try:
            builder = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
                bytes.fromhex(request.issuer_name_hash),
                bytes.fromhex(request.issuer_key_hash),
                int(request.serial_number, 16),
                _hash(request.hash_algorithm),
            )
            body = builder.build().public_bytes(_der())
        except (ValueError, KeyError) as exc:
            raise OcspUnavailable(f"request data unusable: {exc}") from exc
        try:
            der = self._post(url, body, self._timeout_s)
        except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts, refused
            raise OcspUnavailable(f"responder unreachable: {exc}") from exc
        if len(der) > MAX_RESPONSE_BYTES:
            raise OcspUnavailable("response too large")
        return parse_answer(der, request, issuer_der, self._now())


def _der() -> Any:
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


def parse_answer(
    der: bytes, request: OcspRequestData, issuer_der: bytes | None, now: datetime
) -> OcspAnswer:
    """The answer to `request` in an OCSPResponse. Raises OcspUnavailable when the response is
    not successful, does not parse, does not name the request's certificate or is outdated."""
    from cryptography.x509 import ocsp

    try:
        response = ocsp.load_der_ocsp_response(der)
    except ValueError as exc:
        raise OcspUnavailable("response does not parse") from exc
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspUnavailable(f"responder answered {response.response_status.name}")
    try:
        key = request.key
    except ValueError as exc:
        raise OcspUnavailable("serial number is not hex") from exc
    for single in response.responses:
        if (
            single.hash_algorithm.name.upper().replace("-", "") == key[0]
            and single.issuer_name_hash.hex() == key[1]
            and single.issuer_key_hash.hex() == key[2]
            and single.serial_number == key[3]
        ):
            break
    else:
        raise OcspUnavailable("response does not answer the request")
    this_update = single.this_update_utc
    next_update = single.next_update_utc
    slack = timedelta(minutes=5)  # clocks differ
    if this_update > now + slack or (next_update is not None and next_update < now - slack):
        raise OcspUnavailable("response is not current")
    state: CertificateState = {
        ocsp.OCSPCertStatus.GOOD: "good",
        ocsp.OCSPCertStatus.REVOKED: "revoked",
    }.get(single.certificate_status, "unknown")  # type: ignore[assignment]
    verified = None if issuer_der is None else _signed_by_issuer(response, issuer_der)
    return OcspAnswer(state, der, this_update, next_update, verified)


def _signed_by_issuer(response: Any, issuer_der: bytes) -> bool:
    """Signed by the issuer itself, or by a responder certificate it issued for OCSP signing."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        issuer = x509.load_der_x509_certificate(issuer_der)
    except ValueError:
        return False
    if _verifies(issuer.public_key(), response):
        return True
    for delegate in response.certificates:
        try:
            delegate.verify_directly_issued_by(issuer)
            usage = delegate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except (InvalidSignature, ValueError, TypeError, x509.ExtensionNotFound):
            continue  # not a delegate of this issuer
        if ExtendedKeyUsageOID.OCSP_SIGNING in usage and _verifies(delegate.public_key(), response):
            return True
    return False


def _verifies(public_key: Any, response: Any) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    algorithm = response.signature_hash_algorithm
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(algorithm))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(
                response.signature, response.tbs_response_bytes, padding.PKCS1v15(), algorithm
            )
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


class CachingOcspResponder:
    """Answers kept in this process until their nextUpdate (at most MAX_CACHE_AGE); an answer
    without nextUpdate is not kept (RFC 5019: newer information is always available). A Lambda
    container serves many messages, so a station's repeated Authorize or GetCertificateStatus
    costs the responder one request per nextUpdate period per container."""

    def __init__(
        self, inner: OcspResponder, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._inner = inner
        self._now = now
        self._answers: OrderedDict[tuple[Any, ...], tuple[OcspAnswer, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def status(self, request: OcspRequestData, issuer_der: bytes | None = None) -> OcspAnswer:
        try:
            key: tuple[Any, ...] = (*request.key, issuer_der is not None)
        except ValueError as exc:
            raise OcspUnavailable("serial number is not hex") from exc
        now = self._now()
        with self._lock:
            cached = self._answers.get(key)
            if cached is not None and cached[1] > now:
                return cached[0]
        answer = self._inner.status(request, issuer_der)
        if answer.next_update is not None and answer.next_update > now:
            until = min(answer.next_update, now + MAX_CACHE_AGE)
            with self._lock:
                self._answers[key] = (answer, until)
                self._answers.move_to_end(key)
                while len(self._answers) > MAX_CACHE_ENTRIES:
                    self._answers.popitem(last=False)
        return answer
