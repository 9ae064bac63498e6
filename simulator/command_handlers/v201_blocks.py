"""OCPP 2.0.1 commands of the blocks beyond the core: reports (B08), transaction status (E14),
charging profiles (K), firmware publishing (L), certificates (M), monitoring (N), customer
information (N), display messages (O) and cost (I). Each answer is the spec's, shaped by what
the simulated station keeps in `cp.device`; where the spec follows an answer with a report
(NotifyReport, NotifyMonitoringReport, NotifyDisplayMessages, ...) it is sent after the answer.
"""

from __future__ import annotations

import hashlib

from simulator.command_handlers import certificates
from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import (
    ACCEPTED,
    REJECTED,
    Command,
    Payload,
    quietly,
    refusal,
)
from simulator.command_handlers.device_state import Setting
from simulator.frames import utc_timestamp

EMPTY: Payload = {"status": "EmptyResultSet"}


def _reported(cp: ChargerApi, request_id: int, key: str, items: list[Payload]) -> None:
    """Send `items` in one report message after the answer (seqNo 0, nothing to follow)."""
    action = {"reportData": "NotifyReport", "monitor": "NotifyMonitoringReport"}[key]
    message = {
        "requestId": request_id,
        "generatedAt": utc_timestamp(),
        "seqNo": 0,
        "tbc": False,
        key: items,
    }
    cp.after_answer(quietly(cp.call(action, message)))


def _variable_report(name: tuple[str, str], setting: Setting) -> Payload:
    return {
        "component": {"name": name[0]},
        "variable": {"name": name[1]},
        "variableAttribute": [
            {
                "type": "Actual",
                "value": setting.value,
                "mutability": "ReadOnly" if setting.readonly else "ReadWrite",
            }
        ],
    }


def _wanted(item: Payload, component: str, variable: str) -> bool:
    if item["component"]["name"] != component:
        return False
    wanted = item.get("variable")
    return wanted is None or wanted["name"] == variable


async def get_report_201(cp: ChargerApi, payload: Payload) -> Payload:
    """B08: the variables named by componentVariable (all when absent). The station keeps no
    problem or availability state per component: a `Problem` criterion selects nothing."""
    asked = payload.get("componentVariable")
    criteria = payload.get("componentCriteria", [])
    if criteria and set(criteria) <= {"Problem"}:
        return EMPTY
    selected = [
        _variable_report(name, setting)
        for name, setting in sorted(cp.device.variables.items())
        if asked is None or any(_wanted(item, *name) for item in asked)
    ]
    if not selected:
        return EMPTY
    _reported(cp, payload["requestId"], "reportData", selected)
    return dict(ACCEPTED)


async def get_base_report_201(cp: ChargerApi, payload: Payload) -> Payload:
    """B07: every variable, whatever the base (the station has no inventory apart from them)."""
    reports = [_variable_report(n, s) for n, s in sorted(cp.device.variables.items())]
    _reported(cp, payload["requestId"], "reportData", reports)
    return dict(ACCEPTED)


async def get_transaction_status_201(cp: ChargerApi, payload: Payload) -> Payload:
    """E14: whether transaction messages wait in the offline queue, and whether the named
    transaction is still going on."""
    answer: Payload = {"messagesInQueue": len(cp.charging.offline_queue) > 0}
    if "transactionId" in payload:
        answer["ongoingIndicator"] = (
            cp.charging.find_transaction(payload["transactionId"]) is not None
        )
    return answer


async def set_network_profile_201(cp: ChargerApi, payload: Payload) -> Payload:
    slot = payload["configurationSlot"]
    key = ("OCPPCommCtrlr", f"NetworkConnectionProfile{slot}")
    cp.device.variables[key] = Setting(payload["connectionData"]["ocppCsmsUrl"])
    return dict(ACCEPTED)


async def publish_firmware_201(cp: ChargerApi, payload: Payload) -> Payload:
    """L03: the station is no local controller: it publishes nothing."""
    return dict(REJECTED)


async def unpublish_firmware_201(cp: ChargerApi, payload: Payload) -> Payload:
    return {"status": "NoFirmware"}


# Certificates (M): the hash data are digests of the stored text, not of the certificate's
# fields — enough for a CSMS to list, match and delete what it installed.


def hash_data(certificate: dict[str, str]) -> Payload:
    digest = hashlib.sha256(certificate["pem"].encode()).hexdigest()
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": digest[:64],
        "issuerKeyHash": digest[:64],
        "serialNumber": digest[:20],
    }


