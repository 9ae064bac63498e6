"""The operator console in the distribution's Chromium, against the local platform.

One platform (gateway, embedded moto, the real handlers, the built console) and one browser per
test module; each test gets a fresh browser context (no cookies, no session storage), so each
one signs in the way an operator does. Chromium is Debian's (`/usr/bin/chromium`, installed by
`.ci/run`), never a build Playwright downloads: the browser download host is not reachable from
where this runs, and the project tests with what its users' machines have.

Every page a test visits can be written to `tests/browser/screenshots/` (git-ignored) for
review, and checked with axe-core, the accessibility engine pinned in the console's
devDependencies and injected into the page.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from local.platform import LocalPlatform
from tests.e2e.conftest import start_platform

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_DIST = ROOT / "console" / "dist"
AXE_SCRIPT = ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# Flags for a headless Chromium on a closed network: without the background-networking ones it
# keeps trying to reach update and sync hosts, and each refused connection costs time.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Live views poll every 5 s (the chargers) and back off after a failure: an assertion waits for
# a few of their rounds, not for one.
expect.set_options(timeout=20_000)

# axe-core impacts that fail a page; "moderate" and "minor" are reported in the message only.
BLOCKING_IMPACTS = {"serious", "critical"}


def chromium_executable() -> str:
    """Debian's Chromium (or CHROMIUM_PATH); a missing browser fails with what to install."""
    candidate = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(candidate).is_file():
        pytest.fail(
            "the browser tests need Chromium: `apt-get install chromium` (Debian/Ubuntu; "
            ".ci/run does it) or CHROMIUM_PATH=/path/to/chromium",
            pytrace=False,
        )
    return candidate


def require_built_console() -> None:
    for needed, how in (
        (CONSOLE_DIST / "index.html", "make console"),
        (AXE_SCRIPT, "make console"),
    ):
        if not needed.is_file():
            pytest.fail(f"{needed.relative_to(ROOT)} is missing: run `{how}`", pytrace=False)


@pytest.fixture(scope="module")
def platform() -> Iterator[LocalPlatform]:
    require_built_console()
    with start_platform(console_dir=str(CONSOLE_DIST)) as running:
        yield running


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    fresh = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    fresh.set_default_timeout(15_000)
    # axe-core goes in as an init script (the DevTools protocol's), which the console's
    # content security policy does not cover: a <script> tag added to the page would be
    # refused, as it should be.
    fresh.add_init_script(path=str(AXE_SCRIPT))
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def console_url(platform: LocalPlatform, path: str = "") -> str:
    return f"{platform.gateway.base_url}/console/{path.lstrip('/')}"


def screenshot(page: Page, name: str) -> Path:
    """The page as the operator sees it, for review (tests/browser/screenshots/NAME.png)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now (WCAG 2.1 A/AA rules)."""
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        })"""
    )
    return list(result["violations"])


def assert_accessible(page: Page) -> None:
    violations = accessibility_violations(page)
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    summary = "\n".join(
        f"- {v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
    )
    assert not blocking, f"axe-core found serious or critical violations:\n{summary}"
