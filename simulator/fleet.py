"""A fleet of simulated chargers: configuration, ramp-up, duration and the run summary."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

import aiohttp

from simulator.charger import DEFAULT_RESPONSE_TIMEOUT_S, SimulatedCharger
from simulator.protocols import PROTOCOLS
from simulator.stats import Stats, Summary

log = logging.getLogger("simulator.fleet")

DEFAULT_URL = "ws://127.0.0.1:8080/ocpp"
# How long chargers get to close their sockets cleanly once the run is over.
SHUTDOWN_GRACE_S = 10.0


@dataclass(frozen=True)
class FleetConfig:
    url: str = DEFAULT_URL
    chargers: int = 1
    protocol: str = "ocpp1.6"
    # None runs until the stop event is set.
    duration_s: float | None = 60.0
    # None honours the interval of the BootNotification response; a number overrides it.
    heartbeat_interval_s: float | None = None
    id_prefix: str = "SIM-"
    connectors: int = 1
    # Same password for every charger; or password_template formatted per charger with
    # {id} (charge point id) and {index} (its number), e.g. "secret-{index:05d}".
    password: str | None = None
    ramp_up_s: float = 0.0
    # Put the id in the query string (?chargePointId=) instead of the path (raw API Gateway).
    query_id: bool = False
    response_timeout_s: float = DEFAULT_RESPONSE_TIMEOUT_S
    password_template: str | None = None
    # None honours the interval of Pending/Rejected boot responses; a number overrides it.
    boot_retry_interval_s: float | None = None
    # Number of the first charger; disjoint ranges let several runs share one CSMS.
    first_index: int = 1

    def validate(self) -> None:
        problems = []
        if not self.url.startswith(("ws://", "wss://")):
            problems.append(f"url must start with ws:// or wss://, got {self.url!r}")
        if self.protocol not in PROTOCOLS:
            problems.append(f"protocol must be one of {', '.join(PROTOCOLS)}")
        if self.chargers < 1:
            problems.append("chargers must be at least 1")
        if self.connectors < 1:
            problems.append("connectors must be at least 1")
        if self.duration_s is not None and self.duration_s <= 0:
            problems.append("duration_s must be positive (or None)")
        for name in ("heartbeat_interval_s", "boot_retry_interval_s"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                problems.append(f"{name} must be positive (or None)")
        if self.ramp_up_s < 0 or self.response_timeout_s <= 0:
            problems.append("ramp_up_s must be >= 0 and response_timeout_s > 0")
        if self.password is not None and self.password_template is not None:
            problems.append("give password or password_template, not both")
        if problems:
            raise ValueError("; ".join(problems))

    def charge_point_id(self, index: int) -> str:
        return f"{self.id_prefix}{index:05d}"

    def password_for(self, index: int) -> str | None:
        if self.password_template is not None:
            return self.password_template.format(id=self.charge_point_id(index), index=index)
        return self.password

    @property
    def indexes(self) -> range:
        return range(self.first_index, self.first_index + self.chargers)


async def run_fleet(
    config: FleetConfig, stop: asyncio.Event | None = None, *, stats: Stats | None = None
) -> Summary:
    """Run config.chargers chargers until duration_s elapses or `stop` is set.

    Pass `stats` to watch the counters while the run is in progress.
    """
    config.validate()
    stop = stop or asyncio.Event()
    stats = stats or Stats()
    chargers_stop = asyncio.Event()
    started = time.perf_counter()
    # One session, no pool limit: every WebSocket holds its own connection.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        tasks = [
            asyncio.create_task(
                _run_charger(
                    config,
                    index=index,
                    ordinal=ordinal,
                    session=session,
                    stats=stats,
                    stop=chargers_stop,
                ),
                name=config.charge_point_id(index),
            )
            for ordinal, index in enumerate(config.indexes)
        ]
        await _until_over(config.duration_s, stop, tasks)
        connected_at_end = stats.connected
        chargers_stop.set()
        _, unfinished = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_S)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:
            if not task.cancelled() and task.exception() is not None:
                stats.error("charger_crashed", task.get_name(), repr(task.exception()))
    duration_s = time.perf_counter() - started

    never_accepted = len(stats.started - stats.accepted)
    if never_accepted:
        stats.errors["never_accepted"] += never_accepted
    return stats.summary(
        url=config.url,
        protocol=config.protocol,
        chargers=config.chargers,
        duration_s=duration_s,
        connected=connected_at_end,
    )


async def _run_charger(
    config: FleetConfig,
    *,
    index: int,
    ordinal: int,
    session: aiohttp.ClientSession,
    stats: Stats,
    stop: asyncio.Event,
) -> None:
    # Spread the connects evenly over the ramp-up period.
    delay = config.ramp_up_s * ordinal / config.chargers
    if delay > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            return
    charger = SimulatedCharger(
        config.url,
        config.charge_point_id(index),
        protocol=config.protocol,
        password=config.password_for(index),
        query_id=config.query_id,
        connectors=config.connectors,
        heartbeat_interval_s=config.heartbeat_interval_s,
        boot_retry_interval_s=config.boot_retry_interval_s,
        response_timeout_s=config.response_timeout_s,
        stats=stats,
        session=session,
    )
    await charger.run(stop)


async def _until_over(
    duration_s: float | None, stop: asyncio.Event, tasks: list[asyncio.Task[None]]
) -> None:
    """Return when the duration elapsed, `stop` was set, or every charger gave up."""
    stopped = asyncio.create_task(stop.wait())
    # asyncio.wait (unlike gather) leaves the chargers running when it is cancelled.
    all_done = asyncio.create_task(asyncio.wait(tasks))
    try:
        await asyncio.wait(
            {stopped, all_done}, timeout=duration_s, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        stopped.cancel()
        all_done.cancel()
