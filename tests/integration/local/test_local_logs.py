"""Logs of a local run: one readable line per event, with the reason of a refusal; JSON lines
(unchanged) where the platform does not ask for text, as on AWS."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import aiohttp
import pytest

from csms_cli.client import Client
from local.platform import LocalPlatform
from local.settings import LocalSettings
from shared import observability

from .helpers import run


@pytest.fixture
def console(monkeypatch) -> Iterator[io.StringIO]:
    """Everything written by the handlers' logger and by the root logger (the local console)."""
    out = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", out)
    root_handler = logging.StreamHandler(out)
    root_handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(root_handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(root_handler)
        root.setLevel(level)


class _Collecting(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _lines_about(text: str, charge_point_id: str) -> list[str]:
    return [line for line in text.splitlines() if charge_point_id in line]


async def _connect_and_boot(platform: LocalPlatform, charge_point_id: str) -> int | str:
    """The handshake's status when refused, else the BootNotification answer's status."""
    async with aiohttp.ClientSession() as http:
        try:
            ws = await http.ws_connect(
                f"{platform.ws_url}/{charge_point_id}", protocols=("ocpp1.6",)
            )
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status
        async with ws:
            boot = {"chargePointVendor": "Vendor", "chargePointModel": "Model"}
            await ws.send_str(json.dumps([2, "boot-1", "BootNotification", boot]))
            answer = json.loads(await ws.receive_str(timeout=20))
            return str(answer[2]["status"])


def test_a_local_run_logs_one_readable_line_per_event_with_the_reason(console):
    async def scenario() -> tuple[int | str, int | str]:
        settings = LocalSettings(port=0, moto_port=0, unknown_chargers="reject")
        async with LocalPlatform(settings) as platform:
            refused = await _connect_and_boot(platform, "LOG-STRANGER")
            api = Client(platform.http_url, settings.operator_dev_token, timeout_s=30)
            await asyncio.to_thread(
                api.request, "POST", "/chargers", body={"chargePointId": "LOG-KNOWN"}
            )
            booted = await _connect_and_boot(platform, "LOG-KNOWN")
        return refused, booted

    refused, booted = run(scenario, timeout=120)
    assert (refused, booted) == (403, "Accepted")
    text = console.getvalue()
    (refusal,) = _lines_about(text, "LOG-STRANGER")
    assert "connection refused" in refusal
    assert "reason=unknown charger" in refusal
    assert not refusal.lstrip().startswith("{")  # text, not JSON
    known = _lines_about(text, "LOG-KNOWN")
    assert len([line for line in known if "charger booted: Accepted" in line]) == 1
    assert len([line for line in known if "connected (ocpp1.6" in line]) == 1
    assert len([line for line in known if "disconnected" in line]) == 1


def test_without_the_local_switch_the_lines_are_powertools_json(monkeypatch):
    monkeypatch.delenv(observability.LOG_FORMAT_ENV, raising=False)
    out = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", out)
    observability.configure_logging()
    logging.getLogger("csms.access.admission").warning(
        "connection refused", extra={"chargePointId": "CP-J", "reason": "unknown charger"}
    )
    (line,) = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["level"] == "WARNING"
    assert record["message"] == "connection refused"
    assert record["service"] == "csms"
    assert record["chargePointId"] == "CP-J"
    assert record["reason"] == "unknown charger"


def test_the_local_switch_writes_text_once_and_back_to_json_without_it(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", out)
    monkeypatch.setenv(observability.LOG_FORMAT_ENV, "text")
    observability.configure_logging()
    catcher = _Collecting()
    logging.getLogger().addHandler(catcher)
    try:
        logging.getLogger("csms.access.admission").warning(
            "connection refused", extra={"chargePointId": "CP-T", "reason": "wrong credentials"}
        )
    finally:
        logging.getLogger().removeHandler(catcher)
    (line,) = out.getvalue().splitlines()
    assert line.endswith(
        "WARNING csms.access.admission connection refused chargePointId=CP-T "
        "reason=wrong credentials"
    )
    assert not [r for r in catcher.records if r.name.startswith("csms")]  # not written twice

    monkeypatch.delenv(observability.LOG_FORMAT_ENV)
    observability.configure_logging()
    logging.getLogger("csms.access.admission").warning("again")
    assert json.loads(out.getvalue().splitlines()[-1])["message"] == "again"
