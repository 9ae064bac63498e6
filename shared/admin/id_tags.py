"""Id tag administration (RFID cards, app tokens)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.admin.errors import Conflict, InvalidRequest, NotFound
from shared.models.transaction import IdTagRecord
from shared.ports import IdTagRepository, Page


@dataclass
class IdTagAdmin:
    id_tags: IdTagRepository

    @staticmethod
    def _check(record: IdTagRecord) -> None:
        if record.parent_id_tag is not None and record.parent_id_tag == record.id_tag:
            message = "an id tag cannot be its own parent"
            raise InvalidRequest(message, [{"field": "parentIdTag", "message": message}])

    def create(self, record: IdTagRecord) -> IdTagRecord:
        self._check(record)
        if not self.id_tags.create(record):
            raise Conflict(f"id tag {record.id_tag!r} exists")
        return record

    def put(self, record: IdTagRecord) -> IdTagRecord:
        self._check(record)
        self.id_tags.put(record)
        return record

    def get(self, id_tag: str) -> IdTagRecord:
        record = self.id_tags.get(id_tag)
        if record is None:
            raise NotFound(f"id tag {id_tag!r} not found")
        return record

    def delete(self, id_tag: str) -> None:
        if not self.id_tags.delete(id_tag):
            raise NotFound(f"id tag {id_tag!r} not found")

    def page(self, limit: int, cursor: str | None) -> Page[IdTagRecord]:
        return self.id_tags.list_page(limit, cursor)
