"""docs/ocpp201-use-cases.md: the OCPP 2.0.1 use cases (Part 2, blocks A to P), what the
platform does in each, and the tests named after it, found in the test sources.

    python -m devtools.use_cases > docs/ocpp201-use-cases.md      (make docs)

A test names the use cases it exercises at the start of its name (`test_B07_...`,
`test_F02_F03_...`); a parametrised case of tests/e2e/test_commands_via_api.py names one with
`use_case="G03"`. tests/unit/test_use_case_table.py fails when the committed file drifts, when a
test names a use case that does not exist, and when a use case marked built has no test through
the local gateway.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
USE_CASE_ID = re.compile(r"[A-P]\d{2}")
NAMED = re.compile(r"^test_((?:[A-P]\d{2}_)+)")


class Status(Enum):
    BUILT = "built"  # the CSMS's part works and is tested through the local gateway
    STATION = "station"  # happens inside the station; the CSMS's part is another use case's
    PARTIAL = "partial"  # the messages work; the behaviour around them is a named issue
    NOT_BUILT = "not built"


@dataclass(frozen=True)
class UseCase:
    id: str
    title: str
    status: Status
    csms_part: str


B, S, P, N = Status.BUILT, Status.STATION, Status.PARTIAL, Status.NOT_BUILT

BLOCKS = {
    "A": "Security",
    "B": "Provisioning",
    "C": "Authorization",
    "D": "Local authorization list management",
    "E": "Transactions",
    "F": "Remote control",
    "G": "Availability",
    "H": "Reservation",
    "I": "Tariff and cost",
    "J": "Meter values",
    "K": "Smart charging",
    "L": "Firmware management",
    "M": "ISO 15118 certificate management",
    "N": "Diagnostics",
    "O": "Display message",
    "P": "Data transfer",
}

USE_CASES = (
    UseCase(
        "A01",
        "Update Charging Station Password for HTTP Basic Authentication",
        B,
        "`POST /api/chargers/{id}/password/rotate` sends a generated password (1.6: "
        "AuthorizationKey, hex); its hash is stored only when the station accepts (a late "
        "Accepted counts), the old one opens connections until the first connect with the new "
        "one or 24 h; requests stored redacted (ADR 0043).",
    ),
    UseCase(
        "A02",
        "Update Charging Station Certificate by request of CSMS",
        B,
        "`POST /api/chargers/{id}/certificates/renew` sends TriggerMessage "
        "SignChargingStationCertificate; the CSR is signed by the platform's CA and sent in "
        "CertificateSigned (docs/adr/0041).",
    ),
    UseCase(
        "A03",
        "Update Charging Station Certificate initiated by the Charging Station",
        B,
        "SignCertificate checked (signature, CN, organization), signed once, CertificateSigned "
        "sent once; `GET /api/chargers/{id}/certificates`. V2G CSRs Rejected unless configured.",
    ),
    UseCase(
        "A04",
        "Security Event Notification",
        B,
        "Stored per station (ChargerEvents), critical types raise the CriticalSecurityEvents "
        "alarm; `GET /api/chargers/{id}/events`.",
    ),
    UseCase(
        "B01",
        "Cold Boot Charging Station",
        B,
        "BootNotification answered with the registration status and heartbeat interval; boot "
        "facts stored on the charger.",
    ),
    UseCase(
        "B02",
        "Cold Boot Charging Station - Pending",
        B,
        "A Pending station may only be configured; its other messages get SecurityError "
        "(ADR 0040).",
    ),
    UseCase(
        "B03",
        "Cold Boot Charging Station - Rejected",
        B,
        "Nothing but BootNotification is accepted, and no command is sent (409 ChargerRejected).",
    ),
    UseCase(
        "B04",
        "Offline Behavior Idle Charging Station",
        S,
        "The station's own; on reconnect its StatusNotifications update the connectors.",
    ),
    UseCase(
        "B05",
        "Set Variables",
        B,
        "`POST /api/chargers/{id}/device-model/set-variables`: split to the station's "
        "SetVariables limits (ItemsPerMessage, BytesPerMessage), results merged.",
    ),
    UseCase(
        "B06",
        "Get Variables",
        B,
        "`POST /api/chargers/{id}/device-model/get-variables`: split and merged like B05.",
    ),
    UseCase(
        "B07",
        "Get Base Report",
        B,
        "NotifyReport parts assembled into the stored device model; "
        "`GET /api/chargers/{id}/device-model`.",
    ),
    UseCase("B08", "Get Custom Report", B, "GetReport; the report lands in the device model."),
    UseCase(
        "B09",
        "Setting a new NetworkConnectionProfile",
        B,
        "SetNetworkProfile through the command engine with its official schema.",
    ),
    UseCase(
        "B10",
        "Migrate to new CSMS",
        P,
        "Its messages work (B09 SetNetworkProfile, B05 NetworkConfigurationPriority, B11 "
        "Reset); the migration is an operator's procedure, not a workflow of the platform.",
    ),
    UseCase(
        "B11",
        "Reset - Without Ongoing Transaction",
        B,
        "Reset through the command engine; the station's new boot is recorded.",
    ),
    UseCase(
        "B12",
        "Reset - With Ongoing Transaction",
        B,
        "Reset OnIdle is Scheduled; the transaction ends and the station reboots.",
    ),
    UseCase(
        "C01",
        "EV Driver Authorization using RFID",
        B,
        "Authorize answered from the id tag store (Accepted, Blocked, Expired, Invalid, "
        "Unknown), with groupIdToken and cacheExpiryDateTime.",
    ),
    UseCase(
        "C02",
        "Authorization using a start button",
        S,
        "The station starts with idToken type NoAuthorization; the CSMS records the session.",
    ),
    UseCase(
        "C03",
        "Authorization using credit/debit card",
        S,
        "Payment at the station's terminal; the CSMS sees a TransactionEvent.",
    ),
    UseCase("C04", "Authorization using PIN-code", S, "Checked by the station."),
    UseCase(
        "C05",
        "Authorization for CSMS initiated transactions",
        B,
        "RequestStartTransaction carries the driver's token; the station's TransactionEvent "
        "with its remoteStartId makes the session.",
    ),
    UseCase(
        "C06",
        "Authorization using local id type",
        S,
        "idToken type Local is authorized like any other.",
    ),
    UseCase(
        "C07",
        "Authorization using Contract Certificates",
        B,
        "The contract chain or its OCSP hash data checked through the OCSP port: "
        "certificateStatus answered, a revoked contract Invalid (ADR 0042).",
    ),
    UseCase(
        "C08",
        "Authorization at EVSE using ISO 15118 External Identification Means (EIM)",
        S,
        "The EV's EIM is the station's; the CSMS authorizes the token as in C01.",
    ),
    UseCase(
        "C09",
        "Authorization by GroupId",
        B,
        "The id tag store's parent id is sent as groupIdToken.",
    ),
    UseCase(
        "C10",
        "Store Authorization Data in the Authorization Cache",
        S,
        "The station's cache; the CSMS sends cacheExpiryDateTime.",
    ),
    UseCase("C11", "Clear Authorization Data in Authorization Cache", B, "ClearCache."),
    UseCase("C12", "Start Transaction - Cached Id", S, "The station's cache."),
    UseCase(
        "C13",
        "Offline Authorization through Local Authorization List",
        S,
        "The station's list (sent by D01).",
    ),
    UseCase(
        "C14",
        "Online Authorization through Local Authorization List",
        S,
        "The station's list (sent by D01).",
    ),
    UseCase(
        "C15",
        "Offline Authorization of unknown Id",
        S,
        "The station starts offline; the TransactionEvent sent later is answered with the "
        "token's real status.",
    ),
    UseCase(
        "C16",
        "Stop Transaction with a Master Pass",
        S,
        "The station's MasterPassGroupId; the CSMS records the stop.",
    ),
    UseCase(
        "D01",
        "Send Local Authorization List",
        B,
        "`POST /api/chargers/{id}/local-list` sends the stored tags (Full or Differential) "
        "with their stored token types.",
    ),
    UseCase("D02", "Get Local List Version", B, "GetLocalListVersion."),
    UseCase(
        "E01",
        "Start Transaction options",
        B,
        "A TransactionEvent Started, whatever its trigger, makes one session.",
    ),
    UseCase(
        "E02",
        "Start Transaction - Cable Plugin First",
        B,
        "Started with CablePluggedIn, then Updated with the token: one session.",
    ),
    UseCase(
        "E03",
        "Start Transaction - IdToken First",
        B,
        "Started with Authorized and the token; its idTokenInfo answered.",
    ),
    UseCase(
        "E04",
        "Transaction started while Charging Station is offline",
        B,
        "Events sent after the reconnect (offline=true) make one session at their own times.",
    ),
    UseCase(
        "E05",
        "Start Transaction - Id not Accepted",
        B,
        "The TransactionEvent's idTokenInfo says Invalid/Blocked; the session records it.",
    ),
    UseCase(
        "E06",
        "Stop Transaction options",
        B,
        "A TransactionEvent Ended stops the session with its stoppedReason and energy.",
    ),
    UseCase(
        "E07",
        "Transaction locally stopped by IdToken",
        B,
        "Ended with the stopping token: idTokenInfo answered, the session stopped.",
    ),
    UseCase(
        "E08",
        "Transaction stopped while Charging Station is offline",
        B,
        "The Ended event sent after the reconnect stops the session at its own time.",
    ),
    UseCase(
        "E09",
        "When cable disconnected on EV-side: Stop Transaction",
        S,
        "The station ends the transaction (EVDeparted); the CSMS records the stop.",
    ),
    UseCase(
        "E10",
        "When cable disconnected on EV-side: Suspend Transaction",
        S,
        "The station suspends; the CSMS records the charging state.",
    ),
    UseCase(
        "E11",
        "Connection Loss During Transaction",
        B,
        "Events queued during the outage are accepted once, in order, on reconnect.",
    ),
    UseCase(
        "E12",
        "Inform CSMS of an Offline Occurred Transaction",
        B,
        "A whole transaction sent after the reconnect makes one completed session.",
    ),
    UseCase(
        "E13",
        "Transaction-related message not accepted by CSMS",
        B,
        "A TransactionEvent the CSMS cannot store is answered CALLERROR and stored once when "
        "resent (seqNo de-duplication).",
    ),
    UseCase(
        "E14",
        "Check transaction status",
        B,
        "GetTransactionStatus through the command engine.",
    ),
    UseCase(
        "E15",
        "End of charging process",
        S,
        "The station's; the CSMS records the chargingState.",
    ),
    UseCase(
        "F01",
        "Remote Start Transaction - Cable Plugin First",
        S,
        "The CSMS's part is F02's; whether the cable came first is the station's.",
    ),
    UseCase(
        "F02",
        "Remote Start Transaction - Remote Start First",
        B,
        "RequestStartTransaction; the session is linked by remoteStartId.",
    ),
    UseCase("F03", "Remote Stop Transaction", B, "RequestStopTransaction; the session stops."),
    UseCase(
        "F04",
        "Remote Stop ISO 15118 Charging from CSMS",
        S,
        "The CSMS's part is F03's; the ISO 15118 part is the station's.",
    ),
    UseCase("F05", "Remotely Unlock Connector", B, "UnlockConnector."),
    UseCase(
        "F06",
        "Trigger Message",
        B,
        "TriggerMessage; the triggered message is handled as usual.",
    ),
    UseCase(
        "G01",
        "Status Notification",
        B,
        "Connector status stored and published; `GET /api/chargers/{id}` shows it.",
    ),
    UseCase("G02", "Heartbeat", B, "Answered with currentTime; last seen updated."),
    UseCase(
        "G03",
        "Change Availability EVSE/Connector",
        B,
        "ChangeAvailability with an evse; the station's status follows.",
    ),
    UseCase(
        "G04",
        "Change Availability Charging Station",
        B,
        "ChangeAvailability without an evse.",
    ),
    UseCase(
        "G05",
        "Lock Failure",
        B,
        "NotifyEvent ConnectorPlugRetentionLock problem stored as an alert.",
    ),
    UseCase(
        "H01",
        "Reservation",
        B,
        "ReserveNow from the reservation resource with a 2.0.1 payload.",
    ),
    UseCase("H02", "Cancel Reservation", B, "CancelReservation."),
    UseCase(
        "H03",
        "Use a reserved EVSE",
        B,
        "The TransactionEvent naming the reservationId consumes it.",
    ),
    UseCase(
        "H04",
        "Reservation Ended, not used",
        B,
        "ReservationStatusUpdate Expired/Removed closes the reservation record.",
    ),
    UseCase(
        "I01",
        "Show EV Driver-specific Tariff Information",
        B,
        "A driver's priced session: the tariff as text in the answer to Started (ADR 0044).",
    ),
    UseCase(
        "I02",
        "Show EV Driver Running Total Cost During Charging",
        B,
        "CostUpdated with the running cost, at most once per interval (ADR 0044).",
    ),
    UseCase(
        "I03",
        "Show EV Driver Final Total Cost After Charging",
        B,
        "totalCost in the answer to Ended: the receipt's total (ADR 0044).",
    ),
    UseCase("I04", "Show Fallback Tariff Information", S, "The station's configured text."),
    UseCase("I05", "Show Fallback Total Cost Message", S, "The station's configured text."),
    UseCase(
        "I06",
        "Update Tariff Information During Transaction",
        N,
        "Not built: a session is priced at the tariff version of its start (ADR 0044), so its "
        "tariff never changes during it and there is nothing to update.",
    ),
    UseCase(
        "J01",
        "Sending Meter Values not related to a transaction",
        P,
        "MeterValues accepted and put on the telemetry stream; no report reads readings "
        "outside a transaction yet.",
    ),
    UseCase(
        "J02",
        "Sending transaction related Meter Values",
        B,
        "Meter values in TransactionEvents: the session's energy and curve.",
    ),
    UseCase(
        "J03",
        "Charging Loop with metering information exchange",
        S,
        "The ISO 15118 loop is the station's; its meter values arrive as in J02.",
    ),
    UseCase(
        "K01",
        "SetChargingProfile",
        P,
        "SetChargingProfile through the command engine; allocation is issue #18.",
    ),
    UseCase("K02", "Central Smart Charging", P, "Issue #18."),
    UseCase("K03", "Local Smart Charging", S, "A local controller's."),
    UseCase("K04", "Internal Load Balancing", S, "The station's."),
    UseCase(
        "K05",
        "Remote Start Transaction with Charging Profile",
        P,
        "RequestStartTransaction accepts a chargingProfile; allocation is issue #18.",
    ),
    UseCase(
        "K06",
        "Offline Behavior Smart Charging During Transaction",
        S,
        "The station keeps its last profiles.",
    ),
    UseCase(
        "K07",
        "Offline Behavior Smart Charging at Start of Transaction",
        S,
        "The station's TxDefaultProfile.",
    ),
    UseCase("K08", "Get Composite Schedule", P, "GetCompositeSchedule through the engine."),
    UseCase(
        "K09",
        "Get Charging Profiles",
        B,
        "GetChargingProfiles; the ReportChargingProfiles parts are stored.",
    ),
    UseCase("K10", "Clear Charging Profile", P, "ClearChargingProfile through the engine."),
    UseCase(
        "K11",
        "Set / Update External Charging Limit With Ongoing Transaction",
        B,
        "NotifyChargingLimit stored; `GET /api/chargers/{id}/charging-limits`.",
    ),
    UseCase(
        "K12",
        "Set / Update External Charging Limit Without Ongoing Transaction",
        B,
        "As K11.",
    ),
    UseCase(
        "K13",
        "Reset / release external charging limit",
        B,
        "ClearedChargingLimit removes the stored limit.",
    ),
    UseCase(
        "K14",
        "External Charging Limit with Local Controller",
        S,
        "The local controller's; its notifications arrive as in K11.",
    ),
    UseCase(
        "K15",
        "Charging with load leveling based on High Level Communication",
        P,
        "NotifyEVChargingNeeds stored and answered Rejected (no central schedule yet, #18); "
        "NotifyEVChargingSchedule stored.",
    ),
    UseCase("K16", "Renegotiation initiated by CSMS", P, "Issue #18."),
    UseCase(
        "K17",
        "Renegotiation initiated by EV",
        P,
        "NotifyEVChargingNeeds stored; issue #18 answers with a schedule.",
    ),
    UseCase(
        "L01",
        "Secure Firmware Update",
        B,
        "UpdateFirmware with the image's signing certificate and signature and a short /files "
        "location; each FirmwareStatusNotification moves the campaign's target (ADR 0045).",
    ),
    UseCase(
        "L02",
        "Non-Secure Firmware Update",
        B,
        "UpdateFirmware with a short /files location (307 to a presigned S3 GET); campaigns "
        "roll it out in waves, confirmed by the version at the next boot (ADR 0045).",
    ),
    UseCase(
        "L03",
        "Publish Firmware file on Local Controller",
        B,
        "PublishFirmware; PublishFirmwareStatusNotification stored.",
    ),
    UseCase("L04", "Unpublish Firmware file on Local Controller", B, "UnpublishFirmware."),
    UseCase(
        "M01",
        "Certificate installation EV",
        B,
        "Get15118EVCertificate passed to the contract certificate pool port; Failed with a "
        "reason when no pool is configured.",
    ),
    UseCase("M02", "Certificate Update EV", B, "As M01, action Update."),
    UseCase(
        "M03",
        "Retrieve list of available certificates from a Charging Station",
        B,
        "GetInstalledCertificateIds.",
    ),
    UseCase(
        "M04",
        "Delete a specific certificate from a Charging Station",
        B,
        "DeleteCertificate.",
    ),
    UseCase("M05", "Install CA certificate in a Charging Station", B, "InstallCertificate."),
    UseCase(
        "M06",
        "Get Charging Station Certificate status",
        B,
        "GetCertificateStatus: the OCSP responder's answer relayed as ocspResult.",
    ),
    UseCase(
        "N01",
        "Retrieve Log Information",
        B,
        "GetLog with a `/files/<token>` upload location (`POST /api/chargers/{id}/diagnostics`);"
        " LogStatusNotification stored on the charger and on the request; the file relayed to "
        "the files bucket and linked by the list route (docs/firmware.md).",
    ),
    UseCase(
        "N02",
        "Get Monitoring report",
        B,
        "GetMonitoringReport; NotifyMonitoringReport stored.",
    ),
    UseCase("N03", "Set Monitoring Base", B, "SetMonitoringBase."),
    UseCase("N04", "Set Variable Monitoring", B, "SetVariableMonitoring."),
    UseCase("N05", "Set Monitoring Level", B, "SetMonitoringLevel."),
    UseCase("N06", "Clear / Remove Monitoring", B, "ClearVariableMonitoring."),
    UseCase(
        "N07",
        "Alert Event",
        B,
        "NotifyEvent stored per component/variable; connector states and alerts follow.",
    ),
    UseCase("N08", "Periodic Event", B, "NotifyEvent Periodic stored."),
    UseCase(
        "N09",
        "Get Customer Information",
        B,
        "CustomerInformation; NotifyCustomerInformation parts stored.",
    ),
    UseCase(
        "N10",
        "Clear Customer Information",
        B,
        "CustomerInformation with clear=true.",
    ),
    UseCase("O01", "Set DisplayMessage", B, "SetDisplayMessage."),
    UseCase(
        "O02",
        "Set DisplayMessage for Transaction",
        B,
        "SetDisplayMessage with a transactionId.",
    ),
    UseCase(
        "O03",
        "Get All DisplayMessages",
        B,
        "GetDisplayMessages; NotifyDisplayMessages stored.",
    ),
    UseCase("O04", "Get Specific DisplayMessages", B, "GetDisplayMessages with ids."),
    UseCase("O05", "Clear a DisplayMessage", B, "ClearDisplayMessage."),
    UseCase("O06", "Replace DisplayMessage", B, "SetDisplayMessage with a known id."),
    UseCase(
        "P01",
        "Data Transfer to the Charging Station",
        B,
        "DataTransfer through the command engine.",
    ),
    UseCase(
        "P02",
        "Data Transfer to the CSMS",
        B,
        "Routed to a registered vendor handler; UnknownVendorId otherwise.",
    ),
)

BY_ID = {case.id: case for case in USE_CASES}


@dataclass(frozen=True)
class NamedTest:
    path: str  # relative to the repository
    name: str  # the function name, with a parametrised case's id in brackets
    use_cases: tuple[str, ...]

    @property
    def through_the_gateway(self) -> bool:
        return self.path.startswith("tests/e2e/") or self.path.startswith("tests/browser/")


def _use_case_keyword(call: ast.Call) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "use_case" and isinstance(keyword.value, ast.Constant):
            value = keyword.value.value
            return value if isinstance(value, str) else None
    return None


def named_tests(root: Path = TESTS) -> Iterator[NamedTest]:
    """Every test function whose name starts with use case ids, and every parametrised case
    built with `use_case="..."` (named `module[use case]`), in the test sources under `root`,
    with paths relative to root's parent."""
    for path in sorted(root.rglob("test_*.py")):
        relative = path.relative_to(root.parent).as_posix()
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found = NAMED.match(node.name)
                if found:
                    ids = tuple(USE_CASE_ID.findall(found.group(1)))
                    yield NamedTest(relative, node.name, ids)
            elif isinstance(node, ast.Call):
                use_case = _use_case_keyword(node)
                if use_case is not None:
                    yield NamedTest(relative, f"{path.stem}[{use_case}]", (use_case,))


