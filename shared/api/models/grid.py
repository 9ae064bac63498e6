"""A location's grid in the operator API (docs/adr/0052, docs/smart-charging.md "Grid
signals"): the operator's schedule of limits, the sources polled for the site, and what they
say now.

The bodies check types and sizes; what makes a schedule valid (known time zone, times of day,
days, limits >= 0, one exception per date) is checked by `OperatorSchedule` and answered 422
with every problem and where it is. Sources hold the NAMES of Secrets Manager secrets: a
field carrying a secret itself is refused (400, unknown field).
"""

from __future__ import annotations

import math
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from shared.api.models.common import ApiModel
from shared.grid_signals import Step
from shared.load_management.grid import amps_document, binding_source
from shared.load_management.grid_sites import GridOverview
from shared.ports.grid_signal_store import StoredGridDocument
from shared.ports.grid_signals import GridSignal
from shared.timeutil import iso_utc

# Secrets of grid sources live under csms/grid/: the poller may read those and no others.
SECRET_NAME = r"^csms/grid/[A-Za-z0-9/_+=.@-]{1,200}$"  # noqa: S105 (a name's pattern)
# An ENTSO-E Energy Identification Code: 16 characters, e.g. 10YNL----------L.
EIC = r"^[0-9A-Z][0-9A-Z-]{14}[0-9A-Z-]$"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class PhaseAmpsBody(ApiModel):
    L1: float = Field(ge=0, allow_inf_nan=False)
    L2: float = Field(ge=0, allow_inf_nan=False)
    L3: float = Field(ge=0, allow_inf_nan=False)


class GridWindowBody(ApiModel):
    """A limit from `start` to `end` (local wall-clock times, HH:MM; an end at or before the
    start is on the next day) on the given days."""

    days: list[str] = Field(
        default_factory=lambda: ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
        max_length=7,
        examples=[["MO", "TU", "WE", "TH", "FR"]],
    )
    start: str = Field(max_length=5, examples=["17:00"])
    end: str = Field(max_length=5, examples=["21:00"])
    maxCurrent: float | PhaseAmpsBody | None = Field(
        default=None, description="At most this current per phase (A), one number or per phase"
    )
    maxPowerW: float | None = Field(
        default=None, description="At most this power (W) over three phases"
    )


class GridExceptionBody(ApiModel):
    """A date whose windows replace the recurring ones (none: no limit that day)."""

    date: str = Field(max_length=10, examples=["2030-12-25"])
    windows: list[GridWindowBody] = Field(default_factory=list, max_length=100)


