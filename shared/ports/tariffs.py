"""The port of tariffs: versions, only ever added."""

from __future__ import annotations

from typing import Protocol

from shared.models.tariff import Tariff
from shared.ports.paging import Page


class TariffRepository(Protocol):
    def add_version(self, tariff: Tariff) -> bool:
        """Store a new version; False (nothing written) if that version exists."""
        ...

    def versions(self, tariff_id: str) -> list[Tariff]:
        """Every version of a tariff, oldest first (empty for an unknown tariff)."""
        ...

    def list_page(self, limit: int, cursor: str | None) -> Page[Tariff]:
        """Tariff versions by tariff id and version; raises InvalidCursor for another
        listing's cursor."""
        ...
