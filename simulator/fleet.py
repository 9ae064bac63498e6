"""A fleet of simulated chargers: configuration, ramp-up, sessions, drops and the run summary."""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from simulator.charger import DEFAULT_POWER_KW, DEFAULT_RESPONSE_TIMEOUT_S, SimulatedCharger
from simulator.job_faults import NO_FAULTS, JobFaults
from simulator.offline_queue import DEFAULT_MAX_ATTEMPTS
from simulator.protocols import PROTOCOLS
from simulator.session_plan import SessionPlan, run_session_plan
from simulator.stats import Stats, Summary
from simulator.waiting import set_within

log = logging.getLogger("simulator.fleet")

DEFAULT_URL = "ws://127.0.0.1:8080/ocpp"
# How long chargers get to close their sockets cleanly once the run is over.
SHUTDOWN_GRACE_S = 10.0
# How long sessions in progress get to send their stop messages once the run is over.
SESSIONS_GRACE_S = 5.0
# Forced drops happen every drop_every_s times a factor drawn from this range.
DROP_JITTER = (0.75, 1.25)


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
    # wss:// against a server whose certificate a local CA signed (python -m local --tls).
    ca_file: str | None = None
    # None honours the interval of Pending/Rejected boot responses; a number overrides it.
    boot_retry_interval_s: float | None = None
    # Number of the first charger; disjoint ranges let several runs share one CSMS.
    first_index: int = 1
    # Charging sessions; None: boot, status and heartbeats only. A plan with a fixed number of
    # sessions ends the run once every charger is done and has emptied its offline queue.
    session_plan: SessionPlan | None = None
    # Meter of every connector: power while charging (DC with SoC above 22 kW unless dc is
    # given); time_scale accelerates the energy (60: a real second delivers a minute's energy).
    power_kw: float = DEFAULT_POWER_KW
    dc: bool | None = None
    time_scale: float = 1.0
    # Cut each charger's connection about every drop_every_s seconds, keeping it offline for
    # offline_s (transaction messages queue up meanwhile and are replayed on reconnect).
    drop_every_s: float | None = None
    offline_s: float = 0.0
    # After each reconnect re-send the last N acknowledged transaction messages (idempotency).
    replay_duplicates: int = 0
    transaction_message_attempts: int = DEFAULT_MAX_ATTEMPTS
    # How firmware updates and uploads go (failure probabilities, step timings), for every
    # charger or, given job_faults_on, only for the chargers of these indexes (the others
    # get NO_FAULTS with the same timings); job_faults_for overrides both per charger id.
    job_faults: JobFaults = NO_FAULTS
    job_faults_on: frozenset[int] | None = None
    job_faults_for: Callable[[str], JobFaults | None] | None = None

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
        problems += self._charging_problems()
        if problems:
            raise ValueError("; ".join(problems))

    def _charging_problems(self) -> list[str]:
        problems = []
        if self.power_kw <= 0 or self.time_scale <= 0:
            problems.append("power_kw and time_scale must be positive")
        if self.drop_every_s is not None and self.drop_every_s <= 0:
            problems.append("drop_every_s must be positive (or None)")
        if self.offline_s < 0 or self.replay_duplicates < 0:
            problems.append("offline_s and replay_duplicates must be >= 0")
        if self.transaction_message_attempts < 1:
            problems.append("transaction_message_attempts must be at least 1")
        problems += self.job_faults.problems()
        if self.session_plan is not None:
            problems += self.session_plan.problems()
            last = self.first_index + max(self.chargers, 1) - 1
            problems += self.session_plan.id_tag_problems(
                self.protocol, self.charge_point_id(last), last
            )
        return problems

    def charge_point_id(self, index: int) -> str:
        return f"{self.id_prefix}{index:05d}"

    def password_for(self, index: int) -> str | None:
        if self.password_template is not None:
            return self.password_template.format(id=self.charge_point_id(index), index=index)
        return self.password

    def job_faults_of(self, index: int) -> JobFaults:
        """The job faults of the charger with this index."""
        if self.job_faults_for is not None:
            chosen = self.job_faults_for(self.charge_point_id(index))
            if chosen is not None:
                return chosen
        if self.job_faults_on is None or index in self.job_faults_on:
            return self.job_faults
        return JobFaults(
            step_s=self.job_faults.step_s,
            reboot_s=self.job_faults.reboot_s,
            seed=self.job_faults.seed,
        )

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
    plans = _Countdown(config.chargers)
    started = time.perf_counter()
    # One session, no pool limit: every WebSocket holds its own connection.
    ssl_context = ssl.create_default_context(cafile=config.ca_file) if config.ca_file else True
    connector = aiohttp.TCPConnector(limit=0, ssl=ssl_context)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [
            asyncio.create_task(
                _run_charger(
                    config,
                    index=index,
                    ordinal=ordinal,
                    session=session,
                    stats=stats,
                    stop=chargers_stop,
                    plans=plans,
                ),
                name=config.charge_point_id(index),
            )
            for ordinal, index in enumerate(config.indexes)
        ]
        plan_can_finish = config.session_plan is not None and config.session_plan.sessions
        await _until_over(
            config.duration_s, stop, tasks, plans.finished if plan_can_finish else None
        )
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
    plans: _Countdown,
) -> None:
    # Spread the connects evenly over the ramp-up period.
    delay = config.ramp_up_s * ordinal / config.chargers
    if delay > 0 and await set_within(stop, delay):
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
        power_kw=config.power_kw,
        dc=config.dc,
        time_scale=config.time_scale,
        replay_duplicates=config.replay_duplicates,
        transaction_message_attempts=config.transaction_message_attempts,
        job_faults=config.job_faults_of(index),
    )
    await run_charger(
        charger,
        stop,
        session_plan=config.session_plan,
        index=index,
        drop_every_s=config.drop_every_s,
        offline_s=config.offline_s,
        on_plan_done=plans.count_down,
    )


