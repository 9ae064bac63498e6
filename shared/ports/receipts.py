"""The Receipts table: one receipt per settled session."""

from __future__ import annotations

from typing import Protocol

from shared.models.receipt import Receipt


class ReceiptStore(Protocol):
    def create(self, receipt: Receipt) -> bool:
        """Store the session's receipt; False (nothing written) if it has one: a session is
        settled once, however often its settlement runs."""
        ...

    def get(self, charge_point_id: str, transaction_id: str) -> Receipt | None: ...
