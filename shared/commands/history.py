"""A charger's command history for the operator console: its commands newest first, each as
`GET .../commands/{id}` shows it, filtered by action and status.

The store filters by action in its index read; the status is filtered here, on the commands
as shown: a pending command past its deadline is shown (and stored, as by the single GET)
as `timeout`, so a "pending" filter never lists a command the console would then see time out.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.commands.engine import CommandEngine, CommandError
from shared.models.command import CommandRecord
from shared.ports import ChargerRepository, CommandStore, Page

# Store pages read per request at most when the status filter leaves a page short.
MAX_READS_PER_PAGE = 4


@dataclass
class CommandHistory:
    chargers: ChargerRepository
    commands: CommandStore
    engine: CommandEngine
    max_reads: int = MAX_READS_PER_PAGE

    def page(
        self,
        charge_point_id: str,
        limit: int,
        cursor: str | None,
        action: str | None = None,
        status: str | None = None,
    ) -> Page[CommandRecord]:
        """Up to `limit` commands, newest first, and the cursor of the next page. A page may
        be short (even empty) with a cursor when filters leave commands out; the cursor
        continues right after the last command read, so none is skipped. Reads: at most
        `max_reads` store pages (one index Query and one BatchGetItem each)."""
        if self.chargers.get(charge_point_id) is None:
            raise CommandError(404, "NotFound", f"charger {charge_point_id!r} is not registered")
        found: list[CommandRecord] = []
        for _ in range(self.max_reads):
            page = self.commands.by_charger(charge_point_id, limit - len(found), cursor, action)
            cursor = page.next_cursor
            for record in page.items:
                shown = self._as_shown(record)
                if status is None or shown.status == status:
                    found.append(shown)
            if cursor is None or len(found) >= limit:
                break
        return Page(found, cursor)

    def _as_shown(self, record: CommandRecord) -> CommandRecord:
        if record.done or self.engine.clock_ms() <= record.deadline_ms:
            return record
        # Past its deadline without an answer: the engine settles it exactly as a GET does.
        return self.engine.get(record.charge_point_id, record.message_id) or record
