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
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from shared.commands.engine import CommandEngine, CommandError
from shared.load_management.profiles import ProfileError, Version, limit_profile
from shared.load_management.rejections import (
    DEFAULT_RULES,
    ControlState,
    EvseRef,
    Outcome,
    RejectionRules,
    decide,
    outcome_of,
    reason_of,
)
from shared.models.domain_events import DomainEvent
from shared.ports import EventPublisher, publish_safely
from shared.smart_charging.plan import LimitCommand

logger = logging.getLogger("csms.load_management.profile_sender")

# Shorter than the engine's default: a plan waits on each answer.
PROFILE_TIMEOUT_S = 15

# (charge point id, EVSE number) -> the id of the transaction running there, or None.
TransactionLookup = Callable[[str, int], str | None]

Sent = Literal["accepted", "held", "skipped", "not_sent"]


@dataclass(frozen=True)
class EvseResult:
    command: LimitCommand
    # accepted: the charger took the limit; held: given up on, the EVSE is uncontrollable;
    # skipped: no session there, or the EVSE is still held; not_sent: an increase left out
    # because a decrease was not taken.
    sent: Sent
    state: ControlState
    attempts: int = 0
    reason: str | None = None


@dataclass
class PlanResult:
    results: list[EvseResult] = field(default_factory=list)
    # Alerts the bus did not take: the caller stores them with the states for its outbox.
    unpublished: list[DomainEvent] = field(default_factory=list)

    @property
    def states(self) -> dict[str, ControlState]:
        """Every EVSE's control state after the plan, to store beside its live state."""
        return {r.command.evse_id: r.state for r in self.results}

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
        self, commands: list[LimitCommand], states: Mapping[str, ControlState] | None = None
    ) -> PlanResult:
        """Send the plan in its order; `states` are the EVSEs' control states before it."""
        states = states or {}
        result = PlanResult()
        decreases_taken = True
        for command in commands:
            state = states.get(command.evse_id, ControlState())
            if not command.decrease and not decreases_taken:
                result.results.append(EvseResult(command, "not_sent", state))
                continue
            outcome = self._send_one(command, state, result)
            result.results.append(outcome)
            if command.decrease and outcome.sent == "held":
                decreases_taken = False
        return result

    def _send_one(self, command: LimitCommand, state: ControlState, plan: PlanResult) -> EvseResult:
        evse = EvseRef(command.evse_id, command.charge_point_id, command.evse_number)
        if not state.controllable(self.clock()):
            return EvseResult(command, "skipped", state, reason="held")
        attempts = 0
        while True:
            attempts += 1
            outcome, reason = self._attempt(command)
            if outcome is None:
                return EvseResult(command, "skipped", state, attempts, reason)
            decision = decide(evse, state, outcome, self.clock(), reason, self.rules)
            if decision.event is not None and not publish_safely(self.publisher, decision.event):
                plan.unpublished.append(decision.event)
            state = decision.state
            if decision.verdict == "accepted":
                return EvseResult(command, "accepted", state, attempts)
            if decision.verdict == "hold":
                logger.warning(
                    "EVSE held uncontrollable",
                    extra={
                        "chargePointId": command.charge_point_id,
                        "evseId": command.evse_number,
                        "reason": reason,
                        "until": str(state.until),
                    },
                )
                return EvseResult(command, "held", state, attempts, reason)
            assert decision.retry_in_s is not None
            self.sleep(decision.retry_in_s)

    def _attempt(self, command: LimitCommand) -> tuple[Outcome | None, str]:
        """One SetChargingProfile and its answer; (None, why) when there is nothing to send."""
        charger = self.engine.chargers.get(command.charge_point_id)
        if charger is None or charger.protocol is None:
            return "offline", "charger offline"
        version: Version = "ocpp2.0.1" if charger.protocol == "ocpp2.0.1" else "ocpp1.6"
        transaction_id = self.transaction_of(command.charge_point_id, command.evse_number)
        if transaction_id is None:
            return None, "no session"
        try:
            payload = limit_profile(version, command, transaction_id)
        except ProfileError as exc:
            return None, str(exc)
        try:
            record = self.engine.send(
                command.charge_point_id,
                "SetChargingProfile",
                payload,
                timeout_s=self.timeout_s,
                requested_by=self.requested_by,
            )
        except CommandError as exc:
            # Not sent: offline (503), gone from the registry (404) or Rejected (409
            # ChargerRejected) is the charger's absence; another command in flight (409) is
            # a busy charger; anything else (400) a limit the charger cannot be sent.
            if exc.code == "CommandInFlight":
                return "timeout", f"busy: {exc.message}"
            if exc.status in (404, 409, 503):
                return "offline", f"{exc.code}: {exc.message}"
            return "error", f"{exc.code}: {exc.message}"
        finished = self.engine.wait(command.charge_point_id, record.message_id, self.timeout_s + 1)
        while finished is not None and not finished.done:
            finished = self.engine.wait(command.charge_point_id, record.message_id, 1)
        if finished is None:  # the record expired: nothing is known of the answer
            return "timeout", "no record of the command"
        return outcome_of(finished), reason_of(finished)
