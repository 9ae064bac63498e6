"""Local authorization lists (SendLocalList / GetLocalListVersion), built from the id-tag store.

A Full update sends every id tag the platform knows (up to MAX_LOCAL_LIST entries);
a Differential update sends the given tags with their current status — a tag that no longer
exists is sent without status, which removes it from the charger's list. The charger's list
version is the platform's counter + 1 and is stored when the charger accepts the update (and
refreshed by GetLocalListVersion answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from shared.commands.engine import CommandEngine, CommandError
from shared.commands.reservations import DEFAULT_TOKEN_TYPE, token_type
from shared.models.command import CommandRecord
from shared.models.transaction import IdTagInfo, IdTagRecord
from shared.ocpp.versions import OcppVersion
from shared.ports import ChargerRepository, IdTagRepository
from shared.transactions.authorization import Authorizer, id_tag_info_v16, id_token_info_v201

MAX_LOCAL_LIST = 10_000
UpdateType = Literal["Full", "Differential"]


@dataclass
class LocalListService:
    chargers: ChargerRepository
    id_tags: IdTagRepository
    engine: CommandEngine

    def _all_tags(self) -> list[IdTagRecord]:
        records: list[IdTagRecord] = []
        cursor: str | None = None
        while True:
            page = self.id_tags.list_page(1000, cursor)
            records += page.items
            cursor = page.next_cursor
            if len(records) > MAX_LOCAL_LIST:
                raise CommandError(
                    400,
                    "LocalListTooLarge",
                    f"more than {MAX_LOCAL_LIST} id tags: send differential updates instead",
                )
            if cursor is None:
                return records

    def send(
        self,
        charge_point_id: str,
        update_type: UpdateType,
        now: datetime,
        id_tags: list[str] | None = None,
        requested_by: str | None = None,
    ) -> CommandRecord:
        charger = self.chargers.get(charge_point_id)
        if charger is None:
            raise CommandError(404, "NotFound", f"charger {charge_point_id!r} is not registered")
        if update_type == "Differential" and not id_tags:
            raise CommandError(400, "InvalidCommand", "a differential update names its id tags")
        version = OcppVersion(charger.protocol or OcppVersion.V16.value)
        if update_type == "Full":
            records = self._all_tags()
            tags = [record.id_tag for record in records]
            # 2.0.1 entries carry the idToken type stored with the tag (ISO14443 if none is).
            types = {record.id_tag: record.token_type or DEFAULT_TOKEN_TYPE for record in records}
        else:
            tags = list(dict.fromkeys(id_tags or []))
            types = (
                {tag: token_type(self.id_tags, tag) for tag in tags}
                if version is OcppVersion.V201
                else {}
            )
        list_version = (charger.local_list_version or 0) + 1
        authorizer = Authorizer(self.id_tags)
        entries = [
            _entry(version, tag, types.get(tag), authorizer.id_tag_info(tag, now)) for tag in tags
        ]
        if version is OcppVersion.V16:
            payload: dict[str, Any] = {"listVersion": list_version, "updateType": update_type}
        else:
            payload = {"versionNumber": list_version, "updateType": update_type}
        if entries:
            payload["localAuthorizationList"] = entries
        return self.engine.send(
            charge_point_id, "SendLocalList", payload, requested_by=requested_by
        )

    def list_sent(self, command: CommandRecord) -> None:
        """Follow-up of a finished SendLocalList (wired in shared.bootstrap)."""
        if command.status == "answered" and (command.result or {}).get("status") == "Accepted":
            version = command.payload.get("listVersion", command.payload.get("versionNumber", 0))
            self.chargers.set_local_list_version(command.charge_point_id, int(version))

    def version_read(self, command: CommandRecord) -> None:
        """Follow-up of a finished GetLocalListVersion (wired in shared.bootstrap)."""
        if command.status == "answered" and command.result:
            version = command.result.get("listVersion", command.result.get("versionNumber"))
            if isinstance(version, int) and version >= 0:
                self.chargers.set_local_list_version(command.charge_point_id, version)


def _entry(version: OcppVersion, tag: str, kind: str | None, info: IdTagInfo) -> dict[str, Any]:
    """One local list entry; a tag the platform does not know goes without its info (removed)."""
    if version is OcppVersion.V16:
        entry: dict[str, Any] = {"idTag": tag}
        if info.known:
            entry["idTagInfo"] = id_tag_info_v16(info)
        return entry
    entry = {"idToken": {"idToken": tag, "type": kind or DEFAULT_TOKEN_TYPE}}
    if info.known:
        entry["idTokenInfo"] = id_token_info_v201(info)
    return entry
