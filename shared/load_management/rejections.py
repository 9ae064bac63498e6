"""What to do when a charger does not take a limit: retry, then stop counting on it for a
while. Pure: an outcome and the EVSE's control state in, a decision out.

A SetChargingProfile that is answered Rejected, gets a CALLERROR, an invalid answer, no answer
in time, or finds the charger offline is a failed attempt. A failed attempt is retried after
a backoff (`backoff_s`, doubling, at most `max_backoff_s`) until `max_attempts` have failed;
then the EVSE is held uncontrollable for `hold_s` (doubling with each hold in a row, at most
`max_hold_s`): the allocator reserves its worst case (`EvseLive.responsive=False`, ADR 0046)
and sends it nothing. When the hold ends it is controllable again and the next allocation
sends it a limit; an accepted profile ends the episode. NotSupported (a 1.6 charger without
smart charging) is not retried: it will not change its mind.

Alerts: the first hold of an episode raises `EvseControlLost`; the accepted profile that ends
it raises `EvseControlRestored`. Holds in between extend the open alert silently. Both events'
ids are stable for a redelivered decision (the detail holds the hold's end).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from shared.models.command import CommandRecord
from shared.models.domain_events import EVSE_CONTROL_LOST, EVSE_CONTROL_RESTORED, DomainEvent
from shared.smart_charging.site import EvseLive
from shared.timeutil import iso_utc

Outcome = Literal["accepted", "rejected", "not_supported", "error", "timeout", "offline"]
Verdict = Literal["accepted", "retry", "hold"]


@dataclass(frozen=True)
class RejectionRules:
    max_attempts: int = 3
    backoff_s: float = 2.0
    max_backoff_s: float = 30.0
    hold_s: float = 900.0
    max_hold_s: float = 4 * 3600.0

    def backoff(self, failed: int) -> float:
        """The wait before the next attempt after `failed` failed ones."""
        return float(min(self.backoff_s * 2 ** (failed - 1), self.max_backoff_s))

    def hold(self, holds: int) -> float:
        """How long the `holds`-th hold in a row lasts."""
        return float(min(self.hold_s * 2 ** (holds - 1), self.max_hold_s))


DEFAULT_RULES = RejectionRules()


@dataclass(frozen=True)
class EvseRef:
    """The EVSE a command is for: the site model's id and where it is on its charger."""

    evse_id: str
    charge_point_id: str
    evse_number: int


@dataclass(frozen=True)
class ControlState:
    """An EVSE's standing with the rejection rules (kept beside its live state)."""

    # Failed attempts of the limit being sent now.
    attempts: int = 0
    # Holds in a row since the last accepted profile (0: no open alert).
    holds: int = 0
    # Uncontrollable until then (None: controllable).
    until: datetime | None = None
    reason: str | None = None

    def controllable(self, now: datetime) -> bool:
        return self.until is None or now >= self.until

    def to_dict(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "holds": self.holds,
            "until": iso_utc(self.until) if self.until else None,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ControlState:
        until = data.get("until")
        return cls(
            attempts=int(data.get("attempts", 0)),
            holds=int(data.get("holds", 0)),
            until=None if until is None else datetime.fromisoformat(until),
            reason=data.get("reason"),
        )


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    state: ControlState
    # For "retry": how long to wait before sending again.
    retry_in_s: float | None = None
    # An alert raised or cleared by this decision.
    event: DomainEvent | None = None


def outcome_of(record: CommandRecord) -> Outcome:
    """A finished SetChargingProfile command as the rules see it."""
    if record.status == "answered":
        status = (record.result or {}).get("status")
        if status == "Accepted":
            return "accepted"
        return "not_supported" if status == "NotSupported" else "rejected"
    if record.status in ("error", "invalid_response"):
        return "error"
    if record.status == "offline":
        return "offline"
    return "timeout"


def reason_of(record: CommandRecord) -> str:
    """One line for the alert: the answer's status or the error's code and description."""
    if record.status == "answered":
        result = record.result or {}
        info = (result.get("statusInfo") or {}).get("reasonCode")
        return f"answered {result.get('status')}" + (f" ({info})" if info else "")
    error = record.error or {}
    description = error.get("description")
    return f"{record.status}: {error.get('code')}" + (f" ({description})" if description else "")


def decide(
    evse: EvseRef,
    state: ControlState,
    outcome: Outcome,
    now: datetime,
    reason: str = "",
    rules: RejectionRules = DEFAULT_RULES,
) -> Decision:
    """The next step after an attempt to set the EVSE's limit ended with `outcome`."""
    if outcome == "accepted":
        event = None
        if state.holds:
            event = _event(
                EVSE_CONTROL_RESTORED, evse, now, {"restoredAt": iso_utc(now), "holds": state.holds}
            )
        return Decision("accepted", ControlState(), event=event)
    attempts = state.attempts + 1
    if outcome != "not_supported" and attempts < rules.max_attempts:
        return Decision(
            "retry",
            replace(state, attempts=attempts, reason=reason or outcome),
            retry_in_s=rules.backoff(attempts),
        )
    return hold(evse, state, outcome, now, reason, rules, attempts)


def hold(
    evse: EvseRef,
    state: ControlState,
    outcome: Outcome,
    now: datetime,
    reason: str = "",
    rules: RejectionRules = DEFAULT_RULES,
    attempts: int = 1,
) -> Decision:
    """Give up on the EVSE for a while: held uncontrollable, the episode's alert raised on
    its first hold. (Also for an EVSE whose charger refused the layer the EVSE stands on.)"""
    holds = state.holds + 1
    until = now + timedelta(seconds=rules.hold(holds))
    held = ControlState(attempts=0, holds=holds, until=until, reason=reason or outcome)
    event = None
    if holds == 1:
        event = _event(
            EVSE_CONTROL_LOST,
            evse,
            now,
            {
                "reason": held.reason,
                "outcome": outcome,
                "attempts": attempts,
                "lostAt": iso_utc(now),
                "until": iso_utc(until),
            },
        )
    return Decision("hold", held, event=event)


def live_with(live: EvseLive, state: ControlState, now: datetime) -> EvseLive:
    """The EVSE's live state for the allocator: unresponsive while held, so its worst case
    is reserved; responsive again once the hold ends (a disconnected charger stays
    unresponsive: that is the connection events' to say, not ours)."""
    if not state.controllable(now):
        return replace(live, responsive=False)
    return live


def _event(kind: str, evse: EvseRef, now: datetime, detail: dict[str, Any]) -> DomainEvent:
    return DomainEvent(
        kind,
        evse.charge_point_id,
        now,
        {"siteEvseId": evse.evse_id, "evseId": evse.evse_number, **detail},
    )