def looks_like_a_certificate(text: str) -> bool:
    return "-----BEGIN CERTIFICATE-----" in text


async def install_certificate(cp: ChargerApi, payload: Payload) -> Payload:
    """M05 (and the 1.6 security extension's InstallCertificate, the same request)."""
    pem = payload["certificate"]
    if not looks_like_a_certificate(pem):
        return dict(REJECTED)
    entry = {"type": payload["certificateType"], "pem": pem}
    if entry not in cp.device.certificates:
        cp.device.certificates.append(entry)
    return dict(ACCEPTED)


async def get_installed_certificate_ids_201(cp: ChargerApi, payload: Payload) -> Payload:
    wanted = payload.get("certificateType")
    found = [c for c in cp.device.certificates if not wanted or c["type"] in wanted]
    # Only installed root certificates have an InstallCertificate type; a signed station
    # certificate is not listed here (it is not a GetCertificateIdUseEnumType).
    listed = [c for c in found if c["type"] != "ChargingStationCertificate"]
    if not listed:
        return {"status": "NotFound"}
    return {
        "status": "Accepted",
        "certificateHashDataChain": [
            {"certificateType": c["type"], "certificateHashData": hash_data(c)} for c in listed
        ],
    }


async def delete_certificate(cp: ChargerApi, payload: Payload) -> Payload:
    """M04 (and the 1.6 security extension's DeleteCertificate, the same request)."""
    serial = payload["certificateHashData"]["serialNumber"]
    kept = [c for c in cp.device.certificates if hash_data(c)["serialNumber"] != serial]
    if len(kept) == len(cp.device.certificates):
        return {"status": "NotFound"}
    cp.device.certificates = kept
    return dict(ACCEPTED)


# Monitoring (N)


def _monitor_target(cp: ChargerApi, item: Payload) -> str:
    component, variable = item["component"], item["variable"]
    if component["name"] not in {name for name, _ in cp.device.variables}:
        return "UnknownComponent"
    if (component["name"], variable["name"]) not in cp.device.variables:
        return "UnknownVariable"
    return "Accepted"


async def set_variable_monitoring_201(cp: ChargerApi, payload: Payload) -> Payload:
    results = []
    for item in payload["setMonitoringData"]:
        status = _monitor_target(cp, item)
        result: Payload = {
            "status": status,
            "type": item["type"],
            "severity": item["severity"],
            "component": item["component"],
            "variable": item["variable"],
        }
        if status == "Accepted":
            monitor_id = item.get("id", max(cp.device.monitors, default=0) + 1)
            cp.device.monitors[monitor_id] = {**item, "id": monitor_id}
            result["id"] = monitor_id
        results.append(result)
    return {"setMonitoringResult": results}


async def clear_variable_monitoring_201(cp: ChargerApi, payload: Payload) -> Payload:
    results = []
    for monitor_id in payload["id"]:
        found = cp.device.monitors.pop(monitor_id, None) is not None
        results.append({"id": monitor_id, "status": "Accepted" if found else "NotFound"})
    return {"clearMonitoringResult": results}


async def get_monitoring_report_201(cp: ChargerApi, payload: Payload) -> Payload:
    """N02: the monitors set on the variables asked for (all when none are named)."""
    asked = payload.get("componentVariable")
    types = {
        "ThresholdMonitoring": {"UpperThreshold", "LowerThreshold"},
        "DeltaMonitoring": {"Delta"},
        "Periodic": {"Periodic", "PeriodicClockAligned"},
    }
    criteria = payload.get("monitoringCriteria")
    allowed = set().union(*(types[c] for c in criteria)) if criteria else None
    monitors = [
        m
        for m in sorted(cp.device.monitors.values(), key=lambda m: m["id"])
        if (
            asked is None
            or any(_wanted(a, m["component"]["name"], m["variable"]["name"]) for a in asked)
        )
        and (allowed is None or m["type"] in allowed)
    ]
    if not monitors:
        return EMPTY
    report = [
        {
            "component": m["component"],
            "variable": m["variable"],
            "variableMonitoring": [
                {
                    "id": m["id"],
                    "transaction": m.get("transaction", False),
                    "value": m["value"],
                    "type": m["type"],
                    "severity": m["severity"],
                }
            ],
        }
        for m in monitors
    ]
    _reported(cp, payload["requestId"], "monitor", report)
    return dict(ACCEPTED)


async def refuse_monitors(cp: ChargerApi, payload: Payload) -> Payload:
    return {
        "setMonitoringResult": [
            {
                "status": "Rejected",
                "type": item["type"],
                "severity": item["severity"],
                "component": item["component"],
                "variable": item["variable"],
            }
            for item in payload["setMonitoringData"]
        ]
    }


