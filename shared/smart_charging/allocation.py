"""The allocation a site is under: a limit per active EVSE with what the stability filter
remembers about it (stored between allocations), and the per-EVSE rules both the allocator
and the filter apply: an EVSE's minimum and cap in deciamperes, and who is admitted first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.smart_charging.site import Evse, quantise_down, quantise_up


@dataclass(frozen=True)
class EvseLimit:
    """An active EVSE's limit in deciamperes (0: paused), and what the filter remembers."""

    limit_da: int
    # When the limit last changed; for a paused EVSE, when it was paused (None: never ran).
    changed_at: datetime | None = None
    # When it last went from paused to charging (None while paused).
    running_since: datetime | None = None

    @property
    def limit_a(self) -> float:
        return self.limit_da / 10

    def to_dict(self) -> dict[str, Any]:
        return {
            "limitDa": self.limit_da,
            "changedAt": self.changed_at.isoformat() if self.changed_at else None,
            "runningSince": self.running_since.isoformat() if self.running_since else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvseLimit:
        changed, running = data.get("changedAt"), data.get("runningSince")
        return cls(
            limit_da=int(data["limitDa"]),
            changed_at=None if changed is None else datetime.fromisoformat(changed),
            running_since=None if running is None else datetime.fromisoformat(running),
        )


@dataclass(frozen=True)
class Allocation:
    """The limits of a site's active EVSEs; `overloaded` names the constraints that the
    reservations alone exceed (the site is over-subscribed there: an alert, not a share)."""

    limits: Mapping[str, EvseLimit] = field(default_factory=dict)
    at: datetime | None = None
    overloaded: tuple[str, ...] = ()

    def limit_da(self, evse_id: str) -> int | None:
        limit = self.limits.get(evse_id)
        return None if limit is None else limit.limit_da

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat() if self.at else None,
            "limits": {evse_id: limit.to_dict() for evse_id, limit in self.limits.items()},
            "overloaded": list(self.overloaded),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Allocation:
        at = data.get("at")
        return cls(
            limits={k: EvseLimit.from_dict(v) for k, v in (data.get("limits") or {}).items()},
            at=None if at is None else datetime.fromisoformat(at),
            overloaded=tuple(data.get("overloaded") or ()),
        )


def min_da(evse: Evse) -> int:
    return quantise_up(evse.min_current_a)


def cap_da(evse: Evse) -> int:
    """The most an active EVSE should get: its maximum, or the car's demand; never below its
    minimum (a car wanting less simply draws less), 0 when the car wants nothing."""
    highest = quantise_down(evse.max_current_a)
    demand = evse.live.demand_a
    if demand is None:
        return highest
    if demand <= 0:
        return 0
    return max(min_da(evse), min(highest, quantise_down(demand)))


def admission_order(evses: list[Evse], previous: Allocation | None) -> list[Evse]:
    """Tier (highest first), then those already charging, then first come first served (an
    unknown start last), then id: stable, and a charging car is not displaced by a newcomer
    of its tier."""

    def charging(evse: Evse) -> bool:
        limit = previous.limit_da(evse.id) if previous is not None else None
        return bool(limit)

    def key(evse: Evse) -> tuple[int, int, int, float, str]:
        started = evse.live.session_started_at
        return (
            -evse.tier,
            0 if charging(evse) else 1,
            0 if started is not None else 1,
            started.timestamp() if started is not None else 0.0,
            evse.id,
        )

    return sorted(evses, key=key)