class GridScheduleBody(ApiModel):
    """Recurring windows and dated exceptions in the site's IANA time zone (ADR 0050)."""

    timeZone: str = Field(max_length=64, examples=["Europe/Berlin"])
    windows: list[GridWindowBody] = Field(default_factory=list, max_length=100)
    exceptions: list[GridExceptionBody] = Field(default_factory=list, max_length=400)

    def document(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class GridScheduleView(GridScheduleBody):
    locationId: str
    updatedAt: str

    @classmethod
    def of(cls, stored: StoredGridDocument) -> GridScheduleView:
        return cls.model_validate(
            {**stored.document, "locationId": stored.site_id, "updatedAt": stored.updated_at}
        )


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ValueError("must be https (plain http only for a VTN on this machine)")
    return value


class OpenAdrSourceBody(ApiModel):
    """An OpenADR 3 VTN the site's VEN polls (and subscribes to where it can)."""

    vtnUrl: str = Field(max_length=500, examples=["https://vtn.example.com/openadr3/3.0.1"])
    programIds: list[str] = Field(
        min_length=1, max_length=20, description="The VTN programs whose events count"
    )
    clientId: str = Field(min_length=1, max_length=200)
    clientSecretName: str = Field(
        pattern=SECRET_NAME,
        description="The Secrets Manager secret (under csms/grid/) holding the client secret "
        "(field `clientSecret`); the secret itself is never sent here",
    )
    tokenUrl: str | None = Field(
        default=None, max_length=500, description="Default: discovered from the VTN"
    )
    scopes: list[str] = Field(default_factory=list, max_length=10)

    @field_validator("vtnUrl", "tokenUrl")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else _url(value)


class EntsoeSourceBody(ApiModel):
    """Day-ahead prices of a bidding zone from the ENTSO-E Transparency Platform."""

    biddingZone: str = Field(pattern=EIC, examples=["10YNL----------L"])
    tokenSecretName: str = Field(
        pattern=SECRET_NAME,
        description="The Secrets Manager secret holding the security token (field `securityToken`)",
    )


class GridSourcesBody(ApiModel):
    """What the grid poller asks for this site (every 5 minutes); at least one source."""

    openadr: OpenAdrSourceBody | None = None
    entsoe: EntsoeSourceBody | None = None

    @model_validator(mode="after")
    def _one(self) -> GridSourcesBody:
        if self.openadr is None and self.entsoe is None:
            raise ValueError("give openadr, entsoe or both")
        return self

    def document(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class GridSourcesView(GridSourcesBody):
    locationId: str
    updatedAt: str

    @classmethod
    def of(cls, stored: StoredGridDocument) -> GridSourcesView:
        return cls.model_validate(
            {**stored.document, "locationId": stored.site_id, "updatedAt": stored.updated_at}
        )


class PhaseLimitBody(ApiModel):
    """Amperes per phase; null: not limited on that phase."""

    L1: float | None
    L2: float | None
    L3: float | None

    @classmethod
    def of(cls, amps: tuple[float, float, float]) -> PhaseLimitBody:
        return cls.model_validate(amps_document(amps))


class GridSignalBody(ApiModel):
    source: str
    kind: Literal["import_limit", "export_limit"]
    start: str
    end: str | None
    maxCurrent: PhaseLimitBody | None
    maxPowerW: float | None
    group: str
    receivedAt: str

    @classmethod
    def of(cls, signal: GridSignal) -> GridSignalBody:
        assert signal.kind in ("import_limit", "export_limit")
        return cls(
            source=signal.source,
            kind=signal.kind,
            start=iso_utc(signal.start),
            end=iso_utc(signal.end) if signal.end else None,
            maxCurrent=PhaseLimitBody.of(signal.amps) if signal.amps else None,
            maxPowerW=signal.watts,
            group=signal.group,
            receivedAt=iso_utc(signal.received_at),
        )


class StepBody(ApiModel):
    start: str
    end: str
    value: float
    currency: str | None
    source: str

    @classmethod
    def of(cls, step: Step) -> StepBody:
        return cls(
            start=iso_utc(step.start),
            end=iso_utc(step.end),
            value=step.value,
            currency=step.currency,
            source=step.source,
        )


class GridView(ApiModel):
    """What the grid says about a location now, as the allocation loop sees it."""

    locationId: str
    at: str
    limited: bool = Field(description="Whether any grid signal binds now or within minutes")
    limitA: PhaseLimitBody | None = Field(description="In force now; null: no grid signal")
    allocatorLimitA: PhaseLimitBody | None = Field(
        description="What the site is allocated under: the lower of now and a drop starting "
        "within the look-ahead"
    )
    source: str | None = Field(description="The source of the tightest phase now")
    sources: list[str] | None = Field(description="The binding source per phase L1, L2, L3")
    upcomingAt: str | None
    nextChange: str | None = Field(description="When the answer may change next")
    signals: list[GridSignalBody] = Field(description="Limits in force or ahead (2 days)")
    prices: list[StepBody] = Field(description="Prices per kWh over the next 2 days")
    carbon: list[StepBody] = Field(description="gCO2/kWh over the next 2 days")

    @classmethod
    def of(cls, overview: GridOverview) -> GridView:
        state = overview.state
        limit = state.limit
        return cls(
            locationId=overview.location_id,
            at=iso_utc(state.at),
            limited=bool(limit and limit.limited),
            limitA=PhaseLimitBody.of(limit.amps) if limit else None,
            allocatorLimitA=PhaseLimitBody.of(limit.allocator_amps) if limit else None,
            source=binding_source(limit) if limit else None,
            sources=list(limit.sources) if limit else None,
            upcomingAt=iso_utc(limit.upcoming_at) if limit and limit.upcoming_at else None,
            nextChange=iso_utc(state.next_change) if state.next_change else None,
            signals=[GridSignalBody.of(s) for s in overview.upcoming],
            prices=[StepBody.of(s) for s in overview.prices if math.isfinite(s.value)],
            carbon=[StepBody.of(s) for s in overview.carbon if math.isfinite(s.value)],
        )
