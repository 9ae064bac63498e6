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
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

CampaignStatus = Literal[
    "draft", "starting", "running", "paused", "halted", "cancelled", "completed", "failed"
]
SessionPolicy = Literal["wait", "skip"]

# Statuses an operator action may come from.
STARTABLE: frozenset[str] = frozenset({"draft", "starting"})
PAUSABLE: frozenset[str] = frozenset({"running"})
RESUMABLE: frozenset[str] = frozenset({"paused"})
CANCELLABLE: frozenset[str] = frozenset({"draft", "starting", "running", "paused"})
FINISHED: frozenset[str] = frozenset({"halted", "cancelled", "completed", "failed"})

DEFAULT_WAVES = (1, 10, 100)
DEFAULT_FAILURE_THRESHOLD_PCT = 20
MAX_TARGETS = 6000 * 3  # per wave the workflow's state holds ~6,000 ids (ADR 0045)

# The target's states. Progress states are ranked; a report moves a target only forward.
PENDING = "pending"
READY = "ready"
SENT = "sent"
SUCCEEDED = "succeeded"
FAILED = "failed"
SKIPPED = "skipped"
CANCELLED = "cancelled"
TERMINAL: frozenset[str] = frozenset({SUCCEEDED, FAILED, SKIPPED, CANCELLED})
PROGRESS_RANK: dict[str, int] = {
    PENDING: 0,
    READY: 1,
    SENT: 2,
    # FirmwareStatusNotification statuses (1.6 and 2.0.1) that mean "still on its way".
    "DownloadScheduled": 3,
    "DownloadPaused": 3,
    "Downloading": 4,
    "Downloaded": 5,
    "SignatureVerified": 6,
    "InstallScheduled": 7,
    "Installing": 8,
    "InstallRebooting": 9,
    "Installed": 10,
}
# Reports that end the attempt as a failure (the reason is the status itself).
FAILURE_STATUSES: frozenset[str] = frozenset(
    {
        "DownloadFailed",
        "InstallationFailed",
        "InvalidSignature",
        "InstallVerificationFailed",
    }
)
# Failure reasons raised by the platform rather than reported by the charger.
REASON_REJECTED = "CommandRejected"
REASON_TIMEOUT = "Timeout"
REASON_WRONG_VERSION = "WrongVersionAfterBoot"
REASON_OFFLINE = "ChargerOffline"
REASON_SESSION = "ActiveSession"
# Boots that may mean "installed": the charger restarts at the end of an install.
AWAITING_BOOT_FROM = frozenset({"Installing", "InstallRebooting", "Installed"})


class CampaignError(ValueError):
    """A campaign that cannot be created as asked (the API answers 400)."""


@dataclass(frozen=True)
class Selector:
    """Which chargers a campaign targets. Every given criterion must hold (AND); within one
    criterion any listed value matches (OR). At least one criterion is required."""

    vendors: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    firmware_versions: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()  # location ids
    charger_ids: tuple[str, ...] = ()

    def empty(self) -> bool:
        return not (
            self.vendors or self.models or self.firmware_versions or self.sites or self.charger_ids
        )


@dataclass(frozen=True)
class ChargerFacts:
    """What selection and scheduling read about one charger."""

    charge_point_id: str
    vendor: str | None
    model: str | None
    firmware_version: str | None
    site: str | None  # location id
    protocol: str | None = None


