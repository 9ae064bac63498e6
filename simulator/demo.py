"""One demo charger that narrates what it does (used by `make run`)."""

from __future__ import annotations

import asyncio
import logging

from simulator.charger import DEFAULT_POWER_KW, Backoff, SimulatedCharger
from simulator.fleet import run_charger
from simulator.session_plan import SessionPlan

log = logging.getLogger("simulator.demo")


async def run_demo_charger(
    url: str,
    charge_point_id: str = "DEMO-CP-1",
    protocol: str = "ocpp1.6",
    stop: asyncio.Event | None = None,
    *,
    password: str | None = None,
    heartbeat_interval_s: float | None = None,
    connectors: int = 1,
    session_plan: SessionPlan | None = None,
    power_kw: float = DEFAULT_POWER_KW,
    time_scale: float = 1.0,
) -> None:
    """Boot, report status and heartbeat until `stop` is set (forever when None); with a
    session_plan also charge (e.g. SessionPlan(sessions_per_hour=6, duration_s=120,
    meter_interval_s=15, id_tags=("DEMO-TAG",)): the CSMS must know the tag).

    Logs each step at INFO on the "simulator" loggers; when the application has not
    configured logging, a plain stderr handler is added so the narration is visible.
    """
    _ensure_visible_logging()
    stop = stop or asyncio.Event()
    charger = SimulatedCharger(
        url,
        charge_point_id,
        protocol=protocol,
        password=password,
        connectors=connectors,
        heartbeat_interval_s=heartbeat_interval_s,
        # A demo waits for a gateway that may still be starting: retry quickly.
        backoff=Backoff(initial_s=0.5, max_s=5.0),
        power_kw=power_kw,
        time_scale=time_scale,
    )
    log.info("demo charger %s (%s) -> %s", charge_point_id, protocol, charger.endpoint)
    await run_charger(charger, stop, session_plan=session_plan)
    log.info("demo charger %s stopped", charge_point_id)


def _ensure_visible_logging() -> None:
    package_logger = logging.getLogger("simulator")
    if logging.getLogger().handlers or package_logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s", "%H:%M:%S"))
    package_logger.addHandler(handler)
    if package_logger.level == logging.NOTSET:
        package_logger.setLevel(logging.INFO)
