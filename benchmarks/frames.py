"""Representative inbound frames per action and version, shared by the benchmarks."""

from __future__ import annotations

import json

from shared.ocpp.versions import OcppVersion

TIMESTAMP = "2026-11-25T10:00:00Z"

FRAMES: dict[tuple[OcppVersion, str], list[object]] = {
    (OcppVersion.V16, "Heartbeat"): [2, "m1", "Heartbeat", {}],
    (OcppVersion.V16, "BootNotification"): [
        2,
        "m2",
        "BootNotification",
        {
            "chargePointVendor": "Acme",
            "chargePointModel": "AC22",
            "chargePointSerialNumber": "SN-000123",
            "firmwareVersion": "4.2.1",
        },
    ],
    (OcppVersion.V16, "StatusNotification"): [
        2,
        "m3",
        "StatusNotification",
        {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": TIMESTAMP},
    ],
    (OcppVersion.V201, "Heartbeat"): [2, "m4", "Heartbeat", {}],
    (OcppVersion.V201, "BootNotification"): [
        2,
        "m5",
        "BootNotification",
        {
            "reason": "PowerUp",
            "chargingStation": {"vendorName": "Acme", "model": "DC150", "serialNumber": "SN-9"},
        },
    ],
    (OcppVersion.V201, "StatusNotification"): [
        2,
        "m6",
        "StatusNotification",
        {"timestamp": TIMESTAMP, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
    ],
}


def frame_text(version: OcppVersion, action: str) -> str:
    return json.dumps(FRAMES[(version, action)])
