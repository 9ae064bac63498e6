import pytest

from shared.ocpp.errors import ErrorKind, wire_code
from shared.ocpp.validation import OcppSchemas, default_schemas
from shared.ocpp.versions import OcppVersion, choose_subprotocol

V16, V201 = OcppVersion.V16, OcppVersion.V201
BOOT_16 = {"chargePointVendor": "Acme", "chargePointModel": "X1"}


@pytest.fixture(scope="module")
def schemas() -> OcppSchemas:
    return default_schemas()


def test_valid_payloads_pass(schemas):
    assert schemas.check(V16, "BootNotification", BOOT_16) is None
    assert (
        schemas.check(
            V201,
            "BootNotification",
            {"reason": "PowerUp", "chargingStation": {"model": "X1", "vendorName": "Acme"}},
        )
        is None
    )
    assert (
        schemas.check(
            V16,
            "BootNotification",
            {"status": "Accepted", "currentTime": "2026-01-01T00:00:00Z", "interval": 300},
            "response",
        )
        is None
    )


@pytest.mark.parametrize(
    ("payload", "kind", "path"),
    [
        (
            {"chargePointModel": "X1"},
            ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
            "chargePointVendor",
        ),
        (
            {**BOOT_16, "chargePointVendor": 5},
            ErrorKind.TYPE_CONSTRAINT_VIOLATION,
            "chargePointVendor",
        ),
        (
            {**BOOT_16, "chargePointVendor": "x" * 21},
            ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
            "chargePointVendor",
        ),
        ({**BOOT_16, "colour": "red"}, ErrorKind.FORMAT_VIOLATION, ""),
    ],
)
def test_each_kind_of_schema_failure_maps_to_its_ocpp_error(schemas, payload, kind, path):
    violation = schemas.check(V16, "BootNotification", payload)
    assert violation is not None
    assert violation.kind is kind
    assert violation.path == path
    error = violation.to_error("BootNotification")
    assert error.details["path"] == path
    assert "BootNotification" in error.description


def test_enum_and_date_time_violations(schemas):
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"}
    assert schemas.check(V16, "StatusNotification", status).kind is (
        ErrorKind.PROPERTY_CONSTRAINT_VIOLATION
    )
    status = {
        "connectorId": 1,
        "errorCode": "NoError",
        "status": "Available",
        "timestamp": "yesterday",
    }
    assert schemas.check(V16, "StatusNotification", status).kind is (
        ErrorKind.TYPE_CONSTRAINT_VIOLATION
    )


def test_nested_missing_field_is_reported_with_its_path(schemas):
    violation = schemas.check(
        V201, "BootNotification", {"reason": "PowerUp", "chargingStation": {"model": "X"}}
    )
    assert violation.kind is ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION
    assert violation.path == "chargingStation.vendorName"


def test_decimal_multiple_of_is_exact(schemas):
    period = {"startPeriod": 0, "limit": 16.7}
    schedule = {"chargingRateUnit": "A", "chargingSchedulePeriod": [period]}
    response = {"status": "Accepted", "connectorId": 1, "chargingSchedule": schedule}
    assert schemas.check(V16, "GetCompositeSchedule", response, "response") is None
    period["limit"] = 16.75
    assert schemas.check(V16, "GetCompositeSchedule", response, "response").kind is (
        ErrorKind.PROPERTY_CONSTRAINT_VIOLATION
    )


def test_unknown_actions_have_no_schema(schemas):
    assert not schemas.has_schema(V16, "MakeCoffee")
    assert not schemas.has_schema(V16, "../../etc/passwd")
    assert not schemas.has_schema(V201, "StartTransaction")  # a 1.6-only action
    with pytest.raises(KeyError):
        schemas.check(V16, "MakeCoffee", {})


def test_validators_are_compiled_once(schemas):
    schemas.check(V16, "Heartbeat", {})
    first = schemas._validator(V16, "Heartbeat", "request")
    schemas.check(V16, "Heartbeat", {})
    assert schemas._validator(V16, "Heartbeat", "request") is first


def test_wire_codes_follow_each_versions_spelling():
    assert wire_code(ErrorKind.FORMAT_VIOLATION, V16) == "FormationViolation"
    assert wire_code(ErrorKind.FORMAT_VIOLATION, V201) == "FormatViolation"
    assert wire_code(ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION, V16) == (
        "OccurenceConstraintViolation"
    )
    assert wire_code(ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION, V201) == (
        "OccurrenceConstraintViolation"
    )
    assert wire_code(ErrorKind.RPC_FRAMEWORK_ERROR, V16) == "FormationViolation"
    assert wire_code(ErrorKind.RPC_FRAMEWORK_ERROR, V201) == "RpcFrameworkError"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ocpp1.6", V16),
        ("ocpp2.0.1", V201),
        ("ocpp1.6, ocpp2.0.1", V201),
        ("ocpp2.0, ocpp1.6", V16),
        ("ocpp1.5", None),
        ("", None),
        (None, None),
    ],
)
def test_subprotocol_choice(header, expected):
    assert choose_subprotocol(header) is expected
