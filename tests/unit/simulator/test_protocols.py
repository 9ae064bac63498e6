import pytest

from simulator.protocols import ChargerIdentity, ConnectorRef, profile_for
from tests.unit.simulator.schemas import assert_valid_request

LONG = ChargerIdentity(
    vendor="V" * 60, model="M" * 60, serial_number="S" * 60, firmware_version="F" * 60
)


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
@pytest.mark.parametrize("identity", [ChargerIdentity(), LONG])
def test_boot_notification_matches_the_official_schema(protocol, identity):
    # Over-long identity fields are cut to the schema limits rather than rejected by the CSMS.
    assert_valid_request(
        protocol, "BootNotification", profile_for(protocol).boot_notification(identity)
    )


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
def test_status_notifications_match_the_official_schema(protocol):
    profile = profile_for(protocol)
    for connector in profile.startup_connectors(3):
        payload = profile.status_notification(connector, "Available", "NoError")
        assert_valid_request(protocol, "StatusNotification", payload)


def test_16_reports_connector_zero_then_each_connector():
    assert [c.connector_id for c in profile_for("ocpp1.6").startup_connectors(2)] == [0, 1, 2]


def test_201_reports_one_evse_per_connector():
    refs = profile_for("ocpp2.0.1").startup_connectors(2)
    assert refs == [
        ConnectorRef(connector_id=1, evse_id=1),
        ConnectorRef(connector_id=1, evse_id=2),
    ]


def test_201_status_defaults_to_evse_1():
    payload = profile_for("ocpp2.0.1").status_notification(ConnectorRef(2), "Occupied", "NoError")
    assert (payload["evseId"], payload["connectorId"], payload["connectorStatus"]) == (
        1,
        2,
        "Occupied",
    )
    assert "errorCode" not in payload


def test_unknown_protocol_is_refused():
    with pytest.raises(ValueError, match=r"ocpp2\.1"):
        profile_for("ocpp2.1")
