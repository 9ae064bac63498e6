"""What the chargers of a run charge: how many sessions, how long, with which id tags."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.charger import SimulatedCharger

log = logging.getLogger("simulator.sessions")

# Unique per charger and connector, so concurrent sessions never share a tag.
DEFAULT_ID_TAG_TEMPLATE = "TAG-{index:05d}-{connector}"
# idTag is CiString20 in 1.6; a 2.0.1 idToken holds up to 36 characters.
MAX_ID_TAG_LENGTH = {"ocpp1.6": 20, "ocpp2.0.1": 36}


@dataclass(frozen=True)
class SessionPlan:
    """Sessions each charger runs, spread over its connectors (2.0.1: EVSEs).

    sessions: how many per charger (None: no limit, until the run ends).
    sessions_per_hour: mean arrival rate per charger; gaps between sessions on a connector
    are random (exponential), so arrivals look like real drivers. None: back to back, with
    gap_s between a session and the next on the same connector.
    id_tags: tags to use in turn (offset by charger, so chargers start on different tags);
    otherwise id_tag_template, formatted with {id} (charge point id), {index} (charger
    number), {connector} and {session} (the charger's session number, from 1).
    authorize_share: fraction of sessions that send Authorize first (an RFID card); the others
    start right away (plug and charge, free vend): the CSMS judges the tag at the start.
    """

    sessions: int | None = None
    sessions_per_hour: float | None = None
    duration_s: float = 60.0
    meter_interval_s: float = 10.0
    gap_s: float = 0.0
    id_tags: tuple[str, ...] = ()
    id_tag_template: str = DEFAULT_ID_TAG_TEMPLATE
    authorize_share: float = 1.0
    stop_reason: str = "Local"

    def problems(self) -> list[str]:
        problems = []
        if self.sessions is None and self.sessions_per_hour is None:
            problems.append("a session plan needs sessions or sessions_per_hour")
        if self.sessions is not None and self.sessions < 1:
            problems.append("sessions must be at least 1 (or None)")
        if self.sessions_per_hour is not None and self.sessions_per_hour <= 0:
            problems.append("sessions_per_hour must be positive (or None)")
        if self.duration_s < 0 or self.meter_interval_s <= 0 or self.gap_s < 0:
            problems.append("session duration and gap must be >= 0, meter interval > 0")
        if not 0 <= self.authorize_share <= 1:
            problems.append("authorize_share must be between 0 and 1")
        return problems

    def id_tag_problems(self, protocol: str, charge_point_id: str, index: int) -> list[str]:
        """Whether the tags of charger `index` format and fit the protocol's length limit."""
        try:
            longest = max(
                (
                    self.id_tag(
                        charge_point_id=charge_point_id, index=index, connector=9, session=session
                    )
                    for session in (1, self.sessions or 9999)
                ),
                key=len,
            )
        except (KeyError, IndexError, ValueError) as exc:
            return [f"id_tag_template {self.id_tag_template!r} does not format: {exc!r}"]
        limit = MAX_ID_TAG_LENGTH.get(protocol, 20)
        if len(longest) > limit:
            return [f"id tag {longest!r} is longer than the {limit} characters {protocol} allows"]
        return []

    def id_tag(self, *, charge_point_id: str, index: int, connector: int, session: int) -> str:
        if self.id_tags:
            return self.id_tags[(index - 1 + session - 1) % len(self.id_tags)]
        return self.id_tag_template.format(
            id=charge_point_id, index=index, connector=connector, session=session
        )

    def gap_before_session(self, connectors: int, *, first: bool) -> float:
        """Seconds a connector stays free before its next session."""
        if self.sessions_per_hour is None:
            return 0.0 if first else self.gap_s
        # Each connector gets its share of the arrivals; the time it spends charging counts
        # towards the mean gap, so the rate holds unless the connectors are saturated.
        mean_cycle_s = 3600.0 * connectors / self.sessions_per_hour
        mean_idle_s = max(mean_cycle_s - (0.0 if first else self.duration_s), 0.0)
        return random.expovariate(1.0 / mean_idle_s) if mean_idle_s > 0 else 0.0


async def run_session_plan(
    charger: SimulatedCharger, plan: SessionPlan, stop: asyncio.Event, *, index: int = 1
) -> None:
    """Charge by the plan until it is done or `stop` is set.

    Waits until the charger is first online, then runs sessions on every connector at once,
    also across disconnects (their messages then wait in the offline queue). Sessions in
    progress when `stop` is set end with their stop message. Returns when the planned sessions
    are over and the offline queue is empty, or when `stop` is set.
    """
    if not await _unless_stopped(charger.ever_online.wait(), stop):
        return
    budget = [plan.sessions]
    numbers = itertools.count(1)

    async def charge(connector: int) -> None:
        first = True
        while not stop.is_set():
            gap = plan.gap_before_session(charger.connectors, first=first)
            first = False
            if gap > 0 and not await _unless_stopped(asyncio.sleep(gap), stop):
                return
            if budget[0] is not None:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            session = next(numbers)
            await charger.run_session(
                connector,
                plan.id_tag(
                    charge_point_id=charger.charge_point_id,
                    index=index,
                    connector=connector,
                    session=session,
                ),
                plan.duration_s,
                plan.meter_interval_s,
                authorize=random.random() < plan.authorize_share,
                stop_reason=plan.stop_reason,
                stop=stop,
            )

    await asyncio.gather(*(charge(number) for number in range(1, charger.connectors + 1)))
    await _unless_stopped(charger.offline_queue.wait_empty(), stop)


async def _unless_stopped(work: Coroutine[Any, Any, Any], stop: asyncio.Event) -> bool:
    """Await `work` unless `stop` is set first; True when it completed."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, stopped):
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pending
    return task.done() and not task.cancelled() and not stop.is_set()
