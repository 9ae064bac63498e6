"""The simulated 2.0.1 station keeps what the blocks beyond the core set (display messages,
monitors, certificates) and reports it as the spec's use cases say."""

from __future__ import annotations

from tests.unit.simulator.scripted_csms import async_test
from tests.unit.simulator.test_command_handlers import (
    DISPLAY_MESSAGE,
    MONITOR,
    PEM,
    V201,
    VARIABLE,
    bench,
)


@async_test
async def test_O01_O04_a_set_display_message_is_reported_and_cleared():
    async with bench(V201) as b:
        assert await b.send("SetDisplayMessage", {"message": DISPLAY_MESSAGE}) == {
            "status": "Accepted"
        }
        for_a_transaction = {**DISPLAY_MESSAGE, "id": 2, "transactionId": "none"}
        assert await b.send("SetDisplayMessage", {"message": for_a_transaction}) == {
            "status": "UnknownTransaction"
        }
        assert await b.send("GetDisplayMessages", {"requestId": 8, "id": [1]}) == {
            "status": "Accepted"
        }
        (report,) = await b.until_sent("NotifyDisplayMessages")
        assert await b.send("ClearDisplayMessage", {"id": 1}) == {"status": "Accepted"}
        assert await b.send("GetDisplayMessages", {"requestId": 9}) == {"status": "Unknown"}
    assert report == {"requestId": 8, "tbc": False, "messageInfo": [DISPLAY_MESSAGE]}


@async_test
async def test_N04_N02_a_monitor_set_is_reported_and_cleared():
    async with bench(V201) as b:
        unknown = {**MONITOR, "component": {"name": "FluxCapacitor"}}
        result = await b.send("SetVariableMonitoring", {"setMonitoringData": [MONITOR, unknown]})
        assert [r["status"] for r in result["setMonitoringResult"]] == [
            "Accepted",
            "UnknownComponent",
        ]
        criteria = {"requestId": 3, "monitoringCriteria": ["DeltaMonitoring"]}
        assert await b.send("GetMonitoringReport", criteria) == {"status": "EmptyResultSet"}
        assert await b.send("GetMonitoringReport", {"requestId": 4}) == {"status": "Accepted"}
        (report,) = await b.until_sent("NotifyMonitoringReport")
        cleared = await b.send("ClearVariableMonitoring", {"id": [1]})
    assert report["requestId"] == 4 and report["tbc"] is False
    assert report["monitor"] == [
        {
            **VARIABLE,
            "variableMonitoring": [
                {
                    "id": 1,
                    "transaction": False,
                    "value": 100,
                    "type": "UpperThreshold",
                    "severity": 5,
                }
            ],
        }
    ]
    assert cleared == {"clearMonitoringResult": [{"id": 1, "status": "Accepted"}]}


@async_test
async def test_M05_M03_M04_an_installed_certificate_is_listed_and_deleted():
    async with bench(V201) as b:
        install = {"certificateType": "CSMSRootCertificate", "certificate": PEM}
        assert await b.send("InstallCertificate", install) == {"status": "Accepted"}
        assert await b.send("InstallCertificate", {**install, "certificate": "junk"}) == {
            "status": "Rejected"
        }
        listed = await b.send(
            "GetInstalledCertificateIds", {"certificateType": ["CSMSRootCertificate"]}
        )
        (entry,) = listed["certificateHashDataChain"]
        hash_data = entry["certificateHashData"]
        deleted = await b.send("DeleteCertificate", {"certificateHashData": hash_data})
        again = await b.send("DeleteCertificate", {"certificateHashData": hash_data})
    assert entry["certificateType"] == "CSMSRootCertificate"
    assert (deleted, again) == ({"status": "Accepted"}, {"status": "NotFound"})


@async_test
async def test_B08_get_report_sends_the_asked_variables_in_a_notify_report():
    async with bench(V201) as b:
        asked = {"requestId": 5, "componentVariable": [VARIABLE]}
        assert await b.send("GetReport", asked) == {"status": "Accepted"}
        (report,) = await b.until_sent("NotifyReport")
        problems = {"requestId": 6, "componentCriteria": ["Problem"]}
        assert await b.send("GetReport", problems) == {"status": "EmptyResultSet"}
    assert (report["requestId"], report["seqNo"], report["tbc"]) == (5, 0, False)
    (item,) = report["reportData"]
    assert (item["component"], item["variable"]) == (VARIABLE["component"], VARIABLE["variable"])
