"""The console's site view in Chromium (docs/adr/0053): a site with a model, an allocation, a
grid schedule and a day of load history shows its circuits with per-phase bars (the
over-subscribed circuit marked), the grid limit it is allocated under now with its source and
the limits and prices ahead, its EVSEs by kind and limit, and each node's load over time with
one chart point per sample the API returns; a site without a model says so, says how to give
it a grid schedule, takes a model written in the page, and then says it has no allocation yet.
Desktop and phone-width screenshots for review.

The allocation and the history are written the way the allocation loop writes them, straight
into the platform's SiteLoads table (`SiteLoads.put_allocation`, `SiteLoadHistory.record`);
the prices the way the grid poller stores an ENTSO-E answer (`GridSignalStore.put_snapshot`)."""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from local.demo_site import site_location
from local.platform import LocalPlatform
from shared.adapters.dynamodb.grid_signal_store import DynamoGridSignalStore
from shared.adapters.dynamodb.site_load_history import DynamoSiteLoadHistory
from shared.adapters.dynamodb.site_loads import DynamoSiteLoadStore
from shared.load_management.sites import NodeLoad, SiteAllocationView, SiteLoads, allocation_view
from shared.ports.grid_signals import GridSignal, SignalSnapshot
from shared.smart_charging.allocator import allocate
from shared.smart_charging.site import EvseLive, PhaseCurrents
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_console import api, sign_in
from tests.e2e.conftest import moto_client

pytestmark = pytest.mark.e2e

PHONE: ViewportSize = {"width": 390, "height": 844}


def a_site(platform: LocalPlatform, name: str) -> tuple[str, list[str]]:
    """A new location served by two chargers with two EVSEs each (2.0.1 evseId 1 and 2)."""
    client = api(platform)
    suffix = uuid.uuid4().hex[:6].upper()
    location_id, chargers = f"SV-{suffix}", [f"SV-{suffix}-A", f"SV-{suffix}-B"]
    for cp in chargers:
        client.request("POST", "/chargers", body={"chargePointId": cp})
    evses = [(cp, n) for cp in chargers for n in (1, 2)]
    client.request("POST", "/locations", body=site_location(location_id, evses, name=name))
    return location_id, chargers


def depot_model(chargers: list[str]) -> dict[str, Any]:
    """A 63 A connection; circuit-1 (32 A) with two controllable EVSEs, circuit-2 (16 A) with
    one that takes no limits (32 A held: over-subscribed) and an idle one."""
    a, b = chargers
    return {
        "nodes": [
            {"id": "grid", "maxCurrent": {"L1": 63, "L2": 63, "L3": 63}},
            {"id": "circuit-1", "parent": "grid", "maxCurrent": {"L1": 32, "L2": 32, "L3": 32}},
            {"id": "circuit-2", "parent": "grid", "maxCurrent": {"L1": 16, "L2": 16, "L3": 16}},
        ],
        "evses": [
            {"id": "E1", "node": "circuit-1", "chargePointId": a, "evseId": 1},
            {"id": "E2", "node": "circuit-1", "chargePointId": a, "evseId": 2,
             "phases": ["L2", "L3", "L1"]},
            {"id": "E3", "node": "circuit-2", "chargePointId": b, "evseId": 1,
             "acceptsProfiles": False},
            {"id": "E4", "node": "circuit-2", "chargePointId": b, "evseId": 2},
        ],
    }  # fmt: skip


def allocated(
    platform: LocalPlatform, location_id: str, chargers: list[str], grid_a: float
) -> SiteAllocationView:
    """E1 (3-phase car) and E2 (1-phase car) in session, allocated now under a grid limit of
    `grid_a` per phase and stored."""
    store = DynamoSiteLoadStore(
        moto_client(platform, "dynamodb"), platform.environment["SITE_LOADS_TABLE"]
    )
    loads = SiteLoads(store)
    now = datetime.now(UTC)
    loads.put_live(location_id, (chargers[0], 1), EvseLive(session_active=True), 1)
    loads.put_live(location_id, (chargers[0], 2), EvseLive(session_active=True, car_phases=1), 1)
    state = loads.state(location_id)
    site = state.site()
    assert site is not None
    grid = PhaseCurrents(grid_a, grid_a, grid_a)
    allocation = allocate(site, grid, None, now - timedelta(minutes=20))
    assert loads.put_allocation(location_id, allocation)
    return allocation_view(site, allocation, 1)


def scaled(load: tuple[float, float, float], factor: float) -> tuple[float, float, float]:
    return (round(load[0] * factor, 1), round(load[1] * factor, 1), round(load[2] * factor, 1))


