"""Applying a cost profile (shared/station/cost_profiles.py) to a group of chargers.

Per charger, the settings go out through the command engine in the charger's version: OCPP
2.0.1 gets one SetVariables with every variable; OCPP 1.6 one ChangeConfiguration per key
(it takes one key), one after the other since a charger has one command in flight at a time:
the first is sent at once, each next one by the engine's follow-up when the charger answered
the previous. A key the charger rejects does not stop the sequence (the others may still
apply); a CALLERROR, a timeout or a lost connection does. The charger record names the profile
once the charger accepted every setting (Accepted or RebootRequired).

A charger that cannot take the first command is reported, not queued, as everywhere else in
the engine (docs/adr/0009-commands.md): unknown (NotFound), offline (ChargerOffline: commands
go only to connected chargers; apply again when it is back), busy (CommandInFlight).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.commands.engine import CommandEngine, CommandError
from shared.models.command import CommandRecord
from shared.ocpp.versions import OcppVersion
from shared.ports import ChargerFilter, ChargerRepository
from shared.station.cost_profiles import COST_PROFILES, CostProfile, parse_step_id, step_id
from shared.timeutil import from_epoch_ms, iso_utc

logger = logging.getLogger("csms.commands.cost_profiles")

# One request sends at most this many first commands (and reads as many charger records):
# well inside API Gateway's 29 s, and a bound on what one mistake can reconfigure.
MAX_GROUP = 500
ACCEPTED = frozenset({"Accepted", "RebootRequired"})


@dataclass(frozen=True)
class PlannedCommand:
    command_id: str
    action: str
    payload: dict[str, Any]
    # False: sent when the charger has answered the command before it.
    sent: bool


@dataclass(frozen=True)
class ChargerOutcome:
    charge_point_id: str
    protocol: str | None = None
    commands: tuple[PlannedCommand, ...] = ()
    # (code, message) when the charger got nothing.
    refusal: tuple[str, str] | None = None


@dataclass
class CostProfileService:
    chargers: ChargerRepository
    engine: CommandEngine

    @staticmethod
    def profile(name: str) -> CostProfile:
        profile = COST_PROFILES.get(name)
        if profile is None:
            raise CommandError(
                404,
                "NotFound",
                f"cost profile {name!r} not found",
                {"profiles": sorted(COST_PROFILES)},
            )
        return profile

    def select(self, where: ChargerFilter) -> list[str]:
        """The chargers a listing filter names (at most MAX_GROUP of them)."""
        ids: list[str] = []
        cursor: str | None = None
        while True:
            page = self.chargers.list_page(100, cursor, where)
            ids += [record.charge_point_id for record in page.items]
            if len(ids) > MAX_GROUP:
                raise CommandError(
                    422,
                    "GroupTooLarge",
                    f"the selector names more than {MAX_GROUP} chargers: narrow it or send "
                    "explicit lists",
                )
            cursor = page.next_cursor
            if cursor is None:
                return ids

    def apply(
        self, name: str, charge_point_ids: Sequence[str], requested_by: str | None = None
    ) -> list[ChargerOutcome]:
        profile = self.profile(name)
        ids = list(dict.fromkeys(charge_point_ids))
        if not ids:
            raise CommandError(422, "EmptyGroup", "the group names no charger")
        if len(ids) > MAX_GROUP:
            raise CommandError(
                422,
                "GroupTooLarge",
                f"{len(ids)} chargers: apply a profile to at most {MAX_GROUP} at a time",
            )
        return [self._apply_one(profile, cp, requested_by) for cp in ids]

    @staticmethod
    def plan(profile: CostProfile, version: OcppVersion, token: str) -> list[PlannedCommand]:
        if version is OcppVersion.V201:
            return [
                PlannedCommand(
                    step_id(profile.name, 0, token),
                    "SetVariables",
                    profile.set_variables_payload(),
                    sent=False,
                )
            ]
        return [
            PlannedCommand(
                step_id(profile.name, step, token),
                "ChangeConfiguration",
                {"key": key, "value": value},
                sent=False,
            )
            for step, (key, value) in enumerate(profile.configuration_v16())
        ]

    def _apply_one(
        self, profile: CostProfile, charge_point_id: str, requested_by: str | None
    ) -> ChargerOutcome:
        charger = self.chargers.get(charge_point_id)
        if charger is None:
            return ChargerOutcome(
                charge_point_id,
                refusal=("NotFound", f"charger {charge_point_id!r} is not registered"),
            )
        if charger.protocol is None or charger.connection_id is None:
            return ChargerOutcome(
                charge_point_id,
                charger.protocol,
                refusal=("ChargerOffline", f"charger {charge_point_id!r} is offline"),
            )
        version = OcppVersion(charger.protocol)
        plan = self.plan(profile, version, secrets.token_hex(8))
        first = plan[0]
        try:
            # (The actions are spelled out so that docs/actions.md finds this sender.)
            if version is OcppVersion.V201:
                self.engine.send(
                    charge_point_id,
                    "SetVariables",
                    first.payload,
                    requested_by=requested_by,
                    message_id=first.command_id,
                )
            else:
                self.engine.send(
                    charge_point_id,
                    "ChangeConfiguration",
                    first.payload,
                    requested_by=requested_by,
                    message_id=first.command_id,
                )
        except CommandError as exc:
            return ChargerOutcome(
                charge_point_id, charger.protocol, refusal=(exc.code, exc.message)
            )
        plan[0] = PlannedCommand(first.command_id, first.action, first.payload, sent=True)
        return ChargerOutcome(charge_point_id, charger.protocol, tuple(plan))

    # Follow-ups (wired in shared.bootstrap with `engine.then`: the slot is free by then).

    def step_finished(self, command: CommandRecord) -> None:
        """A ChangeConfiguration or SetVariables finished: send the next key, or record the
        profile on the charger when it accepted them all."""
        parsed = parse_step_id(command.message_id)
        if parsed is None or command.status != "answered":
            return
        profile, step, token = parsed
        cp = command.charge_point_id
        if command.action == "SetVariables":
            results = (command.result or {}).get("setVariableResult") or []
            if len(results) == len(profile.variables_v201()) and all(
                r.get("attributeStatus") in ACCEPTED for r in results
            ):
                self._record(cp, profile)
            return
        settings = profile.configuration_v16()
        if step + 1 < len(settings):
            key, value = settings[step + 1]
            try:
                self.engine.send(
                    cp,
                    "ChangeConfiguration",
                    {"key": key, "value": value},
                    requested_by=command.requested_by,
                    message_id=step_id(profile.name, step + 1, token),
                )
            except CommandError as exc:
                logger.warning(
                    "cost profile stopped: the next key could not be sent",
                    extra={"chargePointId": cp, "profile": profile.name, "code": exc.code},
                )
            return
        answers = [command] + [
            self.engine.get(cp, step_id(profile.name, i, token)) for i in range(step)
        ]
        if all(
            a is not None and a.status == "answered" and (a.result or {}).get("status") in ACCEPTED
            for a in answers
        ):
            self._record(cp, profile)

    def _record(self, charge_point_id: str, profile: CostProfile) -> None:
        at = iso_utc(from_epoch_ms(self.engine.clock_ms()))
        self.chargers.record_cost_profile(charge_point_id, profile.name, at)