async def refuse_clearing(cp: ChargerApi, payload: Payload) -> Payload:
    return {"clearMonitoringResult": [{"id": i, "status": "Rejected"} for i in payload["id"]]}


async def accept(cp: ChargerApi, payload: Payload) -> Payload:
    """SetMonitoringBase, SetMonitoringLevel: settings this station takes as they come."""
    return dict(ACCEPTED)


async def customer_information_201(cp: ChargerApi, payload: Payload) -> Payload:
    """N09/N10: the station holds no customer data; a report says so."""
    if payload["report"]:
        message = {
            "data": "no customer data stored",
            "seqNo": 0,
            "generatedAt": utc_timestamp(),
            "requestId": payload["requestId"],
            "tbc": False,
        }
        cp.after_answer(quietly(cp.call("NotifyCustomerInformation", message)))
    return dict(ACCEPTED)


# Display messages (O)


async def set_display_message_201(cp: ChargerApi, payload: Payload) -> Payload:
    """O01/O02: shown as asked; a message for a transaction needs that transaction."""
    message = payload["message"]
    transaction = message.get("transactionId")
    if transaction is not None and cp.charging.find_transaction(transaction) is None:
        return {"status": "UnknownTransaction"}
    cp.device.display_messages[message["id"]] = message
    return dict(ACCEPTED)


async def get_display_messages_201(cp: ChargerApi, payload: Payload) -> Payload:
    """O04: `Unknown` when no message matches, else Accepted and NotifyDisplayMessages."""
    ids = payload.get("id")
    matching = [
        m
        for m_id, m in sorted(cp.device.display_messages.items())
        if (ids is None or m_id in ids)
        and payload.get("priority", m["priority"]) == m["priority"]
        and ("state" not in payload or payload["state"] == m.get("state"))
    ]
    if not matching:
        return {"status": "Unknown"}
    message = {"requestId": payload["requestId"], "tbc": False, "messageInfo": matching}
    cp.after_answer(quietly(cp.call("NotifyDisplayMessages", message)))
    return dict(ACCEPTED)


async def clear_display_message_201(cp: ChargerApi, payload: Payload) -> Payload:
    found = cp.device.display_messages.pop(payload["id"], None) is not None
    return {"status": "Accepted" if found else "Unknown"}


async def cost_updated_201(cp: ChargerApi, payload: Payload) -> Payload:
    """I03: the running cost is shown; the answer carries nothing."""
    cp.device.running_costs[payload["transactionId"]] = payload["totalCost"]
    return {}


BLOCK_COMMANDS: dict[str, Command] = {
    "GetBaseReport": Command(get_base_report_201, refusal(REJECTED)),
    "GetReport": Command(get_report_201, refusal(REJECTED)),
    "GetTransactionStatus": Command(get_transaction_status_201, get_transaction_status_201),
    "SetNetworkProfile": Command(set_network_profile_201, refusal(REJECTED)),
    "PublishFirmware": Command(publish_firmware_201, refusal(REJECTED)),
    "UnpublishFirmware": Command(unpublish_firmware_201, refusal({"status": "NoFirmware"})),
    "InstallCertificate": Command(install_certificate, refusal(REJECTED)),
    "CertificateSigned": Command(certificates.certificate_signed, refusal(REJECTED)),
    "GetInstalledCertificateIds": Command(
        get_installed_certificate_ids_201, refusal({"status": "NotFound"})
    ),
    "DeleteCertificate": Command(delete_certificate, refusal({"status": "Failed"})),
    "SetVariableMonitoring": Command(set_variable_monitoring_201, refuse_monitors),
    "ClearVariableMonitoring": Command(clear_variable_monitoring_201, refuse_clearing),
    "GetMonitoringReport": Command(get_monitoring_report_201, refusal(REJECTED)),
    "SetMonitoringBase": Command(accept, refusal(REJECTED)),
    "SetMonitoringLevel": Command(accept, refusal(REJECTED)),
    "CustomerInformation": Command(customer_information_201, refusal(REJECTED)),
    "SetDisplayMessage": Command(set_display_message_201, refusal(REJECTED)),
    "GetDisplayMessages": Command(get_display_messages_201, refusal({"status": "Unknown"})),
    "ClearDisplayMessage": Command(clear_display_message_201, refusal({"status": "Unknown"})),
    "CostUpdated": Command(cost_updated_201, cost_updated_201),
}
