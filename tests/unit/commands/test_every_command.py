"""Every command the engine accepts, for both versions: the CALL it sends is schema-valid, and
a body that breaks the schema is refused naming the field."""

from __future__ import annotations

import json

import pytest

from shared.commands.engine import CSMS_ACTIONS, CommandEngine, CommandError
from shared.models.charger import ChargerRecord
from shared.ocpp.validation import default_schemas
from shared.ocpp.versions import OcppVersion
from tests.fakes import memory_deps
from tests.unit.commands.minimal_payloads import minimal_payload

CHARGER = {OcppVersion.V16: "CP16", OcppVersion.V201: "CP201"}
EVERY_COMMAND = [(v, a) for v in CHARGER for a in sorted(CSMS_ACTIONS[v])]
# Issue #16: the CSMS-initiated 2.0.1 messages beyond the core.
BEYOND_THE_CORE = {
    "GetReport", "SetNetworkProfile", "GetTransactionStatus", "GetChargingProfiles",
    "PublishFirmware", "UnpublishFirmware", "InstallCertificate", "GetInstalledCertificateIds",
    "DeleteCertificate", "CertificateSigned", "GetMonitoringReport", "SetMonitoringBase",
    "SetVariableMonitoring", "SetMonitoringLevel", "ClearVariableMonitoring",
    "CustomerInformation", "SetDisplayMessage", "GetDisplayMessages", "ClearDisplayMessage",
    "CostUpdated",
}  # fmt: skip


@pytest.fixture
def engine_and_deps():
    deps = memory_deps()
    for version, charger in CHARGER.items():
        deps.chargers.create(ChargerRecord(charger))
        deps.chargers.attach_connection(charger, f"{charger}=", version.value, 1)
    engine = CommandEngine(deps.chargers, deps.commands, deps.sender, deps.publisher, deps.tasks)
    return engine, deps


def test_every_csms_initiated_message_of_2_0_1_is_a_command():
    schemas = default_schemas()
    assert CSMS_ACTIONS[OcppVersion.V201] >= BEYOND_THE_CORE
    for action in CSMS_ACTIONS[OcppVersion.V201]:
        assert schemas.has_schema(OcppVersion.V201, action, "request")
        assert schemas.has_schema(OcppVersion.V201, action, "response")


@pytest.mark.parametrize(
    ("version", "action"), EVERY_COMMAND, ids=[f"{v.value[4:]}-{a}" for v, a in EVERY_COMMAND]
)
def test_each_command_goes_out_as_a_schema_valid_call(engine_and_deps, version, action):
    engine, deps = engine_and_deps
    payload = minimal_payload(version, action)
    record = engine.send(CHARGER[version], action, payload)
    _, frame = deps.sender.sent[-1]
    message_type, message_id, sent_action, sent_payload = json.loads(frame)
    assert (message_type, message_id, sent_action) == (2, record.message_id, action)
    assert default_schemas().check(version, action, sent_payload, "request") is None


@pytest.mark.parametrize("action", sorted(BEYOND_THE_CORE))
def test_a_body_that_breaks_the_schema_is_refused_naming_the_field(engine_and_deps, action):
    engine, deps = engine_and_deps
    payload = {**minimal_payload(OcppVersion.V201, action), "surplus": 1}
    with pytest.raises(CommandError) as refused:
        engine.send("CP201", action, payload)
    assert (refused.value.status, refused.value.code) == (400, "InvalidCommand")
    assert "surplus" in refused.value.message
    assert deps.sender.sent == []
    assert deps.commands.slot_holder("CP201") is None
