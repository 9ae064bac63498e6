"""Firmware updates and uploads as the simulated charger runs them: real HTTP downloads
(redirects followed) and uploads against a small file server, and the failure knobs."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from simulator import Backoff, SimulatedCharger
from simulator.command_handlers.transfers import (
    TransferFailed,
    firmware_file,
    pretended,
    version_in,
)
from simulator.job_faults import JobFaults, always
from tests.unit.simulator.schemas import assert_valid_request
from tests.unit.simulator.scripted_csms import ScriptedCsms, async_test

V16, V201 = "ocpp1.6", "ocpp2.0.1"
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
NOW = datetime.now(UTC).isoformat().replace("+00:00", "Z")


class FileServer:
    """`/files/<token>` answers 307 to `/objects/<token>` (like the platform's relay); PUTs
    are kept; `/broken/...` answers 500."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.url = ""

    async def redirect(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPTemporaryRedirect(f"/objects/{request.match_info['token']}")

    async def get(self, request: web.Request) -> web.StreamResponse:
        body = self.objects.get(request.match_info["token"])
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(body=body)

    async def put(self, request: web.Request) -> web.StreamResponse:
        self.objects[request.match_info["rest"]] = await request.read()
        return web.Response(status=200)

    async def broken(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPInternalServerError()


@contextlib.asynccontextmanager
async def file_server() -> AsyncIterator[FileServer]:
    server = FileServer()
    app = web.Application()
    app.router.add_get("/files/{token}", server.redirect)
    app.router.add_get("/objects/{token}", server.get)
    app.router.add_put("/files/{rest:.+}", server.put)
    app.router.add_route("*", "/broken/{rest:.*}", server.broken)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def station(
    protocol: str, faults: JobFaults | None = None
) -> AsyncIterator[tuple[ScriptedCsms, SimulatedCharger, FileServer]]:
    async with file_server() as files, ScriptedCsms() as csms:
        cp = SimulatedCharger(
            csms.url,
            "CP-1",
            protocol=protocol,
            backoff=Backoff(initial_s=0.01, max_s=0.05),
            job_faults=faults,
        )
        cp.device.job_step_s = 0.01
        async with cp:
            yield csms, cp, files
        for call in csms.calls():
            assert call.action is not None
            assert_valid_request(protocol, call.action, call.payload)


async def send(csms: ScriptedCsms, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    frame = await csms.send_call("CP-1", action, payload)
    assert frame[0] == 3, frame
    answer: dict[str, Any] = frame[2]
    return answer


def statuses(csms: ScriptedCsms, action: str) -> list[str]:
    return [call.payload["status"] for call in csms.calls(action)]


def update_201(location: str, *, signed: bool = False) -> dict[str, Any]:
    firmware: dict[str, Any] = {"location": location, "retrieveDateTime": NOW}
    if signed:
        firmware |= {"signingCertificate": PEM, "signature": "c2ln"}
    return {"requestId": 5, "retries": 1, "retryInterval": 1, "firmware": firmware}


async def until_statuses(csms: ScriptedCsms, action: str, last: set[str]) -> list[str]:
    await csms.wait_until(
        lambda: bool(statuses(csms, action)) and statuses(csms, action)[-1] in last
    )
    return statuses(csms, action)


FINAL = {"Installed", "DownloadFailed", "InstallationFailed", "InvalidSignature"}


@async_test
async def test_a_201_station_downloads_through_the_redirect_and_boots_the_image_version():
    async with station(V201) as (csms, _cp, files):
        files.objects["tok"] = firmware_file("7.1.0", 2000)
        answer = await send(csms, "UpdateFirmware", update_201(f"{files.url}/files/tok"))
        seen = await until_statuses(csms, "FirmwareStatusNotification", FINAL)
    assert answer == {"status": "Accepted"}
    assert seen == ["Downloading", "Downloaded", "Installing", "InstallRebooting", "Installed"]
    boots = [c.payload for c in csms.calls("BootNotification")]
    # Driven step by step, the charger booted only when it rebooted into the new image.
    assert len(boots) == 1 and boots[-1]["chargingStation"]["firmwareVersion"] == "7.1.0"
    assert boots[-1]["reason"] == "FirmwareUpdate"


@async_test
async def test_a_16_charger_reports_download_failed_on_an_http_error():
    async with station(V16) as (csms, _cp, files):
        payload = {"location": f"{files.url}/files/missing", "retrieveDate": NOW, "retries": 1}
        assert await send(csms, "UpdateFirmware", payload) == {}
        seen = await until_statuses(csms, "FirmwareStatusNotification", FINAL)
    assert seen == ["Downloading", "DownloadFailed"]
    assert csms.calls("BootNotification") == []


@async_test
async def test_a_truncated_image_is_a_failed_download():
    async with station(V16) as (csms, _cp, files):
        files.objects["tok"] = firmware_file("7.1.0", 2000)[:1500]
        payload = {"location": f"{files.url}/files/tok", "retrieveDate": NOW}
        await send(csms, "UpdateFirmware", payload)
        seen = await until_statuses(csms, "FirmwareStatusNotification", FINAL)
    assert seen == ["Downloading", "DownloadFailed"]


@pytest.mark.parametrize(
    ("outcome", "signed", "expected", "version"),
    [
        ("download_failed", False, ["Downloading", "DownloadFailed"], "sim-1.0.0"),
        (
            "install_failed",
            True,
            ["Downloading", "Downloaded", "SignatureVerified", "Installing", "InstallationFailed"],
            "sim-1.0.0",
        ),
        ("invalid_signature", True, ["Downloading", "Downloaded", "InvalidSignature"], "sim-1.0.0"),
        (
            "old_version",
            False,
            ["Downloading", "Downloaded", "Installing", "InstallRebooting", "Installed"],
            "sim-1.0.0",
        ),
    ],
)
def test_each_failure_knob_ends_the_update_its_way(outcome, signed, expected, version):
    @async_test
    async def run() -> None:
        async with station(V201, always(outcome)) as (csms, cp, files):
            files.objects["tok"] = firmware_file("7.1.0")
            await send(csms, "UpdateFirmware", update_201(f"{files.url}/files/tok", signed=signed))
            seen = await until_statuses(csms, "FirmwareStatusNotification", FINAL)
            await cp.boot()
        assert seen == expected
        last_boot = csms.calls("BootNotification")[-1].payload
        assert last_boot["chargingStation"]["firmwareVersion"] == version

    run()


@async_test
async def test_a_station_that_never_reports_accepts_and_stays_silent():
    async with station(V201, always("never_reports", step_s=0.01)) as (csms, cp, files):
        files.objects["tok"] = firmware_file("7.1.0")
        answer = await send(csms, "UpdateFirmware", update_201(f"{files.url}/files/tok"))
        await cp.heartbeat()
    assert answer == {"status": "Accepted"}
    assert csms.calls("FirmwareStatusNotification") == []


@async_test
async def test_uploads_put_a_generated_file_and_failures_are_reported():
    async with station(V16) as (csms, _cp, files):
        answer = await send(csms, "GetDiagnostics", {"location": f"{files.url}/files/up"})
        await until_statuses(csms, "DiagnosticsStatusNotification", {"Uploaded", "UploadFailed"})
        await send(csms, "GetDiagnostics", {"location": f"{files.url}/broken/"})
        await csms.wait_until(lambda: len(statuses(csms, "DiagnosticsStatusNotification")) == 4)
    assert statuses(csms, "DiagnosticsStatusNotification") == [
        "Uploading",
        "Uploaded",
        "Uploading",
        "UploadFailed",
    ]
    stored = files.objects[f"up/{answer['fileName']}"]
    assert stored.startswith(b"# diagnostics of CP-1")


@async_test
async def test_a_201_log_upload_failure_knob_reports_upload_failure():
    async with station(V201, JobFaults(upload_failed=1.0)) as (csms, _cp, files):
        log = {"logType": "SecurityLog", "requestId": 9, "log": {"remoteLocation": files.url}}
        await send(csms, "GetLog", log)
        await csms.wait_until(lambda: len(statuses(csms, "LogStatusNotification")) == 2)
    assert statuses(csms, "LogStatusNotification") == ["Uploading", "UploadFailure"]
    assert files.objects == {}


def test_knobs_are_checked_and_repeatable():
    assert JobFaults(install_failed=0.7, download_failed=0.5).problems() == [
        "the firmware failure probabilities add up to more than 1"
    ]
    assert JobFaults(upload_failed=2).problems() == [
        "upload_failed must be a probability between 0 and 1"
    ]
    faults = JobFaults(install_failed=0.3, seed=4)
    first = [faults.firmware_outcome(faults.rng("CP-9")) for _ in range(1)]
    rng_a, rng_b = faults.rng("CP-9"), faults.rng("CP-9")
    assert [faults.firmware_outcome(rng_a) for _ in range(50)] == [
        faults.firmware_outcome(rng_b) for _ in range(50)
    ]
    outcomes = [faults.firmware_outcome(rng_a) for _ in range(2000)]
    assert 0.25 < outcomes.count("install_failed") / 2000 < 0.35
    assert set(outcomes) == {"installed", "install_failed"} and first


def test_simulated_images_name_their_version_and_size():
    body = firmware_file("2.0.0", 100)
    assert len(body) == 100 and version_in(body) == "2.0.0"
    assert version_in(b"plain bytes") is None
    with pytest.raises(TransferFailed):
        version_in(body[:60])
    assert pretended("https://firmware.example.com/x") and pretended("ftp://x.test/")
    assert not pretended("http://127.0.0.1:8080/files/abc")


def test_fleet_and_cli_set_the_knobs_for_all_or_some_chargers():
    from simulator.cli import build_parser, config_from_args
    from simulator.fleet import FleetConfig

    args = build_parser().parse_args(
        ["-n", "10", "--install-failed", "0.5", "--job-step", "0.01", "--faults-on", "3,7-9"]
    )
    config = config_from_args(args)
    assert config.job_faults == JobFaults(install_failed=0.5, step_s=0.01)
    assert config.job_faults_of(8).install_failed == 0.5
    assert config.job_faults_of(4) == JobFaults(step_s=0.01)
    chosen = FleetConfig(
        job_faults_for=lambda cp_id: always("never_reports") if "2" in cp_id else None
    )
    assert chosen.job_faults_of(2).never_reports == 1.0
    assert chosen.job_faults_of(1).never_reports == 0.0
    bad = FleetConfig(job_faults=JobFaults(download_failed=0.8, old_version=0.8))
    with pytest.raises(ValueError, match="add up to more than 1"):
        bad.validate()
