"""The operator console in Chromium: sign-in, live state, commands, curves, CSV, errors.

Each test signs in the way an operator does (the console's Sign in button, the identity
provider's page, back through /console/callback) and drives simulated chargers connected to
the same local platform. Screenshots land in tests/browser/screenshots/ for review.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from csms_cli.client import Client
from csms_cli.firmware import upload_image
from local.platform import LocalPlatform
from simulator import SimulatedCharger, firmware_file
from tests.browser.conftest import assert_accessible, console_url, screenshot
from tests.e2e.conftest import drain, on_platform_loop

pytestmark = pytest.mark.e2e

ID_TAG = "BROWSER-TAG"
DEV_OPERATOR = "Continue as the development operator"
TOKEN_KEY = "csms.console.token"
SIGN_IN_PAGE = re.compile(r"/console/signin")


def api(platform: LocalPlatform) -> Client:
    return Client(platform.http_url, "dev-operator-token", timeout_s=30)


def sign_in(page: Page, platform: LocalPlatform, path: str = "") -> None:
    """Open a console page signed out, and sign in as the development operator."""
    page.goto(console_url(platform, path))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=DEV_OPERATOR).click()
    page.wait_for_url(f"**/console/{path.lstrip('/')}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


class Charger:
    """A simulated charger connected to the platform, driven from the test's thread."""

    def __init__(self, platform: LocalPlatform, charge_point_id: str) -> None:
        self.platform = platform
        self.id = charge_point_id
        self.sim = SimulatedCharger(platform.ws_url, charge_point_id)

    def __call__(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = on_platform_loop(self.platform, self.sim.call(action, payload))
        return answer

    def connect(self) -> Charger:
        on_platform_loop(self.platform, self.sim.connect())
        on_platform_loop(self.platform, self.sim.boot())
        return self

    def status(self, status: str) -> None:
        on_platform_loop(self.platform, self.sim.status_notification(1, status))

    def close(self) -> None:
        on_platform_loop(self.platform, self.sim.close())


@pytest.fixture(scope="module")
def accepted_tag(platform: LocalPlatform) -> str:
    api(platform).request("PUT", f"/id-tags/{ID_TAG}", body={"status": "Accepted"})
    return ID_TAG


@pytest.fixture
def charger(platform: LocalPlatform, accepted_tag: str) -> Iterator[Charger]:
    connected = Charger(platform, f"BRW-{uuid.uuid4().hex[:6].upper()}").connect()
    yield connected
    connected.close()


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def register(wh: int, at: str) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": at,
            "sampledValue": [
                {
                    "value": str(wh),
                    "context": "Sample.Periodic",
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "Wh",
                }
            ],
        }
    ]


