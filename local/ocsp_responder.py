"""A local ISO 15118 contract PKI with its OCSP responder (docs/adr/0042), served over HTTP on
a local port so the handlers' real OCSP client (shared/adapters/ocsp_http.py) talks to it.

    with LocalContractPki() as pki:        # a root, a contract sub-CA, a responder on a port
        contract = pki.issue("DE8ACC12345678")          # good
        pki.revoke(contract.certificate)                # now revoked
        contract.hash_data()                            # iso15118CertificateHashData
        pki.environment                                 # OCSP_RESPONDER_URL, roots, pool

Answers are signed by the certificate's issuer (RFC 6960 4.2.2.2), valid for an hour
(nextUpdate), and built with cryptography's OCSPResponseBuilder; a serial the PKI did not issue
is `unknown`. `respond()` answers in-process (unit tests without a socket).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

logger = logging.getLogger("local.ocsp_responder")

State = Literal["good", "revoked"]
ANSWER_VALIDITY = timedelta(hours=1)
MAX_REQUEST_BYTES = 16 * 1024


@dataclass
class Authority:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass(frozen=True)
class Contract:
    """A contract certificate and the chain a station would hold for it."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...]  # leaf first, up to (excluding) the root
    root: x509.Certificate
    responder_url: str

    @property
    def pem_chain(self) -> str:
        return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in self.chain)

    def hash_data(self, algorithm: str = "SHA256") -> list[dict[str, str]]:
        """The OCPP iso15118CertificateHashData of the chain (leaf first)."""
        issuers = [*self.chain[1:], self.root]
        return [
            ocsp_request_data(cert, issuer, self.responder_url, algorithm)
            for cert, issuer in zip(self.chain, issuers, strict=True)
        ]


def ocsp_request_data(
    cert: x509.Certificate, issuer: x509.Certificate, url: str, algorithm: str = "SHA256"
) -> dict[str, str]:
    digest = {"SHA256": hashes.SHA256(), "SHA384": hashes.SHA384(), "SHA512": hashes.SHA512()}[
        algorithm
    ]
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, digest).build()
    return {
        "hashAlgorithm": algorithm,
        "issuerNameHash": request.issuer_name_hash.hex(),
        "issuerKeyHash": request.issuer_key_hash.hex(),
        "serialNumber": format(request.serial_number, "X"),
        "responderURL": url,
    }


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: Authority | None,
    *,
    ca: bool,
    not_before: datetime,
    not_after: datetime,
    ocsp_url: str | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.certificate.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ocsp_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
                    )
                ]
            ),
            critical=False,
        )
    return builder.sign(issuer.key if issuer else key, hashes.SHA256())


@dataclass
class LocalContractPki:
    host: str = "127.0.0.1"
    port: int = 0
    # Serial -> state of every certificate this PKI issued; others are `unknown`.
    states: dict[int, State] = field(default_factory=dict)
    # Set to make the responder answer with an OCSP error status (e.g. tryLater).
    failing: bool = False

    def __post_init__(self) -> None:
        now = datetime.now(UTC)
        root_key = ec.generate_private_key(ec.SECP256R1())
        root = _certificate(
            "Local V2G Root",
            root_key,
            None,
            ca=True,
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=3650),
        )
        self.root = Authority(root, root_key)
        sub_key = ec.generate_private_key(ec.SECP256R1())
        sub = _certificate(
            "Local MO Sub-CA",
            sub_key,
            self.root,
            ca=True,
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=1825),
        )
        self.sub_ca = Authority(sub, sub_key)
        self.states[sub.serial_number] = "good"
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # The PKI

    @property
    def url(self) -> str:
        if self._server is None:
            return f"http://{self.host}:{self.port}/ocsp"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/ocsp"

    @property
    def environment(self) -> dict[str, str]:
        """What the handlers need to use this PKI (and the local contract pool)."""
        return {
            "OCSP_RESPONDER_URL": self.url,
            "CONTRACT_ROOT_CERTIFICATES": self.root.pem,
            "CONTRACT_POOL": "local",
        }

    def issue(
        self, emaid: str, *, state: State = "good", expired: bool = False, ocsp_url: bool = True
    ) -> Contract:
        now = datetime.now(UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        valid_from, valid_to = (
            (now - timedelta(days=30), now - timedelta(days=1))
            if expired
            else (now - timedelta(hours=1), now + timedelta(days=365))
        )
        cert = _certificate(
            emaid,
            key,
            self.sub_ca,
            ca=False,
            not_before=valid_from,
            not_after=valid_to,
            ocsp_url=self.url if ocsp_url else None,
        )
        with self._lock:
            self.states[cert.serial_number] = state
        return Contract(cert, key, (cert, self.sub_ca.certificate), self.root.certificate, self.url)

    def revoke(self, cert: x509.Certificate) -> None:
        with self._lock:
            self.states[cert.serial_number] = "revoked"

    def respond(self, request_der: bytes) -> bytes:
        """The DER OCSPResponse to a DER OCSPRequest (one certificate per request)."""
        try:
            request = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST
            ).public_bytes(serialization.Encoding.DER)
        if self.failing:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.TRY_LATER
            ).public_bytes(serialization.Encoding.DER)
        issuer = self._issuer(request)
        if issuer is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED
            ).public_bytes(serialization.Encoding.DER)
        with self._lock:
            state = self.states.get(request.serial_number)
        now = datetime.now(UTC).replace(microsecond=0)
        status = {
            "good": ocsp.OCSPCertStatus.GOOD,
            "revoked": ocsp.OCSPCertStatus.REVOKED,
            None: ocsp.OCSPCertStatus.UNKNOWN,
        }[state]
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number,
            algorithm=request.hash_algorithm,
            cert_status=status,
            this_update=now,
            next_update=now + ANSWER_VALIDITY,
            revocation_time=now if state == "revoked" else None,
            revocation_reason=None,
        )
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.certificate)
        return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def _issuer(self, request: ocsp.OCSPRequest) -> Authority | None:
        for authority in (self.sub_ca, self.root):
            expected = (
                ocsp.OCSPRequestBuilder()
                .add_certificate(
                    authority.certificate, authority.certificate, request.hash_algorithm
                )
                .build()
            )
            if expected.issuer_key_hash == request.issuer_key_hash:
                return authority
        return None

    # The HTTP server

    def start(self) -> LocalContractPki:
        pki = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 < length <= MAX_REQUEST_BYTES:
                    self.send_error(400)
                    return
                body = pki.respond(self.rfile.read(length))
                self.send_response(200)
                self.send_header("Content-Type", "application/ocsp-response")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug(format, *args)

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-ocsp", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> LocalContractPki:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