def render(tests: list[NamedTest]) -> str:
    by_case: dict[str, list[NamedTest]] = {}
    for test in tests:
        for use_case in test.use_cases:
            by_case.setdefault(use_case, []).append(test)
    counts = {status: sum(c.status is status for c in USE_CASES) for status in Status}
    lines = [
        "# OCPP 2.0.1 use cases",
        "",
        "<!-- Generated by `python -m devtools.use_cases` (make docs): do not edit by hand. -->",
        "",
        "Every use case of OCPP 2.0.1 Part 2, what the platform does in it, and the tests named",
        "after it. A test through the local gateway drives a simulated 2.0.1 station against the",
        "local platform (tests/e2e/); a unit test checks the rule behind it.",
        "",
        "Status: **built**: the CSMS's part works and is tested through the local gateway;",
        "**station**: the use case happens inside the station, the CSMS's part is that of the",
        "use case named; **partial**: the messages work, the behaviour around them is the named",
        "issue's; **not built**: not yet.",
        "",
        ", ".join(f"{status.value}: {counts[status]}" for status in Status) + ".",
        "",
    ]
    for block, title in BLOCKS.items():
        lines += [
            f"## {block}. {title}",
            "",
            "| Use case | Status | What the platform does | Tests through the gateway "
            "| Unit tests |",
            "|---|---|---|---|---|",
        ]
        for case in (c for c in USE_CASES if c.id.startswith(block)):
            named = by_case.get(case.id, [])
            gateway = sorted({f"`{t.name}`" for t in named if t.through_the_gateway})
            unit = sum(not t.through_the_gateway for t in named)
            lines.append(
                f"| {case.id} {case.title} | {case.status.value} | {case.csms_part} "
                f"| {', '.join(gateway) or '-'} | {unit or '-'} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    print(render(list(named_tests())), end="")


if __name__ == "__main__":
    main()
