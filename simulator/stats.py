"""Counters shared by the chargers of one run, and the summary computed from them."""

from __future__ import annotations

import logging
import math
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger("simulator")


def percentile(sorted_values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile of ascending values: the smallest value that at least
    pct % of the samples do not exceed. None when there are no samples."""
    if not 0 < pct <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {pct}")
    if not sorted_values:
        return None
    rank = math.ceil(pct / 100 * len(sorted_values))
    return sorted_values[max(rank, 1) - 1]


@dataclass(frozen=True)
class RoundTrip:
    """Round-trip times of CALLs in milliseconds (None when no CALL got an answer)."""

    count: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None

    @classmethod
    def of(cls, samples_s: Sequence[float]) -> RoundTrip:
        ordered = sorted(s * 1000 for s in samples_s)

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return cls(
            count=len(ordered),
            p50_ms=rounded(percentile(ordered, 50)),
            p95_ms=rounded(percentile(ordered, 95)),
            p99_ms=rounded(percentile(ordered, 99)),
            max_ms=rounded(ordered[-1] if ordered else None),
        )


@dataclass(frozen=True)
class SessionTotals:
    """Charging sessions and transaction messages of a run."""

    sessions_started: int = 0
    sessions_completed: int = 0
    # Rejected idTag, start given up, or stopped right away because the CSMS deauthorized it.
    sessions_failed: int = 0
    energy_kwh: float = 0.0
    # Starts and stops the CSMS acknowledged (1.6 Start/StopTransaction, 2.0.1 Started/Ended).
    transactions_started: int = 0
    transactions_stopped: int = 0
    # Authorize, StartTransaction or TransactionEvent answers with a status other than Accepted.
    id_tag_rejections: int = 0
    deauthorized_stops: int = 0
    # Forced disconnects; transaction messages created offline, and those delivered later.
    drops: int = 0
    queued_offline: int = 0
    replayed: int = 0
    duplicates_sent: int = 0
    # Transaction messages still undelivered when the run ended.
    still_queued: int = 0
    # Sessions the CSMS refused (Authorize or start not Accepted), by the status it gave.
    refused: dict[str, int] = field(default_factory=dict)

    @property
    def all_refused(self) -> bool:
        """Sessions were refused and none completed: the run showed nothing but refusals."""
        return bool(self.refused) and self.sessions_completed == 0


@dataclass(frozen=True)
class Summary:
    url: str
    protocol: str
    chargers: int
    started: int
    accepted: int
    connected: int
    peak_connected: int
    duration_s: float
    messages_sent: int
    messages_received: int
    messages_per_s: float
    reconnects: int
    boot_responses: dict[str, int]
    csms_calls: dict[str, int]
    errors: dict[str, int]
    round_trip: RoundTrip
    sessions: SessionTotals = field(default_factory=SessionTotals)
    # The first detail logged for each error kind: what failed and why, in words.
    error_details: dict[str, str] = field(default_factory=dict)
    error_count: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "error_count", sum(self.errors.values()))

    @property
    def ok(self) -> bool:
        """No errors, and not a run whose every session the CSMS refused (that run proved
        nothing, though each refusal on its own is a legitimate answer)."""
        return self.error_count == 0 and not self.sessions.all_refused

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Stats:
    """Mutable counters; one instance per run, shared by its chargers (single event loop)."""

    def __init__(self) -> None:
        self.messages_sent = 0
        self.messages_received = 0
        self.reconnects = 0
        self.connected = 0
        self.peak_connected = 0
        self.errors: Counter[str] = Counter()
        self.error_details: dict[str, str] = {}
        self.boot_responses: Counter[str] = Counter()
        self.csms_calls: Counter[str] = Counter()
        self.started: set[str] = set()
        self.accepted: set[str] = set()
        # A compact array: long accelerated runs collect millions of samples.
        self.round_trips_s: array[float] = array("d")
        self.sessions_started = 0
        self.sessions_completed = 0
        self.sessions_failed = 0
        self.energy_wh = 0.0
        self.transactions_started = 0
        self.transactions_stopped = 0
        self.id_tag_rejections = 0
        self.deauthorized_stops = 0
        self.drops = 0
        self.queued_offline = 0
        self.replayed = 0
        self.duplicates_sent = 0
        self.still_queued = 0
        self.sessions_refused: Counter[str] = Counter()

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def error(self, kind: str, charge_point_id: str, detail: object = "") -> None:
        """Count an error; the first of each kind is logged as a warning, later ones at debug."""
        self.errors[kind] += 1
        self.error_details.setdefault(kind, str(detail))
        level = logging.WARNING if self.errors[kind] == 1 else logging.DEBUG
        log.log(level, "%s: error %s %s", charge_point_id, kind, detail)

    def connection_opened(self) -> None:
        self.connected += 1
        self.peak_connected = max(self.peak_connected, self.connected)

    def connection_closed(self) -> None:
        self.connected -= 1

    def summary(
        self,
        *,
        url: str,
        protocol: str,
        chargers: int,
        duration_s: float,
        connected: int | None = None,
    ) -> Summary:
        """connected: chargers connected when the run ended (default: right now)."""
        return Summary(
            url=url,
            protocol=protocol,
            chargers=chargers,
            started=len(self.started),
            accepted=len(self.accepted),
            connected=self.connected if connected is None else connected,
            peak_connected=self.peak_connected,
            duration_s=round(duration_s, 3),
            messages_sent=self.messages_sent,
            messages_received=self.messages_received,
            messages_per_s=round(self.messages_sent / duration_s, 2) if duration_s > 0 else 0.0,
            reconnects=self.reconnects,
            boot_responses=dict(sorted(self.boot_responses.items())),
            csms_calls=dict(sorted(self.csms_calls.items())),
            errors=dict(sorted(self.errors.items())),
            round_trip=RoundTrip.of(self.round_trips_s),
            sessions=self.session_totals(),
            error_details=dict(sorted(self.error_details.items())),
        )

    def session_totals(self) -> SessionTotals:
        return SessionTotals(
            sessions_started=self.sessions_started,
            sessions_completed=self.sessions_completed,
            sessions_failed=self.sessions_failed,
            energy_kwh=round(self.energy_wh / 1000, 3),
            transactions_started=self.transactions_started,
            transactions_stopped=self.transactions_stopped,
            id_tag_rejections=self.id_tag_rejections,
            deauthorized_stops=self.deauthorized_stops,
            drops=self.drops,
            queued_offline=self.queued_offline,
            replayed=self.replayed,
            duplicates_sent=self.duplicates_sent,
            still_queued=self.still_queued,
            refused=dict(sorted(self.sessions_refused.items())),
        )