def a_day_of_history(
    platform: LocalPlatform, location_id: str, view: SiteAllocationView, minutes: int
) -> int:
    """A sample every `minutes` over the last 24 h: grid and circuit-1 loads rising and falling
    with the day, circuit-2 at the load of the view (over its limit); the last one the view."""
    history = DynamoSiteLoadHistory(
        moto_client(platform, "dynamodb"), platform.environment["SITE_LOADS_TABLE"]
    )
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    count = 0
    # Within the default range (the last 24 h) for a while after this is written.
    for step in range(24 * 60 // minutes - 1, 0, -1):
        wave = (1 - math.cos(2 * math.pi * step * minutes / (24 * 60))) / 2
        nodes = tuple(
            NodeLoad(
                n.node_id,
                scaled(n.load_a, 0.3 + 0.7 * wave) if n.node_id != "circuit-2" else n.load_a,
                n.max_current_a,
                n.max_power_w,
            )
            for n in view.nodes
        )
        history.record(
            location_id,
            SiteAllocationView(location_id, view.at, (), (), nodes, 1),
            now - timedelta(minutes=step * minutes),
        )
        count += 1
    history.record(location_id, view, now)
    return count + 1


def a_grid_schedule(platform: LocalPlatform, location_id: str, max_current: float) -> None:
    """A daily window of `max_current` A per phase from five hours ago to two hours ahead (site
    time): in force now and coming again on each of the next two days."""
    local = datetime.now(ZoneInfo("Europe/Berlin"))
    window = {
        "start": (local - timedelta(hours=5)).strftime("%H:%M"),
        "end": (local + timedelta(hours=2)).strftime("%H:%M"),
        "maxCurrent": max_current,
    }
    api(platform).request(
        "PUT",
        f"/locations/{location_id}/grid/schedule",
        body={"timeZone": "Europe/Berlin", "windows": [window]},
    )


def two_days_of_prices(platform: LocalPlatform, location_id: str) -> tuple[float, float]:
    """Hourly ENTSO-E prices from this hour for 48 hours, cheapest at night; (lowest, highest)."""
    store = DynamoGridSignalStore(
        moto_client(platform, "dynamodb"), platform.environment["SITE_LOADS_TABLE"]
    )
    now = datetime.now(UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    values = [
        round(0.18 + 0.12 * math.sin(2 * math.pi * ((hour.hour + h - 9) % 24) / 24), 2)
        for h in range(48)
    ]
    signals = tuple(
        GridSignal(
            source="entsoe",
            kind="price",
            start=hour + timedelta(hours=h),
            end=hour + timedelta(hours=h + 1),
            received_at=now,
            value=value,
            currency="EUR",
            group=(hour + timedelta(hours=h)).date().isoformat(),
        )
        for h, value in enumerate(values)
    )
    store.put_snapshot(location_id, SignalSnapshot("entsoe", now, signals))
    return min(values), max(values)


def test_a_site_with_a_model_an_allocation_and_history(page: Page, platform: LocalPlatform) -> None:
    location_id, chargers = a_site(platform, "Harbour depot")
    client = api(platform)
    client.request("PUT", f"/locations/{location_id}/electrical", body=depot_model(chargers))
    a_grid_schedule(platform, location_id, max_current=50)
    lowest, highest = two_days_of_prices(platform, location_id)
    view = allocated(platform, location_id, chargers, grid_a=50)
    samples = a_day_of_history(platform, location_id, view, minutes=10)
    shown = client.get(f"/locations/{location_id}/load-history")
    assert len(shown["samples"]) == samples

    sign_in(page, platform, "sites")
    page.get_by_role("link", name="Harbour depot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Site Harbour depot")

    # The tree: the connection and both circuits, each phase's load against its limit.
    tree = page.get_by_role("list", name="Grid connection and circuits")
    for node in ("grid", "circuit-1", "circuit-2"):
        expect(tree.locator(f'li.site-node[data-node="{node}"]')).to_be_visible()
    grid_l1 = page.locator('li.phase[data-node="grid"][data-phase="L1"]')
    expected_grid = {n.node_id: n for n in view.nodes}["grid"].load_a
    expect(grid_l1).to_have_attribute("data-load", str(expected_grid[0]).removesuffix(".0"))
    # E3 takes no limits: its 32 A are held on a 16 A circuit, on every phase.
    over = page.locator('li.phase[data-node="circuit-2"][data-over="true"]')
    expect(over).to_have_count(3)
    expect(over.first).to_contain_text("over the limit")
    expect(page.get_by_test_id("overloaded")).to_contain_text("circuit-2 (L1, L2, L3)")

    # The grid: limited now by the schedule's 50 A, allocated under it, the window listed.
    expect(page.get_by_test_id("grid-limited")).to_have_text("limited by the grid")
    expect(page.get_by_test_id("grid-limit")).to_have_text("50 A per phase")
    expect(page.get_by_test_id("grid-allocated")).to_have_text("50 A per phase")
    expect(page.get_by_test_id("grid-source")).to_have_text("the operator's schedule")
    expect(page.get_by_test_id("grid-next-change")).not_to_have_text("none in the next two days")
    windows = page.locator('tr[data-signal="schedule"]')
    expect(windows.first).to_contain_text("now")
    expect(windows.first).to_contain_text("50 A per phase")
    expect(page.get_by_test_id("grid-prices")).to_contain_text(f"From {lowest:.2f} EUR/kWh")
    expect(page.get_by_test_id("grid-prices")).to_contain_text(f"to {highest:.2f} EUR/kWh")
    expect(page.get_by_test_id("grid-empty")).to_have_count(0)
    page.get_by_role("heading", name="Grid", exact=True).scroll_into_view_if_needed()
    screenshot(page, "site-view-grid")

    # The EVSEs by kind, the active ones with their limit and since when.
    kinds = {
        row.get_attribute("data-evse"): row.get_by_test_id("evse-kind").inner_text()
        for row in page.locator("tr[data-evse]").all()
    }
    assert kinds == {"E1": "active", "E2": "active", "E3": "reserved", "E4": "idle"}
    limits = {e.evse.id: e.limit_a for e in view.evses}
    e1_limit = page.locator('tr[data-evse="E1"]').get_by_test_id("evse-limit")
    expect(e1_limit).to_contain_text(f"{limits['E1']:g} A per phase")
    expect(page.locator('tr[data-evse="E3"]').get_by_test_id("evse-limit")).to_have_text("—")

    # The chart: one point per sample of the grid node, the limit drawn, and the grid's 50 A
    # dotted since the schedule's window began.
    chart = page.get_by_role("img", name="Allocated load on grid per phase")
    expect(chart.locator("[data-point]")).to_have_count(samples)
    expect(chart.locator("path.limit-line")).to_have_count(1)
    expect(chart.locator("path.grid-limit-line")).to_have_attribute("data-grid-limit", "50")
    expect(chart).to_have_attribute(
        "aria-label", re.compile(r"; the grid limit in force \(50 A\) since ")
    )
    page.get_by_role("combobox", name="Node").select_option("circuit-2")
    circuit_2 = page.get_by_role("img", name="Allocated load on circuit-2 per phase")
    # Its name tells what the lines show: E3's 32 A held on the 16 A circuit all day.
    expect(circuit_2).to_have_attribute(
        "aria-label",
        re.compile(
            rf"^Allocated load on circuit-2 per phase: {samples} samples, peak 32 A on L1 at .+, "
            rf"{samples} over the limit$"
        ),
    )
    circuit_2.scroll_into_view_if_needed()
    screenshot(page, "site-view-circuit-2")
    page.get_by_role("combobox", name="Node").select_option("grid")
    expect(page.get_by_test_id("no-history")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    screenshot(page, "site-view")
    assert_accessible(page)

    page.set_viewport_size(PHONE)
    page.get_by_role("heading", name="Load over time").scroll_into_view_if_needed()
    screenshot(page, "site-view-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways at phone width ({width} px)"


def test_a_site_without_a_model_says_so_and_takes_one_written_in_the_page(
    page: Page, platform: LocalPlatform
) -> None:
    location_id, chargers = a_site(platform, "Empty yard")
    sign_in(page, platform, f"sites/{location_id}")
    expect(page.get_by_test_id("no-model")).to_contain_text("No electrical model yet")
    # No grid schedule or sources: the panel says how to set them.
    expect(page.get_by_test_id("grid-empty")).to_contain_text(
        f"python -m csms_cli sites grid schedule put {location_id} schedule.json"
    )
    editor = page.get_by_label("Model (JSON)")
    # The starting point names every EVSE of the site.
    for cp in chargers:
        expect(editor).to_contain_text(cp)
    screenshot(page, "site-view-no-model")
    assert_accessible(page)

    editor.fill('{"nodes": [{"id": "grid", "maxCurrent": {"L1": 0, "L2": 63, "L3": 63}}]}')
    page.get_by_role("button", name="Save model").click()
    expect(page.get_by_role("alert")).to_contain_text("Invalid request")

    editor.fill('{"nodes": [{"id": "grid", "maxCurrent": {"L1": 40, "L2": 40, "L3": 40}}]}')
    page.get_by_role("button", name="Save model").click()
    expect(page.get_by_role("status").filter(has_text="revision 1")).to_be_visible()
    expect(page.get_by_test_id("no-allocation")).to_contain_text("No allocation yet")
    expect(page.get_by_test_id("no-history")).to_contain_text("No load was recorded on grid")
    expect(page.locator('li.site-node[data-node="grid"]')).to_contain_text("40 A per phase")
    screenshot(page, "site-view-no-allocation")
    stored = api(platform).get(f"/locations/{location_id}/electrical")
    assert stored["revision"] == 1 and stored["nodes"][0]["maxCurrent"]["L1"] == 40
