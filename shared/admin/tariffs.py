"""Tariff administration: versions are published, never changed (docs/adr/0020)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shared.admin.errors import Conflict, InvalidRequest, NotFound
from shared.models.tariff import Tariff, TariffError
from shared.ports import Page, TariffRepository
from shared.pricing.sessions import SessionPrice, UsageError, UsagePeriod, price_session

# A new version takes effect now or later: sessions already priced keep their price. The
# slack absorbs the operator's clock.
PAST_SLACK = timedelta(minutes=5)


@dataclass
class TariffAdmin:
    tariffs: TariffRepository
    now: Callable[[], datetime]

    def publish(self, tariff: Tariff, expected_version: int | None = None) -> Tariff:
        """Store `tariff` as the next version of its id. `expected_version`, when given, must
        be that next version (two operators publishing at once: the second gets a Conflict)."""
        versions = self.tariffs.versions(tariff.tariff_id)
        latest = versions[-1] if versions else None
        version = latest.version + 1 if latest else 1
        if expected_version is not None and expected_version != version:
            raise Conflict(
                f"tariff {tariff.tariff_id!r} is at version {version - 1}: "
                f"version {expected_version} cannot be published"
            )
        if tariff.valid_from < self.now() - PAST_SLACK:
            raise InvalidRequest(
                "validFrom is in the past: a published price never changes sessions already "
                "started",
                [{"field": "validFrom", "message": "must be now or later"}],
            )
        if latest is not None and tariff.valid_from <= latest.valid_from:
            raise InvalidRequest(
                f"validFrom must be after version {latest.version}'s",
                [{"field": "validFrom", "message": "must be after the previous version's"}],
            )
        if latest is not None and tariff.currency != latest.currency:
            raise InvalidRequest(
                "a tariff keeps its currency: publish another tariff for another currency",
                [{"field": "currency", "message": f"must stay {latest.currency}"}],
            )
        published = replace(tariff, version=version)
        if not self.tariffs.add_version(published):
            raise Conflict(f"version {version} of tariff {tariff.tariff_id!r} was just published")
        return published

    def versions(self, tariff_id: str) -> list[Tariff]:
        versions = self.tariffs.versions(tariff_id)
        if not versions:
            raise NotFound(f"tariff {tariff_id!r} not found")
        return versions

    def version(self, tariff_id: str, version: int) -> Tariff:
        for tariff in self.versions(tariff_id):
            if tariff.version == version:
                return tariff
        raise NotFound(f"tariff {tariff_id!r} has no version {version}")

    def valid_at(self, tariff_id: str, at: datetime) -> Tariff:
        """The version a session started at `at` is priced with."""
        valid = [t for t in self.versions(tariff_id) if t.valid_from <= at]
        if not valid:
            raise NotFound(f"tariff {tariff_id!r} has no version valid at {at.isoformat()}")
        return valid[-1]

    def page(self, limit: int, cursor: str | None) -> Page[Tariff]:
        return self.tariffs.list_page(limit, cursor)

    def quote(self, tariff_id: str, periods: list[UsagePeriod]) -> SessionPrice:
        """Price usage with the version valid when it starts (now, for no usage)."""
        start = min((p.start for p in periods), default=self.now())
        try:
            return price_session(self.valid_at(tariff_id, start), periods)
        except (TariffError, UsageError) as exc:
            raise InvalidRequest(str(exc)) from None
