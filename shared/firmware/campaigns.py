"""Firmware campaigns: the rules (docs/adr/0045-firmware-campaigns.md). No I/O here.

A campaign rolls one image out over the chargers its selector picks, in waves. Each charger
is a *target* with its own state machine, driven by the charger's own reports:

    pending -> ready (site slot held) -> sent -> Downloading -> Downloaded -> SignatureVerified
            -> Installing -> InstallRebooting -> Installed -> succeeded (version seen at boot)

and the terminal states `succeeded`, `failed` (with a reason), `skipped`, `cancelled`. The
progress statuses are ranked: a report only moves a target forward, so a duplicated or
reordered FirmwareStatusNotification changes nothing; a terminal state never changes (the
store makes that one conditional write, and only its winner reports to the workflow).

Success is the version reported at the next BootNotification: `Installed` alone is not.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.models.firmware_campaign import (
    AWAITING_BOOT_FROM,
    CANCELLED,
    FAILED,
    FAILURE_STATUSES,
    PROGRESS_RANK,
    REASON_WRONG_VERSION,
    SENT,
    SKIPPED,
    SUCCEEDED,
    ChargerFacts,
    Move,
    Selector,
    Target,
    Window,
)


def selects(selector: Selector, charger: ChargerFacts) -> bool:
    checks: list[tuple[tuple[str, ...], str | None]] = [
        (selector.vendors, charger.vendor),
        (selector.models, charger.model),
        (selector.firmware_versions, charger.firmware_version),
        (selector.sites, charger.site),
        (selector.charger_ids, charger.charge_point_id),
    ]
    return all(not wanted or value in wanted for wanted, value in checks) and (
        not selector.tags or not charger.tags.isdisjoint(selector.tags)
    )


def seconds_until_open(windows: Sequence[Window], time_zone: str | None, now: datetime) -> int:
    """0 when a window is open (or there are none) at `now` in the site's zone (UTC for a
    charger without a site), else the seconds until the next one opens."""
    if not windows:
        return 0
    local = now.astimezone(ZoneInfo(time_zone or "UTC"))
    if any(window.opens_before(local) for window in windows):
        return 0
    soonest = min(window.next_opening(local) for window in windows)
    return max(1, math.ceil((soonest - local).total_seconds()))


def assignment_key(campaign_id: str, charge_point_id: str) -> str:
    """The order chargers join waves in: a hash of campaign and charger, so a campaign's
    canary is a stable, spread-out sample (not the first ids, not the same chargers in every
    campaign), and a preview shows exactly what `start` will do."""
    return hashlib.sha256(f"{campaign_id}:{charge_point_id}".encode()).hexdigest()


def assign_waves(
    campaign_id: str, charger_ids: Iterable[str], waves: Sequence[int]
) -> dict[str, int]:
    """Charger -> wave number (1-based). Wave i holds the targets up to ceil(waves[i] % of
    them) in assignment order, less those of earlier waves; a wave that would be empty takes
    one charger when any are left (a 1 % canary of 30 chargers is 1 charger)."""
    ordered = sorted(set(charger_ids), key=lambda cp: assignment_key(campaign_id, cp))
    total = len(ordered)
    result: dict[str, int] = {}
    taken = 0
    for number, pct in enumerate(waves, start=1):
        upto = min(total, max(math.ceil(total * pct / 100), taken + 1))
        for cp in ordered[taken:upto]:
            result[cp] = number
        taken = max(taken, upto)
    return result


def on_status(target: Target, status: str) -> Move | None:
    """The move a FirmwareStatusNotification makes, or None (nothing changes): terminal
    targets stay; failures end a sent attempt; progress only moves forward."""
    if target.terminal or PROGRESS_RANK.get(target.state, 0) < PROGRESS_RANK[SENT]:
        return None
    if status in FAILURE_STATUSES:
        return Move(target.state, FAILED, status)
    rank = PROGRESS_RANK.get(status)
    if rank is None or rank <= PROGRESS_RANK[SENT] or rank <= PROGRESS_RANK[target.state]:
        return None  # Idle, unknown, a duplicate or a late earlier status
    return Move(target.state, status)


def on_boot(target: Target, firmware_version: str | None, image_version: str) -> Move | None:
    """A boot after the command was sent: the image's version is success (whatever reports
    were lost on the way); another version after an install is a failure; a boot before any
    install started (a power cut while downloading) changes nothing."""
    if target.terminal or PROGRESS_RANK.get(target.state, 0) < PROGRESS_RANK[SENT]:
        return None
    if firmware_version == image_version:
        return Move(target.state, SUCCEEDED)
    if target.state in AWAITING_BOOT_FROM:
        return Move(target.state, FAILED, REASON_WRONG_VERSION)
    return None


def request_id_for(campaign_id: str, charge_point_id: str, attempt: int) -> int:
    """The 2.0.1 requestId of an attempt: derived, so a retried task sends the same one."""
    digest = hashlib.sha256(f"{campaign_id}:{charge_point_id}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & (2**31 - 1) or 1


@dataclass(frozen=True)
class WaveCounts:
    wave: int
    states: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def failed(self) -> int:
        return self.states.get(FAILED, 0)

    @property
    def attempted(self) -> int:
        """Targets that were tried: skipped and cancelled ones do not count for the rate."""
        return self.total - self.states.get(SKIPPED, 0) - self.states.get(CANCELLED, 0)

    def failure_rate_pct(self) -> float:
        return 100.0 * self.failed / self.attempted if self.attempted else 0.0


def count_waves(targets: Iterable[Target]) -> list[WaveCounts]:
    by_wave: dict[int, dict[str, int]] = {}
    for target in targets:
        states = by_wave.setdefault(target.wave, {})
        states[target.state] = states.get(target.state, 0) + 1
    return [WaveCounts(wave, by_wave[wave]) for wave in sorted(by_wave)]


def halt_reason(counts: WaveCounts, threshold_pct: int) -> str | None:
    """Why the campaign halts after this wave, or None: a failure rate *above* the threshold
    halts (20 % allows 1 failure in 5)."""
    rate = counts.failure_rate_pct()
    if rate > threshold_pct:
        return (
            f"wave {counts.wave}: {counts.failed} of {counts.attempted} chargers failed "
            f"({rate:.0f} % > {threshold_pct} %)"
        )
    return None
