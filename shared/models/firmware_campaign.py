"""A firmware campaign and its targets, as stored (docs/adr/0045-firmware-campaigns.md); the
rules that move them are in shared/firmware/campaigns.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal

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
    tags: tuple[str, ...] = ()  # operator tags: a charger carrying any of them

    def empty(self) -> bool:
        return not (
            self.vendors
            or self.models
            or self.firmware_versions
            or self.sites
            or self.charger_ids
            or self.tags
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
    tags: frozenset[str] = frozenset()


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