def selects(selector: Selector, charger: ChargerFacts) -> bool:
    checks: list[tuple[tuple[str, ...], str | None]] = [
        (selector.vendors, charger.vendor),
        (selector.models, charger.model),
        (selector.firmware_versions, charger.firmware_version),
        (selector.sites, charger.site),
        (selector.charger_ids, charger.charge_point_id),
    ]
    return all(not wanted or value in wanted for wanted, value in checks)


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Window:
    """A maintenance window in the site's local time: from `start` to `end` (HH:MM; an end at
    or before the start runs past midnight), on `days` (the day the window opens; all days if
    empty)."""

    start: str
    end: str
    days: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _HHMM.match(self.start) or not _HHMM.match(self.end):
            raise CampaignError(f"a window runs from HH:MM to HH:MM, not {self.start}-{self.end}")
        unknown = [d for d in self.days if d not in DAYS]
        if unknown:
            raise CampaignError(f"unknown days {unknown}: use {', '.join(DAYS)}")

    def _minutes(self, value: str) -> int:
        return int(value[:2]) * 60 + int(value[3:])

    def opens_before(self, local: datetime) -> datetime | None:
        """The window's opening that contains `local`, if it is open at that moment."""
        start, end = self._minutes(self.start), self._minutes(self.end)
        length = (end - start) % (24 * 60) or 24 * 60
        for back in (0, 1):
            day = local.date() - timedelta(days=back)
            if self.days and DAYS[day.weekday()] not in self.days:
                continue
            opens = datetime.combine(day, time(start // 60, start % 60), local.tzinfo)
            if opens <= local < opens + timedelta(minutes=length):
                return opens
        return None

    def next_opening(self, local: datetime) -> datetime:
        start = self._minutes(self.start)
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            if self.days and DAYS[day.weekday()] not in self.days:
                continue
            opens = datetime.combine(day, time(start // 60, start % 60), local.tzinfo)
            if opens > local:
                return opens
        raise AssertionError("a window opens at least once a week")


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


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    image_id: str
    image_version: str
    selector: Selector
    created_at: str
    status: CampaignStatus = "draft"
    # Cumulative percentages of the targets: (1, 10, 100) = 1 % canary, then up to 10 %, then all.
    waves: tuple[int, ...] = DEFAULT_WAVES
    failure_threshold_pct: int = DEFAULT_FAILURE_THRESHOLD_PCT
    windows: tuple[Window, ...] = ()
    session_policy: SessionPolicy = "wait"
    # How many chargers of one site update at once (None: no bound), and of the whole wave.
    site_concurrency: int | None = 1
    concurrency: int = 10
    # One attempt may take this long from the command to the boot with the new version.
    charger_timeout_s: int = 3600
    # Attempts after the first failed one.
    retries: int = 1
    # How long `prepare` waits before looking again (window closed, session, paused, site busy).
    poll_s: int = 60
    created_by: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    execution_arn: str | None = None
    halted_reason: str | None = None
    target_count: int | None = None

    def __post_init__(self) -> None:
        if self.selector.empty():
            raise CampaignError("a campaign needs at least one selection criterion")
        if not self.waves or any(not 0 < w <= 100 for w in self.waves):
            raise CampaignError("waves are cumulative percentages between 1 and 100")
        if list(self.waves) != sorted(set(self.waves)) or self.waves[-1] != 100:
            raise CampaignError("waves must increase and end at 100")
        if not 0 <= self.failure_threshold_pct <= 100:
            raise CampaignError("the failure threshold is a percentage (0-100)")
        if self.site_concurrency is not None and self.site_concurrency < 1:
            raise CampaignError("siteConcurrency is at least 1")
        if not 1 <= self.concurrency <= 1000:
            raise CampaignError("concurrency is between 1 and 1000")
        if not 60 <= self.charger_timeout_s <= 7 * 24 * 3600:
            raise CampaignError("chargerTimeoutS is between 60 s and 7 days")
        if not 0 <= self.retries <= 5:
            raise CampaignError("retries is between 0 and 5")
        if not 1 <= self.poll_s <= 3600:
            raise CampaignError("pollS is between 1 and 3600")


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


@dataclass(frozen=True)
class StatusEvent:
    status: str
    at: str


@dataclass(frozen=True)
class Target:
    campaign_id: str
    charge_point_id: str
    wave: int
    state: str = PENDING
    site: str | None = None
    attempt: int = 0
    request_id: int | None = None
    task_token: str | None = None
    reason: str | None = None
    slot_held: bool = False
    updated_at: str | None = None
    timeline: tuple[StatusEvent, ...] = field(default_factory=tuple)

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


@dataclass(frozen=True)
class Move:
    """A transition the store must make conditionally: from `expected` to `state`."""

    expected: str
    state: str
    reason: str | None = None

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


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
