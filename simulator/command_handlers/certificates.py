"""A simulated station's certificate (OCPP 2.0.1 A02/A03, the 1.6 security extension).

Asked by TriggerMessage SignChargingStationCertificate (2.0.1) or ExtendedTriggerMessage
SignChargePointCertificate (1.6), the station makes a new EC P-256 key and a CSR whose
commonName is its identity, and sends SignCertificate. CertificateSigned installs the chain it
gets back only if its certificate is for that key and that identity and, when the station was
given the CSMS's CA (`trust_ca`), if the chain verifies against that CA; it answers Rejected
otherwise. What is installed is in `charger.device.certificates` like any other certificate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import ACCEPTED, REJECTED, Answer, Payload, quietly
from simulator.command_handlers.device_state import DeviceState

STATION_CERTIFICATE = "ChargingStationCertificate"
PENDING = "pending"
TRUSTED_CA = "trusted_ca"
ORGANIZATION = "organization"


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def csr_for(identity: str, key: ec.EllipticCurvePrivateKey, organization: str | None = None) -> str:
    """A PKCS#10 request (PEM) for `identity` as commonName, signed with `key`."""
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, identity)]
    if organization:
        attributes.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name(attributes))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode("ascii")


def trust_ca(device: DeviceState, ca_pem: str, organization: str | None = None) -> None:
    """The CA a signed chain must verify against, and the organizationName to ask for."""
    device.signing[TRUSTED_CA] = ca_pem
    if organization:
        device.signing[ORGANIZATION] = organization


async def request_certificate(cp: ChargerApi, kind: str = STATION_CERTIFICATE) -> Payload:
    """A new key and CSR, sent in SignCertificate; the CSMS's answer."""
    key = new_key()
    csr = csr_for(cp.charge_point_id, key, cp.device.signing.get(ORGANIZATION))
    cp.device.signing.setdefault(PENDING, {})[kind] = key
    payload: dict[str, Any] = {"csr": csr}
    if cp.protocol == "ocpp2.0.1":
        payload["certificateType"] = kind
    return await cp.call("SignCertificate", payload)


def chain_problem(
    chain_pem: str,
    identity: str,
    key: ec.EllipticCurvePrivateKey | None,
    ca_pem: str | None,
    now: datetime | None = None,
) -> str | None:
    """Why the station would refuse the chain, or None if it installs it."""
    try:
        chain = x509.load_pem_x509_certificates(chain_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return "not a PEM certificate chain"
    leaf = chain[0]
    if key is None:
        return "no signing request is waiting"
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if leaf.public_key().public_bytes(der, spki) != key.public_key().public_bytes(der, spki):
        return "the certificate is not for the key of the request"
    names = [a.value for a in leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if names != [identity]:
        return f"the certificate is for {names!r}"
    moment = now or datetime.now(UTC)
    if not leaf.not_valid_before_utc <= moment <= leaf.not_valid_after_utc:
        return "the certificate is not valid now"
    if ca_pem is not None:
        ca = x509.load_pem_x509_certificate(ca_pem.encode("ascii"))
        try:
            child = leaf
            for issuer in chain[1:]:
                if issuer == ca:
                    break
                child.verify_directly_issued_by(issuer)
                child = issuer
            child.verify_directly_issued_by(ca)
        except (InvalidSignature, ValueError, TypeError):
            return "the chain does not verify against the CSMS CA"
    return None


async def certificate_signed(cp: ChargerApi, payload: Payload) -> Payload:
    """CertificateSigned (both versions): install the chain if it answers the pending request."""
    kind = payload.get("certificateType", STATION_CERTIFICATE)
    pending: dict[str, Any] = cp.device.signing.get(PENDING, {})
    chain = payload["certificateChain"]
    if kind not in pending and TRUSTED_CA not in cp.device.signing:
        # Nothing asked for and nothing to check against: a chain an operator pushed is
        # installed as it comes, if it looks like one.
        problem = None if "-----BEGIN CERTIFICATE-----" in chain else "not a certificate"
    else:
        problem = chain_problem(
            chain, cp.charge_point_id, pending.get(kind), cp.device.signing.get(TRUSTED_CA)
        )
    if problem is not None:
        cp.device.signing.setdefault("refused", []).append(problem)
        return dict(REJECTED)
    pending.pop(kind, None)
    cp.device.certificates = [c for c in cp.device.certificates if c["type"] != kind]
    cp.device.certificates.append({"type": kind, "pem": chain})
    return dict(ACCEPTED)


def sign_after_answer(cp: ChargerApi) -> Payload:
    """The trigger's answer; the signing request goes out after it."""
    cp.after_answer(quietly(request_certificate(cp)))
    return dict(ACCEPTED)


# 1.6 ExtendedTriggerMessage: the messages TriggerMessage knows, plus the signing request and
# LogStatusNotification (answered NotImplemented: the 1.6 simulator has no security log).
EXTENDED_AS_TRIGGER = frozenset(
    {"BootNotification", "Heartbeat", "MeterValues", "StatusNotification",
     "FirmwareStatusNotification"}
)  # fmt: skip


def extended_trigger_16(trigger: Answer) -> Answer:
    """The 1.6 security extension's ExtendedTriggerMessage over the charger's TriggerMessage."""

    async def extended(cp: ChargerApi, payload: Payload) -> Payload:
        message = payload["requestedMessage"]
        if message == "SignChargePointCertificate":
            return sign_after_answer(cp)
        if message in EXTENDED_AS_TRIGGER:
            return await trigger(cp, payload)
        return {"status": "NotImplemented"}

    return extended
