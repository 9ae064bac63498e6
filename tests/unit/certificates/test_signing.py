"""SignCertificate and what follows it, with the platform in memory (docs/adr/0041): the
request stored once per CSR, signed once, sent once per attempt, the station's answer kept."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from cryptography import x509

from shared.commands.engine import CommandError
from shared.models.charger import ChargerRecord
from shared.models.domain_events import CERTIFICATE_SIGNING_REQUESTED
from shared.ocpp.framing import CallError, CallResult
from shared.ocpp.versions import OcppVersion
from simulator.command_handlers.certificates import csr_for, new_key
from tests.fakes import MemoryDeps, memory_deps
from tests.unit.transactions.helpers import V16, V201, Station

CP = "CP1"


def station(version: OcppVersion = V201, **settings: str) -> Station:
    deps = memory_deps(**settings)
    deps.chargers.create(
        ChargerRecord(CP, protocol=version.value, connection_id="conn-1", connected_at_ms=0)
    )
    return Station(deps, version, CP)


def sign(st: Station, csr: str, kind: str | None = None) -> Any:
    payload: dict[str, Any] = {"csr": csr}
    if kind is not None:
        payload["certificateType"] = kind
    return st.call("SignCertificate", payload)


def sent_frames(deps: MemoryDeps) -> list[list[Any]]:
    return [json.loads(text) for _, text in deps.sender.sent]


def only_record(deps: MemoryDeps):
    (record,) = deps.certificates.list(CP)
    return record


def test_A02_A03_a_good_csr_is_accepted_stored_and_announced():
    st = station()
    assert sign(st, csr_for(CP, new_key()), "ChargingStationCertificate") == {"status": "Accepted"}
    record = only_record(st.deps)
    assert (record.status, record.certificate_type, record.protocol) == (
        "requested",
        "ChargingStationCertificate",
        "ocpp2.0.1",
    )
    (event,) = st.deps.publisher.of_type(CERTIFICATE_SIGNING_REQUESTED)
    assert event.detail == {
        "requestKey": record.request_key,
        "certificateType": "ChargingStationCertificate",
    }


@pytest.mark.parametrize(
    "csr",
    [csr_for("SOMEONE-ELSE", new_key()), "not a csr", "-----BEGIN CERTIFICATE REQUEST-----\n"],
)
def test_A02_A03_a_bad_csr_is_rejected_and_nothing_is_stored(csr):
    st = station()
    assert sign(st, csr) == {"status": "Rejected"}
    assert st.deps.certificates.list(CP) == []
    assert st.deps.publisher.of_type(CERTIFICATE_SIGNING_REQUESTED) == []


def test_the_organization_is_checked_when_configured():
    st = station(CERTIFICATE_ORGANIZATION="ACME")
    assert sign(st, csr_for(CP, new_key(), "Other")) == {"status": "Rejected"}
    assert sign(st, csr_for(CP, new_key(), "ACME")) == {"status": "Accepted"}


def test_V2G_requests_are_rejected_unless_configured():
    csr = csr_for(CP, new_key())
    assert sign(station(), csr, "V2GCertificate") == {"status": "Rejected"}
    st = station(SIGN_V2G_CERTIFICATES="true")
    assert sign(st, csr, "V2GCertificate") == {"status": "Accepted"}
    assert only_record(st.deps).certificate_type == "V2GCertificate"


def test_a_resent_request_is_stored_once_and_announced_with_the_same_event_id():
    st = station()
    csr = csr_for(CP, new_key())
    assert sign(st, csr) == sign(st, csr) == {"status": "Accepted"}
    only_record(st.deps)
    first, second = st.deps.publisher.of_type(CERTIFICATE_SIGNING_REQUESTED)
    assert first.event_id == second.event_id


def test_a_request_whose_event_is_not_published_is_not_acknowledged():
    st = station()
    st.deps.publisher.fail = True
    csr = csr_for(CP, new_key())
    frame = st.frame("SignCertificate", {"csr": csr})
    assert frame[0] == 4 and frame[2] == "InternalError"
    st.deps.publisher.fail = False
    assert sign(st, csr) == {"status": "Accepted"}  # the station's resend goes through


def test_A02_A03_the_signer_signs_once_and_sends_once():
    st = station()
    key = new_key()
    csr = csr_for(CP, key)
    sign(st, csr)
    signing = st.services.certificates
    assert signing is not None
    request_key = only_record(st.deps).request_key
    assert signing.deliver(CP, request_key) == "sent"
    issued = only_record(st.deps)
    assert issued.status == "issued" and issued.send_attempt == 1
    # The event redelivered, the request resent: nothing is signed or sent again.
    assert signing.deliver(CP, request_key) == "sent"
    sign(st, csr)
    assert signing.deliver(CP, request_key) == "sent"
    assert only_record(st.deps).serial == issued.serial
    (frame,) = sent_frames(st.deps)
    assert frame[:3] == [2, f"cs1-{request_key}", "CertificateSigned"]
    assert frame[3]["certificateType"] == "ChargingStationCertificate"
    leaf, ca = x509.load_pem_x509_certificates(frame[3]["certificateChain"].encode())
    leaf.verify_directly_issued_by(ca)
    assert format(leaf.serial_number, "x") == issued.serial
    assert leaf.public_key() == key.public_key()
    # The station's answer is kept.
    st.services.engine.on_reply(CP, CallResult(frame[1], {"status": "Accepted"}))
    assert only_record(st.deps).status == "installed"
    assert signing.deliver(CP, request_key) == "installed"


def test_a_lost_race_to_sign_keeps_the_first_signature():
    st = station()
    sign(st, csr_for(CP, new_key()))
    signing = st.services.certificates
    assert signing is not None
    requested = only_record(st.deps)
    first = signing._issue(requested)
    second = signing._issue(requested)  # a concurrent run read `requested` too
    assert second.serial == first.serial
    assert only_record(st.deps).serial == first.serial


def test_a_rejected_chain_is_recorded():
    st = station()
    sign(st, csr_for(CP, new_key()))
    signing = st.services.certificates
    assert signing is not None
    signing.deliver(CP, only_record(st.deps).request_key)
    (frame,) = sent_frames(st.deps)
    st.services.engine.on_reply(CP, CallResult(frame[1], {"status": "Rejected"}))
    assert only_record(st.deps).status == "rejected"


def test_a_send_that_cannot_be_answered_is_made_again_when_the_station_asks_again():
    st = station()
    csr = csr_for(CP, new_key())
    sign(st, csr)
    signing = st.services.certificates
    assert signing is not None
    request_key = only_record(st.deps).request_key
    signing.deliver(CP, request_key)
    (frame,) = sent_frames(st.deps)
    st.services.engine.on_reply(CP, CallError(frame[1], "InternalError", "busy", {}))
    assert signing.deliver(CP, request_key) == "sent"
    assert [f[1] for f in sent_frames(st.deps)] == [f"cs1-{request_key}", f"cs2-{request_key}"]
    assert only_record(st.deps).status == "issued"


def test_an_offline_station_makes_the_signer_fail_and_the_retry_sends_with_the_same_id():
    st = station()
    sign(st, csr_for(CP, new_key()))
    signing = st.services.certificates
    assert signing is not None
    request_key = only_record(st.deps).request_key
    charger = st.deps.chargers.get(CP)
    assert charger is not None
    st.deps.chargers.records[CP] = replace(charger, connection_id=None)
    with pytest.raises(CommandError) as raised:
        signing.deliver(CP, request_key)
    assert raised.value.code == "ChargerOffline"
    assert only_record(st.deps).status == "issued"  # signed already; not signed again
    st.deps.chargers.records[CP] = charger
    assert signing.deliver(CP, request_key) == "sent"
    assert [f[1] for f in sent_frames(st.deps)] == [f"cs1-{request_key}"]


def test_the_1_6_security_extension_gets_a_chain_without_a_certificate_type():
    st = station(V16)
    assert sign(st, csr_for(CP, new_key())) == {"status": "Accepted"}
    signing = st.services.certificates
    assert signing is not None
    signing.deliver(CP, only_record(st.deps).request_key)
    (frame,) = sent_frames(st.deps)
    assert frame[2] == "CertificateSigned" and set(frame[3]) == {"certificateChain"}


@pytest.mark.parametrize(
    ("version", "action", "message"),
    [
        (V201, "TriggerMessage", "SignChargingStationCertificate"),
        (V16, "ExtendedTriggerMessage", "SignChargePointCertificate"),
    ],
)
def test_A02_renewal_triggers_a_new_request(version, action, message):
    st = station(version)
    signing = st.services.certificates
    assert signing is not None
    signing.renew(CP, version.value, "operator")
    (frame,) = sent_frames(st.deps)
    assert frame[2:] == [action, {"requestedMessage": message}]


def test_the_ca_is_set_up_once_and_kept():
    st = station()
    signing = st.services.certificates
    assert signing is not None
    assert st.deps.authority_keys.material is None
    authority = signing.authority()
    assert st.deps.authority_keys.material is not None
    assert authority.chain_pem == st.deps.authority_keys.material.chain_pem
