"""TLS for the local platform's charger endpoint: wss:// as CloudFront / API Gateway serve it,
so OCPP security profile 2 (TLS + HTTP Basic auth) is exercised end to end
(docs/adr/0043-security-profiles.md).

At start a local certificate authority (kept and reused while valid) signs a fresh server
certificate for the gateway's names (localhost, 127.0.0.1, ::1 and the configured host).
Chargers trust the CA file: `python -m simulator --url wss://localhost:8443/ocpp --ca-file
<dir>/ca.pem`. The files live in the state folder (or a temporary one): a development CA,
never a secret worth guarding, and its key never leaves this machine.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from shared.certificates.x509 import new_authority

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
CA_LIFETIME = dt.timedelta(days=825)
SERVER_LIFETIME = dt.timedelta(days=30)
# A CA that expires sooner than this is replaced at start.
CA_RENEW_BEFORE = dt.timedelta(days=31)
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class LocalTls:
    """The files of a started platform's TLS endpoint."""

    directory: Path
    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2  # OCPP security profile 2: TLS 1.2+
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """What a charger on this machine uses to verify the gateway."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


def _load_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    cert_path, key_path = directory / CA_FILE, directory / CA_KEY_FILE
    if not cert_path.is_file() or not key_path.is_file():
        return None
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except ValueError:
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    if cert.not_valid_after_utc - CA_RENEW_BEFORE < _now():
        return None
    return cert, key


def _new_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key_pem, cert_pem = new_authority(
        "CSMS", _now(), CA_LIFETIME, common_name="CSMS local development CA"
    )
    _write_private(directory / CA_KEY_FILE, key_pem.encode("ascii"))
    (directory / CA_FILE).write_text(cert_pem)
    loaded = _load_ca(directory)
    if loaded is None:  # only if the file system lost what was just written
        raise OSError(f"the development CA written to {directory} cannot be read back")
    return loaded


def _alt_names(hosts: tuple[str, ...]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys((*_LOOPBACK_NAMES, *hosts)):
        if not host or host in ("0.0.0.0", "::"):  # noqa: S104 - a wildcard, not a name
            continue
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def ensure_tls(directory: Path, hosts: tuple[str, ...] = ()) -> LocalTls:
    """The CA (kept while valid, else new) and a new server certificate for `hosts` and the
    loopback names, written to `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = _load_ca(directory) or _new_ca(directory)
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + SERVER_LIFETIME, ca_cert.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName(_alt_names(hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(directory / KEY_FILE, _pem_key(key))
    (directory / CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return LocalTls(directory, directory / CA_FILE, directory / CERT_FILE, directory / KEY_FILE)
