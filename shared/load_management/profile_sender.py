"""Sending an allocation's limits to the chargers: a plan (`plan_commands`' decreases first)
becomes SetChargingProfile commands through the command engine, each answer goes through the
rejection rules (rejections.py), and an alert is published when an EVSE is held.

Order is what keeps the site within its limits while the commands travel (ADR 0046, "The
command plan"): every decrease is answered, or given up on, before the first increase goes
out. Commands go one at a time: the engine allows one in flight per charger, and a plan is a
few commands per event.

If a decrease is not taken (its EVSE is held after the retries), the charger may still draw
its old, higher limit, which the plan's increases did not count on: the increases are not
sent, and the result asks for a new allocation, which reserves the held EVSE's worst case.

A limit whose EVSE has no transaction any more (the session ended while the plan was made)
is skipped: the dynamic limit is a TxProfile, and without a session the EVSE draws nothing
until a new one starts under its TxDefaultProfile.

`install_fallback` sends a charger's fallback layer (its station maximum, then each EVSE's
TxDefaultProfile) under the same rules: an EVSE whose default, or whose charger's maximum,
is not taken is held, since nothing bounds it when the charger is on its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

from shared.commands.engine import CommandEngine, CommandError
from shared.load_management.profiles import (
    Payload,
    ProfileError,
    Version,
    clear_charger,
    clear_evse,
    default_profile,
    limit_profile,
    station_max_profile,
    station_safe_max_a,
)
from shared.load_management.rejections import (
    DEFAULT_RULES,
    ControlState,
    EvseRef,
    Outcome,
    RejectionRules,
    decide,
    hold,
    outcome_of,
    reason_of,
)
from shared.models.command import CommandRecord
from shared.models.domain_events import DomainEvent
from shared.ports import EventPublisher, publish_safely
from shared.smart_charging.plan import LimitCommand
from shared.smart_charging.site import Site

logger = logging.getLogger("csms.load_management.profile_sender")

# Shorter than the engine's default: a plan waits on each answer.
PROFILE_TIMEOUT_S = 15

# (charge point id, EVSE number) -> the id of the transaction running there, or None.
TransactionLookup = Callable[[str, int], str | None]
# The payload for a charger's version, or the reason there is nothing to send.
PayloadFor = Callable[[Version], Payload | str]

Sent = Literal["accepted", "held", "skipped", "not_sent"]


@dataclass(frozen=True)
class EvseResult:
    evse: EvseRef
    # accepted: the charger took the profile; held: given up on, the EVSE is uncontrollable;
    # skipped: nothing to send (no session) or the EVSE is still held; not_sent: an increase
    # left out because a decrease was not taken, or a default whose station maximum was not.
    sent: Sent
    state: ControlState
    attempts: int = 0
    reason: str | None = None
    # How the last attempt ended (None: nothing was sent).
    outcome: Outcome | None = None
    # The limit, for a plan's results.
    command: LimitCommand | None = None


@dataclass
class PlanResult:
    results: list[EvseResult] = field(default_factory=list)
    # Alerts the bus did not take: the caller stores them with the states for its outbox.
    unpublished: list[DomainEvent] = field(default_factory=list)

    @property
    def states(self) -> dict[str, ControlState]:
        """Every EVSE's control state afterwards, to store beside its live state."""
        return {r.evse.evse_id: r.state for r in self.results}

    @property
    def reallocate(self) -> bool:
        """An EVSE was held: the allocation must be made again with its worst case reserved."""
        return any(r.sent == "held" for r in self.results)


