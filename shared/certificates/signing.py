"""SignCertificate (OCPP 2.0.1 A02/A03, the 1.6 security extension) and what follows it: the
CSMS's certificate authority signs the station's CSR and sends the chain in CertificateSigned.

A message handler answers before the CSMS may send its own CALL, so the work after the answer
runs in the `certificate_signer` function on the CertificateSigningRequested event
(docs/adr/0041-certificate-authority.md).

Idempotency contract: a CSR has one record per station, keyed by its DER digest, created by a
conditional Put; a resend of the same CSR finds it and changes nothing. Every accepted request
publishes CertificateSigningRequested built from the record's key alone, so a resend publishes
the same event id again (and the consumer's run is a no-op if the work is done). The station is
answered Accepted only once the event is published: if the bus refuses it, the station gets an
error and sends the request again (its CertSigningRepeatTimes makes it do so anyway).
The signer signs once per record (a conditional update from `requested` to `issued`: a
signature computed by a losing run is dropped) and sends once per send attempt: the attempt
counter moves by a conditional update, and the nth CertificateSigned carries the command id
`cs<n>-<key>`, so the command engine's record of that id tells whether it went out. A new
attempt is made only when the previous one cannot be answered any more (offline, timeout, a
CALLERROR) and the station asked again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from shared.commands.engine import CommandEngine
from shared.models.certificate import CertificateType, StationCertificate, request_key_of_send
from shared.models.command import CommandRecord
from shared.models.domain_events import CERTIFICATE_SIGNING_REQUESTED, DomainEvent
from shared.observability import count_metric
from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion
from shared.ports import EventPublisher, publish_safely
from shared.ports.certificates import AuthorityKeys, AuthorityMaterial, CertificateStore
from shared.timeutil import iso_utc

logger = logging.getLogger("csms.certificates")

Payload = dict[str, Any]
ACCEPTED: Payload = {"status": "Accepted"}
REJECTED: Payload = {"status": "Rejected"}
DEFAULT_VALIDITY_DAYS = 365
# `cs<n>-<28 hex>` stays within OCPP's 36 characters of a message id up to n = 99999; a
# station that keeps failing is given up on much sooner.
MAX_SEND_ATTEMPTS = 5
SIGNER = "certificate-authority"
# What the renewal trigger asks for, per protocol (A02; the 1.6 security extension).
RENEWAL_TRIGGER: dict[str, tuple[str, Payload]] = {
    OcppVersion.V201.value: (
        "TriggerMessage",
        {"requestedMessage": "SignChargingStationCertificate"},
    ),
    OcppVersion.V16.value: (
        "ExtendedTriggerMessage",
        {"requestedMessage": "SignChargePointCertificate"},
    ),
}

Delivery = Literal["unknown", "sent", "installed", "given-up", "rejected"]


class SigningRequestNotQueued(RuntimeError):
    """The request is stored but its event could not be published: not acknowledged."""


class NoAuthorityKeys:
    """Where no CA key is granted (every function but the signer): signing is refused."""

    def load(self) -> AuthorityMaterial | None:
        raise RuntimeError("this function has no certificate authority (CA_SECRET_NAME)")

    def initialise(self, material: AuthorityMaterial) -> AuthorityMaterial:
        raise RuntimeError("this function has no certificate authority (CA_SECRET_NAME)")


@dataclass(frozen=True)
class CertificatePolicy:
    """What the CA signs: the operator's organizationName every CSR must carry (None: any),
    how long a certificate lasts, and whether V2G certificates are signed by this CA too."""

    organization: str | None = None
    validity_days: int = DEFAULT_VALIDITY_DAYS
    sign_v2g: bool = False

    @property
    def ca_organization(self) -> str:
        return self.organization or "CSMS"


@dataclass
class CertificateSigning:
    store: CertificateStore
    keys: AuthorityKeys
    engine: CommandEngine
    publisher: EventPublisher
    policy: CertificatePolicy
    now: Callable[[], datetime]
    _authority: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def register(self, router: Router) -> None:
        router.route(OcppVersion.V16, "SignCertificate", self.sign_certificate_v16)
        router.route(OcppVersion.V201, "SignCertificate", self.sign_certificate_v201)

    def sign_certificate_v16(self, ctx: MessageContext, payload: Payload) -> Payload:
        return self._answer(ctx, payload.get("csr"), "ChargingStationCertificate")

    def sign_certificate_v201(self, ctx: MessageContext, payload: Payload) -> Payload:
        kind: CertificateType = (
            "V2GCertificate"
            if payload.get("certificateType") == "V2GCertificate"
            else "ChargingStationCertificate"
        )
        return self._answer(ctx, payload.get("csr"), kind)

    def _answer(self, ctx: MessageContext, csr: Any, kind: CertificateType) -> Payload:
        accepted = self.request(
            ctx.charge_point_id, ctx.version.value, csr, kind, iso_utc(ctx.received_at)
        )
        return ACCEPTED if accepted else REJECTED

    # The request (ws_default)

    def request(
        self, charge_point_id: str, protocol: str, csr: Any, kind: CertificateType, at: str
    ) -> bool:
        """Accept a signing request (store it, publish it) or refuse it: whether accepted."""
        from shared.certificates.x509 import CsrRejected, read_csr

        if kind == "V2GCertificate" and not self.policy.sign_v2g:
            logger.info(
                "V2G certificate request rejected: this CA signs no V2G certificates",
                extra={"chargePointId": charge_point_id},
            )
            return False
        try:
            request = read_csr(csr, charge_point_id, self.policy.organization)
        except CsrRejected as exc:
            count_metric("CertificateRequestsRejected", {})
            logger.warning(
                "certificate signing request rejected: %s",
                exc.reason,
                extra={"chargePointId": charge_point_id},
            )
            return False
        record = StationCertificate(
            charge_point_id=charge_point_id,
            request_key=request.request_key,
            certificate_type=kind,
            status="requested",
            csr=str(csr).strip(),
            requested_at=at,
            protocol=protocol,
        )
        if not self.store.request(record):
            logger.info(
                "certificate signing request sent again",
                extra={"chargePointId": charge_point_id, "requestKey": request.request_key},
            )
        event = DomainEvent(
            CERTIFICATE_SIGNING_REQUESTED,
            charge_point_id,
            self.now(),
            {"requestKey": request.request_key, "certificateType": kind},
        )
        if not publish_safely(self.publisher, event):
            raise SigningRequestNotQueued(f"{charge_point_id}: {request.request_key}")
        return True

    # Signing and sending (certificate_signer, on CertificateSigningRequested)

    def deliver(self, charge_point_id: str, request_key: str) -> Delivery:
        """Sign the request (once) and send the chain (once per attempt). A CommandError (the
        station is offline, another command holds its slot) is raised: the event is retried."""
        record = self.store.get(charge_point_id, request_key)
        if record is None:
            logger.warning(
                "signing requested for an unknown request",
                extra={"chargePointId": charge_point_id, "requestKey": request_key},
            )
            return "unknown"
        if record.status == "requested":
            record = self._issue(record)
        if record.status in ("installed", "rejected"):
            return record.status
        return self._send(record)

    def _issue(self, record: StationCertificate) -> StationCertificate:
        now = self.now()
        issued = self.authority().sign(record.csr, timedelta(days=self.policy.validity_days), now)
        signed = replace(
            record,
            status="issued",
            serial=issued.serial,
            subject=issued.subject,
            not_before=iso_utc(issued.not_before),
            not_after=iso_utc(issued.not_after),
            chain=issued.chain_pem,
            issued_at=iso_utc(now),
        )
        if self.store.issue(signed):
            count_metric("CertificatesIssued", {"CertificateType": record.certificate_type})
            logger.info(
                "certificate issued",
                extra={"chargePointId": record.charge_point_id, "serial": issued.serial},
            )
            return signed
        # Another run signed it first: its certificate is the one, this one is dropped.
        return self.store.get(record.charge_point_id, record.request_key) or signed

    def _send(self, record: StationCertificate) -> Delivery:
        cp, attempt = record.charge_point_id, record.send_attempt
        if attempt:
            sent = self.engine.get(cp, record.send_id(attempt))
            if sent is None:
                # Claimed, but the command never went out (the slot was busy, or the run
                # stopped): this run sends it, with the same id.
                self._send_chain(record, attempt)
                return "sent"
            if sent.status in ("pending", "answered"):
                return "sent"
        if attempt >= MAX_SEND_ATTEMPTS:
            logger.error(
                "certificate not delivered after %d attempts",
                attempt,
                extra={"chargePointId": cp, "requestKey": record.request_key},
            )
            return "given-up"
        if not self.store.claim_send(cp, record.request_key, attempt + 1):
            return "sent"  # another run sends it
        self._send_chain(record, attempt + 1)
        return "sent"

    def _send_chain(self, record: StationCertificate, attempt: int) -> CommandRecord:
        assert record.chain is not None
        payload: Payload = {"certificateChain": record.chain}
        if record.protocol == OcppVersion.V201.value:
            payload["certificateType"] = record.certificate_type
        return self.engine.send(
            record.charge_point_id,
            "CertificateSigned",
            payload,
            message_id=record.send_id(attempt),
            requested_by=SIGNER,
        )

    def send_answered(self, command: CommandRecord) -> None:
        """The station's answer to CertificateSigned (an engine hook): installed or rejected.
        Other outcomes (timeout, offline) leave the record issued for the next attempt."""
        key = request_key_of_send(command.message_id)
        if key is None or command.status != "answered":
            return
        attempt = int(command.message_id[2:].partition("-")[0])
        status = "installed" if (command.result or {}).get("status") == "Accepted" else "rejected"
        self.store.answered(
            command.charge_point_id, key, status, command.completed_at or "", attempt
        )

    def authority(self) -> Any:
        """The CA (shared.certificates.x509.Authority), set up on first use if there is none."""
        from shared.certificates.x509 import Authority, new_authority

        with self._lock:
            if self._authority is None:
                material = self.keys.load()
                if material is None:
                    key_pem, certificate_pem = new_authority(
                        self.policy.ca_organization, self.now()
                    )
                    material = self.keys.initialise(AuthorityMaterial(key_pem, certificate_pem))
                    logger.warning("a new certificate authority was set up")
                self._authority = Authority(material.key_pem, material.chain_pem)
            return self._authority

    # The operator's side

    def certificates(self, charge_point_id: str) -> list[StationCertificate]:
        return self.store.list(charge_point_id)

    def renew(self, charge_point_id: str, protocol: str, requested_by: str | None) -> CommandRecord:
        """A02: ask the station for a new CSR (it then sends SignCertificate)."""
        action, payload = RENEWAL_TRIGGER[protocol]
        return self.engine.send(charge_point_id, action, dict(payload), requested_by=requested_by)
