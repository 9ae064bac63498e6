import pytest

from tests.unit.transactions.helpers import V16, V201, Station, make_deps


def test_unknown_vendor_and_unknown_message():
    deps = make_deps()
    deps.vendors.register("com.acme", "Ping", lambda ctx, data: ("Accepted", {"pong": data}))
    station = Station(deps)
    assert station.call("DataTransfer", {"vendorId": "org.other"}) == {"status": "UnknownVendorId"}
    assert station.call("DataTransfer", {"vendorId": "com.acme", "messageId": "Nope"}) == {
        "status": "UnknownMessageId"
    }
    assert deps.publisher.events == []


@pytest.mark.parametrize(("version", "data"), [(V16, "{'pong': 'hi'}"), (V201, {"pong": "hi"})])
def test_registered_vendor_handler_answers_and_is_published(version, data):
    deps = make_deps()
    deps.vendors.register("com.acme", "Ping", lambda ctx, data: ("Accepted", {"pong": data}))
    answer = Station(deps, version).call(
        "DataTransfer", {"vendorId": "com.acme", "messageId": "Ping", "data": "hi"}
    )
    assert answer == {"status": "Accepted", "data": data}
    assert deps.publisher.of_type("DataTransferReceived")[0].detail["messageId"] == "Ping"


def test_wildcard_vendor_handler():
    deps = make_deps()
    deps.vendors.register("com.acme", "*", lambda ctx, data: ("Rejected", None))
    assert Station(deps).call("DataTransfer", {"vendorId": "com.acme", "messageId": "X"}) == {
        "status": "Rejected"
    }


def test_firmware_and_diagnostics_status_are_recorded_and_published():
    deps = make_deps()
    station = Station(deps)
    station.call("FirmwareStatusNotification", {"status": "Downloading"})
    station.call("DiagnosticsStatusNotification", {"status": "Uploaded"})
    record = deps.chargers.get("CP1")
    assert (record.firmware_status, record.diagnostics_status) == ("Downloading", "Uploaded")
    assert record.firmware_status_at
    assert [e.detail_type for e in deps.publisher.events] == [
        "FirmwareStatusChanged",
        "DiagnosticsStatusChanged",
    ]


def test_v201_firmware_and_log_status():
    deps = make_deps()
    station = Station(deps, V201)
    station.call("FirmwareStatusNotification", {"status": "Installed", "requestId": 4})
    station.call("LogStatusNotification", {"status": "Uploading", "requestId": 5})
    assert deps.chargers.get("CP1").firmware_status == "Installed"
    assert deps.publisher.events[0].detail["requestId"] == 4


def test_v16_security_extension_signed_firmware_and_log_status_are_stored_as_in_v201():
    deps = make_deps()
    station = Station(deps)
    assert station.call("SignedFirmwareStatusNotification", {"status": "SignatureVerified"}) == {}
    station.call("SignedFirmwareStatusNotification", {"status": "Installed", "requestId": 7})
    station.call("LogStatusNotification", {"status": "Uploaded", "requestId": 8})
    record = deps.chargers.get("CP1")
    assert (record.firmware_status, record.diagnostics_status) == ("Installed", "Uploaded")
    assert [
        (e.detail_type, e.detail["status"], e.detail["requestId"]) for e in deps.publisher.events
    ] == [
        ("FirmwareStatusChanged", "SignatureVerified", None),
        ("FirmwareStatusChanged", "Installed", 7),
        ("DiagnosticsStatusChanged", "Uploaded", 8),
    ]