@dataclass
class ProfileSender:
    engine: CommandEngine
    publisher: EventPublisher
    transaction_of: TransactionLookup
    rules: RejectionRules = DEFAULT_RULES
    timeout_s: int = PROFILE_TIMEOUT_S
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    sleep: Callable[[float], None] = time.sleep
    requested_by: str = "load-management"

    def send_plan(
        self,
        commands: list[LimitCommand],
        states: Mapping[str, ControlState] | None = None,
        payloads: Mapping[str, PayloadFor] | None = None,
    ) -> PlanResult:
        """Send the plan in its order; `states` are the EVSEs' control states before it.
        `payloads` replaces the flat limit of some EVSEs (by EVSE id) with another profile on
        the same dynamic id that never exceeds the command's limit (a session's schedule,
        docs/adr/0054)."""
        states = states or {}
        payloads = payloads or {}
        result = PlanResult()
        decreases_taken = True
        for command in commands:
            evse = EvseRef(command.evse_id, command.charge_point_id, command.evse_number)
            state = states.get(command.evse_id, ControlState())
            if not command.decrease and not decreases_taken:
                result.results.append(EvseResult(evse, "not_sent", state, command=command))
                continue
            payload_for = payloads.get(command.evse_id) or self._limit_payload(command)
            outcome = self._deliver(evse, state, payload_for, result)
            outcome = replace(outcome, command=command)
            result.results.append(outcome)
            if command.decrease and outcome.sent == "held":
                decreases_taken = False
        return result

    def install_fallback(
        self,
        site: Site,
        charge_point_id: str,
        states: Mapping[str, ControlState] | None = None,
    ) -> PlanResult:
        """Send the charger's fallback layer: its station maximum (the safe maximum of the
        site model), then each of its EVSEs' TxDefaultProfile at its `default_limit_a`. Sent
        again after a boot it changes nothing (the same ids). If the maximum is not taken
        every EVSE of the charger is held; if a default is not, its EVSE is."""
        states = states or {}
        evses = sorted(
            (e for e in site.evses if e.charge_point_id == charge_point_id),
            key=lambda e: e.evse_id,
        )
        refs = [EvseRef(e.id, charge_point_id, e.evse_id) for e in evses]
        result = PlanResult()
        safe_max = station_safe_max_a(site, charge_point_id)
        at = self.clock()
        station = EvseRef(f"{site.id}/{charge_point_id}/station", charge_point_id, 0)
        maximum = self._deliver(
            station,
            ControlState(),
            lambda version: station_max_profile(version, safe_max, at),
            result,
            alert=False,
        )
        for evse, ref in zip(evses, refs, strict=True):
            state = states.get(evse.id, ControlState())
            if maximum.sent == "held":
                decision = hold(
                    ref,
                    state,
                    maximum.outcome or "rejected",
                    self.clock(),
                    f"station maximum not taken: {maximum.reason}",
                    self.rules,
                    maximum.attempts,
                )
                self._publish(decision.event, result)
                result.results.append(
                    EvseResult(
                        ref,
                        "held",
                        decision.state,
                        maximum.attempts,
                        maximum.reason,
                        maximum.outcome,
                    )
                )
                continue
            result.results.append(
                self._deliver(
                    ref, state, _default_payload(evse.evse_id, evse.default_limit_a), result
                )
            )
        return result

    def _limit_payload(self, command: LimitCommand) -> PayloadFor:
        def payload(version: Version) -> Payload | str:
            transaction_id = self.transaction_of(command.charge_point_id, command.evse_number)
            if transaction_id is None:
                return "no session"
            try:
                return limit_profile(version, command, transaction_id)
            except ProfileError as exc:
                return str(exc)

        return payload

    def _deliver(
        self,
        evse: EvseRef,
        state: ControlState,
        payload_for: PayloadFor,
        plan: PlanResult,
        alert: bool = True,
    ) -> EvseResult:
        """One profile to one EVSE under the rejection rules: retried, then held."""
        if not state.controllable(self.clock()):
            return EvseResult(evse, "skipped", state, reason="held")
        attempts = 0
        while True:
            attempts += 1
            outcome, reason = self._attempt(evse.charge_point_id, payload_for)
            if outcome is None:
                return EvseResult(evse, "skipped", state, attempts, reason)
            decision = decide(evse, state, outcome, self.clock(), reason, self.rules)
            if alert:
                self._publish(decision.event, plan)
            state = decision.state
            if decision.verdict == "accepted":
                return EvseResult(evse, "accepted", state, attempts, outcome=outcome)
            if decision.verdict == "hold":
                logger.warning(
                    "EVSE held uncontrollable",
                    extra={
                        "chargePointId": evse.charge_point_id,
                        "evseId": evse.evse_number,
                        "reason": reason,
                        "until": str(state.until),
                    },
                )
                return EvseResult(evse, "held", state, attempts, reason, outcome)
            assert decision.retry_in_s is not None
            self.sleep(decision.retry_in_s)

    def clear_layer(self, charge_point_id: str, evse_numbers: Sequence[int], station: bool) -> bool:
        """Take our profiles off EVSEs that left their site (`clear_evse`), and with `station`
        the charger's maximum too (the charger left: `clear_charger`, EVSEs first). True when
        every ClearChargingProfile was answered Accepted or Unknown (none of ours was there);
        False to try again later (offline, busy, no answer, refused): nothing else is at
        stake, the charger only stays bounded by our layer meanwhile."""
        version = self._version(charge_point_id)
        if version is None:
            return False
        numbers = sorted(evse_numbers)
        payloads = (
            clear_charger(version, numbers)
            if station
            else [p for n in numbers for p in clear_evse(version, n)]
        )
        for payload in payloads:
            try:
                record = self.engine.send(
                    charge_point_id,
                    "ClearChargingProfile",
                    payload,
                    timeout_s=self.timeout_s,
                    requested_by=self.requested_by,
                )
            except CommandError:
                return False
            finished = self._finished(charge_point_id, record)
            if finished is None:
                return False
            status = (finished.result or {}).get("status")
            if finished.status != "answered" or status not in ("Accepted", "Unknown"):
                return False
        return True

    def _version(self, charge_point_id: str) -> Version | None:
        charger = self.engine.chargers.get(charge_point_id)
        if charger is None or charger.protocol is None:
            return None
        return "ocpp2.0.1" if charger.protocol == "ocpp2.0.1" else "ocpp1.6"

    def _finished(self, charge_point_id: str, record: CommandRecord) -> CommandRecord | None:
        """The sent command once it ended; None when its record expired (nothing is known of
        the answer)."""
        finished = self.engine.wait(charge_point_id, record.message_id, self.timeout_s + 1)
        while finished is not None and not finished.done:
            finished = self.engine.wait(charge_point_id, record.message_id, 1)
        return finished

    def _attempt(self, charge_point_id: str, payload_for: PayloadFor) -> tuple[Outcome | None, str]:
        """One SetChargingProfile and its answer; (None, why) when there is nothing to send."""
        version = self._version(charge_point_id)
        if version is None:
            return "offline", "charger offline"
        payload = payload_for(version)
        if isinstance(payload, str):
            return None, payload
        try:
            record = self.engine.send(
                charge_point_id,
                "SetChargingProfile",
                payload,
                timeout_s=self.timeout_s,
                requested_by=self.requested_by,
            )
        except CommandError as exc:
            # Not sent: offline (503), gone from the registry (404) or Rejected (409
            # ChargerRejected) is the charger's absence; another command in flight (409) is
            # a busy charger; anything else (400) a profile the charger cannot be sent.
            if exc.code == "CommandInFlight":
                return "timeout", f"busy: {exc.message}"
            if exc.status in (404, 409, 503):
                return "offline", f"{exc.code}: {exc.message}"
            return "error", f"{exc.code}: {exc.message}"
        finished = self._finished(charge_point_id, record)
        if finished is None:  # the record expired: nothing is known of the answer
            return "timeout", "no record of the command"
        return outcome_of(finished), reason_of(finished)

    def _publish(self, event: DomainEvent | None, plan: PlanResult) -> None:
        if event is not None and not publish_safely(self.publisher, event):
            plan.unpublished.append(event)


def _default_payload(evse_number: int, default_limit_a: float) -> PayloadFor:
    def payload(version: Version) -> Payload | str:
        return default_profile(version, evse_number, default_limit_a)

    return payload