async def run_charger(
    charger: SimulatedCharger,
    stop: asyncio.Event,
    *,
    session_plan: SessionPlan | None = None,
    index: int = 1,
    drop_every_s: float | None = None,
    offline_s: float = 0.0,
    on_plan_done: Callable[[], None] | None = None,
) -> None:
    """Run one charger until `stop` is set, charging by `session_plan` and dropping its
    connection about every drop_every_s seconds. Sessions in progress at the end get to send
    their stop messages before the connection closes."""
    if session_plan is None and drop_every_s is None:
        await charger.run(stop)
        return
    charger_stop = asyncio.Event()
    lifecycle = asyncio.create_task(charger.run(charger_stop))
    helpers = []
    if session_plan is not None:
        helpers.append(
            asyncio.create_task(_charge(charger, session_plan, stop, index, on_plan_done))
        )
    if drop_every_s is not None:
        helpers.append(
            asyncio.create_task(_drop_periodically(charger, drop_every_s, offline_s, stop))
        )
    try:
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({lifecycle, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if lifecycle.done():
            # The charger gave up (e.g. subprotocol mismatch): nothing is left to charge.
            unfinished = set(helpers)
        else:
            _, unfinished = await asyncio.wait(helpers, timeout=SESSIONS_GRACE_S)
        for helper in unfinished:
            helper.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
    finally:
        charger_stop.set()
        await lifecycle
        charger.stats.still_queued += len(charger.offline_queue)


async def _charge(
    charger: SimulatedCharger,
    plan: SessionPlan,
    stop: asyncio.Event,
    index: int,
    on_done: Callable[[], None] | None,
) -> None:
    try:
        await run_session_plan(charger, plan, stop, index=index)
    except Exception as exc:
        charger.stats.error("session_plan_crashed", charger.charge_point_id, repr(exc))
        log.exception("%s session plan failed", charger.charge_point_id)
    finally:
        if on_done is not None:
            on_done()


async def _drop_periodically(
    charger: SimulatedCharger, every_s: float, offline_s: float, stop: asyncio.Event
) -> None:
    """Cut the connection about every `every_s` seconds (jittered so chargers spread out)."""
    while True:
        if await set_within(stop, every_s * random.uniform(*DROP_JITTER)):
            return
        await charger.drop_connection(offline_s)


class _Countdown:
    """Set `finished` once count_down() was called `count` times."""

    def __init__(self, count: int) -> None:
        self.remaining = count
        self.finished = asyncio.Event()

    def count_down(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self.finished.set()


async def _until_over(
    duration_s: float | None,
    stop: asyncio.Event,
    tasks: list[asyncio.Task[None]],
    plans_finished: asyncio.Event | None = None,
) -> None:
    """Return when the duration elapsed, `stop` was set, every charger gave up, or (given
    plans_finished) every charger ran its planned sessions."""
    waiters: set[asyncio.Task[Any]] = {
        asyncio.create_task(stop.wait()),
        # asyncio.wait (unlike gather) leaves the chargers running when it is cancelled.
        asyncio.create_task(asyncio.wait(tasks)),
    }
    if plans_finished is not None:
        waiters.add(asyncio.create_task(plans_finished.wait()))
    try:
        await asyncio.wait(waiters, timeout=duration_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