def test_signing_in_goes_through_the_identity_provider_and_back(
    page: Page, platform: LocalPlatform
) -> None:
    page.goto(console_url(platform, "chargers"))
    expect(page).to_have_url(SIGN_IN_PAGE)
    screenshot(page, "01-sign-in")
    assert_accessible(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=DEV_OPERATOR)).to_be_visible()
    screenshot(page, "02-identity-provider")
    page.get_by_role("button", name=DEV_OPERATOR).click()
    # Back on the page the operator asked for, with a token the API accepts.
    page.wait_for_url("**/console/chargers")
    expect(page.get_by_role("heading", level=1, name="Chargers")).to_be_visible()
    stored = json.loads(page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')"))
    assert stored["expiresAt"] > datetime.now(UTC).timestamp() * 1000
    assert not page.get_by_role("alert").is_visible()


def test_a_new_charger_appears_and_turns_from_available_to_charging_live(
    page: Page, platform: LocalPlatform, accepted_tag: str
) -> None:
    sign_in(page, platform, "chargers")
    # A marker in the page's JavaScript context: a reload would wipe it.
    page.evaluate("window.__noReload = true")
    newcomer = Charger(platform, f"BRW-{uuid.uuid4().hex[:6].upper()}").connect()
    try:
        newcomer.status("Available")
        row = page.locator(f'tr[data-charger="{newcomer.id}"]')
        expect(row.get_by_test_id("charger-state")).to_have_text("available", ignore_case=True)
        started = newcomer(
            "StartTransaction",
            {"connectorId": 1, "idTag": accepted_tag, "meterStart": 1000, "timestamp": now_iso()},
        )
        assert started["idTagInfo"]["status"] == "Accepted"
        newcomer.status("Charging")
        expect(row.get_by_test_id("charger-state")).to_have_text("charging", ignore_case=True)
        assert page.evaluate("window.__noReload") is True
        screenshot(page, "03-chargers")
        assert_accessible(page)
    finally:
        newcomer.close()


def test_reset_from_the_detail_page_reaches_the_charger_and_shows_its_answer(
    page: Page, platform: LocalPlatform, charger: Charger
) -> None:
    charger.status("Available")
    sign_in(page, platform, f"chargers/{charger.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(charger.id)
    page.get_by_role("button", name="Reset", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    screenshot(page, "04-reset-confirmation")
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("command-answer")).to_have_text("Accepted")
    resets = [c for c in charger.sim.csms_calls if c.action == "Reset"]
    assert len(resets) == 1
    # The history below lists it with its outcome.
    history = api(platform).get(f"/chargers/{charger.id}/commands")["items"]
    assert history[0]["action"] == "Reset"
    expect(page.locator(f'tr[data-command="{history[0]["commandId"]}"]')).to_be_visible()
    screenshot(page, "05-charger-detail")
    assert_accessible(page)


def test_a_finished_sessions_curve_has_a_point_per_stored_reading(
    page: Page, platform: LocalPlatform, charger: Charger, accepted_tag: str
) -> None:
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    hour = datetime.now(UTC).strftime("%H")
    at = [f"{day}T{hour}:00:{second:02d}.000Z" for second in (0, 10, 20, 30, 40)]
    started = charger(
        "StartTransaction",
        {"connectorId": 1, "idTag": accepted_tag, "meterStart": 50_000, "timestamp": at[0]},
    )
    tx = started["transactionId"]
    for wh, when in ((50_400, at[1]), (51_100, at[2]), (51_500, at[3])):
        charger(
            "MeterValues",
            {"connectorId": 1, "transactionId": tx, "meterValue": register(wh, when)},
        )
        # Each reading its own telemetry batch: each is a live-energy write and a point.
        drain(platform)
    charger(
        "StopTransaction",
        {"transactionId": tx, "meterStop": 52_000, "timestamp": at[4], "reason": "Local"},
    )
    drain(platform)
    points = api(platform).get(f"/chargers/{charger.id}/sessions/{tx}/meter-values")["points"]
    assert [p["energyWh"] for p in points] == [0, 400, 1_100, 1_500, 2_000]

    sign_in(page, platform, f"sessions/{charger.id}/{tx}")
    curve = page.locator("svg[role=img] circle[data-point]")
    expect(curve).to_have_count(len(points))
    drawn = [int(v) for v in curve.evaluate_all("cs => cs.map(c => c.dataset.energyWh)")]
    assert drawn == [p["energyWh"] for p in points]
    screenshot(page, "06-session-detail")
    assert_accessible(page)


def test_the_csv_export_downloads_the_rows_the_api_returns(
    page: Page, platform: LocalPlatform
) -> None:
    sign_in(page, platform, "energy")
    expect(page.locator("svg[role=img] [data-point]").first).to_be_attached()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    name = download.suggested_filename
    assert name.startswith("energy-network-") and name.endswith(".csv")
    first, last = name.removeprefix("energy-network-").removesuffix(".csv")[:10], name[-14:-4]
    rows = list(csv.DictReader(io.StringIO(download.path().read_text())))
    expected = api(platform).get("/energy", **{"from": first, "to": last, "granularity": "day"})
    assert rows == [
        {"period": i["period"], "energyWh": str(i["energyWh"]), "sessions": str(i["sessions"])}
        for i in expected["items"]
    ]
    assert len(rows) >= 14
    screenshot(page, "07-energy")
    assert_accessible(page)


def test_an_expired_or_refused_token_leads_back_to_sign_in(
    page: Page, platform: LocalPlatform
) -> None:
    sign_in(page, platform, "chargers")
    # Past its expiry: the console notices before calling the API.
    page.evaluate(
        f"""() => {{
            const token = JSON.parse(sessionStorage.getItem('{TOKEN_KEY}'));
            token.expiresAt = Date.now() - 1000;
            sessionStorage.setItem('{TOKEN_KEY}', JSON.stringify(token));
        }}"""
    )
    page.goto(console_url(platform, "sessions"))
    expect(page).to_have_url(SIGN_IN_PAGE)
    expect(page.get_by_role("alert")).to_contain_text("Your session has expired")
    screenshot(page, "08-session-expired")
    # A token the API refuses (401), though not yet expired by the clock.
    sign_in(page, platform, "chargers")
    page.evaluate(
        f"""() => sessionStorage.setItem('{TOKEN_KEY}', JSON.stringify(
            {{accessToken: 'not-a-token', expiresAt: Date.now() + 3600000}}))"""
    )
    page.goto(console_url(platform, "id-tags"))
    expect(page).to_have_url(SIGN_IN_PAGE)
    expect(page.get_by_role("alert")).to_contain_text("Your session has expired")
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None


def test_an_api_error_shows_a_readable_message(page: Page, platform: LocalPlatform) -> None:
    sign_in(page, platform, "chargers/NO-SUCH-CHARGER")
    # The API's own message, once, in words: not a blank page, a status code or raw JSON.
    alert = page.get_by_role("alert")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Charger 'NO-SUCH-CHARGER' is not registered")
    assert "{" not in alert.inner_text()
    screenshot(page, "09-api-error")


def test_a_view_that_cannot_refresh_says_it_is_stale_and_recovers(
    page: Page, platform: LocalPlatform, charger: Charger
) -> None:
    charger.status("Available")
    sign_in(page, platform, "chargers")
    row = page.locator(f'tr[data-charger="{charger.id}"]')
    expect(row).to_be_visible()
    # The API becomes unreachable: the list keeps its rows, says so, and backs off.
    page.route("**/api/chargers?*", lambda route: route.abort("connectionrefused"))
    stale = page.get_by_test_id("stale-badge")
    expect(stale).to_contain_text("Stale — last updated")
    expect(page.get_by_role("alert")).to_contain_text("cannot be reached")
    expect(row).to_be_visible()
    screenshot(page, "10-stale")
    page.unroute("**/api/chargers?*")
    # Back-off means the next try may be a while (at most 60 s); then the badge goes.
    expect(stale).to_be_hidden(timeout=70_000)


PAGES = [
    ("", "Overview"),
    ("chargers", "Chargers"),
    ("sessions", "Sessions"),
    ("energy", "Energy"),
    ("id-tags", "Id tags"),
    ("commands", "Command history"),
    ("sites", "Sites"),
    ("tariffs", "Tariffs"),
    ("payments", "Payments"),
    ("firmware", "Firmware campaigns"),
]


@pytest.mark.parametrize(("path", "heading"), PAGES)
def test_every_page_renders_and_has_no_serious_accessibility_violation(
    page: Page, platform: LocalPlatform, charger: Charger, path: str, heading: str
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    charger.status("Available")
    sign_in(page, platform, path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading, ignore_case=True)
    page.wait_for_load_state("networkidle")
    screenshot(page, f"page-{path or 'overview'}")
    assert_accessible(page)
    # No script error and no content-security-policy violation on any page.
    assert errors == []


def uploaded_image(platform: LocalPlatform, version: str) -> dict[str, Any]:
    """An image the way an operator uploads one: declared, PUT to its presigned URL, verified."""
    image = upload_image(
        api(platform), firmware_file(version), {"version": version, "fileName": f"fw-{version}.bin"}
    )
    assert image["status"] == "available"
    return image


def test_a_campaign_is_created_previewed_started_and_followed_to_the_new_version(
    page: Page, platform: LocalPlatform, charger: Charger
) -> None:
    version = f"9.{uuid.uuid4().hex[:4]}"
    image = uploaded_image(platform, version)
    sign_in(page, platform, "firmware")
    form = page.locator("form").filter(has=page.get_by_label("Image"))
    form.get_by_label("Name").fill(f"Roll {version}")
    expect(
        form.get_by_label("Image").locator(f'option[value="{image["imageId"]}"]')
    ).to_be_attached()
    form.get_by_label("Image").select_option(image["imageId"])
    form.get_by_label("Charger ids").fill(charger.id)
    form.get_by_label("Waves (cumulative %)").fill("100")
    screenshot(page, "10-firmware-new-campaign")
    form.get_by_role("button", name="Create draft").click()
    # The draft's page previews the targets before anything is sent.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Campaign Roll {version}")
    expect(page.get_by_role("heading", name=re.compile("Preview: 1 charger would"))).to_be_visible()
    expect(page.get_by_test_id("campaign-status")).to_have_text("draft")
    assert not [c for c in charger.sim.csms_calls if c.action == "UpdateFirmware"]
    screenshot(page, "11-firmware-campaign-draft")
    assert_accessible(page)
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Start").click()
    # The charger downloads the image, reboots into it, and the campaign completes.
    expect(page.get_by_test_id("target-state")).to_have_text("succeeded", timeout=60_000)
    expect(page.get_by_test_id("campaign-status")).to_have_text("completed", timeout=30_000)
    expect(page.get_by_role("row", name=re.compile("Wave 1"))).to_contain_text("succeeded 1")
    assert charger.sim.identity.firmware_version == version
    screenshot(page, "12-firmware-campaign-completed")
    assert_accessible(page)
    # The charger's page tells the same story, and its diagnostics come back as a file.
    page.get_by_role("link", name=charger.id).click()
    firmware = page.locator("section").filter(has=page.get_by_role("heading", name="Firmware"))
    expect(firmware).to_contain_text(version)
    expect(firmware.get_by_test_id("target-state")).to_have_text("succeeded")
    diagnostics = page.locator("section").filter(
        has=page.get_by_role("heading", name="Diagnostics")
    )
    diagnostics.get_by_role("button", name="Request diagnostics").click()
    expect(diagnostics.get_by_test_id("upload-status")).to_have_text("Uploaded", timeout=30_000)
    link = diagnostics.get_by_role("link")
    expect(link).to_be_visible()
    assert link.get_attribute("href", timeout=5_000)
    screenshot(page, "13-charger-firmware-and-diagnostics")
    assert_accessible(page)
