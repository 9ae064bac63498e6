"""A 2.0.1 station's other notifications: monitoring and customer information reports (N02,
N09), display messages (O04), external charging limits (K11, K12), an EV's charging needs and
schedule (K15, K17, ISO 15118), charging profile reports (K09) and firmware publishing (L03).
Stored in the ChargerEvents table under one kind each (docs/adr/0036-station-events.md,
"Notifications").

Idempotency contract: every item's key is made of what the station reported, so a resend (new
message id, same content) writes the same keys with an unconditional Put and overwrites:

- report parts (monitoring, customer): `<requestId>#<seqNo>`, one item per part;
- display messages: `<requestId>#<message id>`, one item per message;
- charging profile reports: `<requestId>#<evseId>#<profile id>`, one item per profile;
- EV charging schedules: `<timeBase>#<evseId>`;
- firmware publishing: `<requestId>#<status>`;
- state, read back as a whole: the external limit per (EVSE, source) `<evseId>#<source>`
  (a clear overwrites it with `cleared`), the EV's charging needs per EVSE `<evseId>`: the
  latest message wins. A station sends one CALL at a time and waits for its answer, so the
  order of receipt is the order of sending.

The domain events carry state (the limit in force, the EV's needs), not alerts: they name
their receipt time, so a resend publishes the same state again under a new event id, and a
consumer applies the latest. (Without it, a limit set, cleared and set again with the same
values would repeat the first event's id and be dropped as a repeat: these messages carry no
timestamp or id of their own.) Nothing is answered before the items are stored: a failed write
raises, the station gets an error and resends.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.models.charger_event import ChargerEvent, ChargerEventKind
from shared.models.domain_events import (
    CHARGING_LIMIT_CHANGED,
    EV_CHARGING_NEEDS_RECEIVED,
    EV_CHARGING_SCHEDULE_RECEIVED,
    FIRMWARE_PUBLISH_STATUS_CHANGED,
    DomainEvent,
)
from shared.ocpp.fields import as_list, as_object, optional_id, text
from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion
from shared.ports import ChargerEventLog, EventPublisher, publish_safely
from shared.timeutil import iso_utc, parse_timestamp, to_epoch_ms

Payload = dict[str, Any]
NeedsAnswer = Literal["Accepted", "Rejected", "Processing"]

_ID_DIGITS = 10
_DAY_S = 86_400
# The whole station (a limit or report without an EVSE).
STATION_EVSE = 0


def plain(value: Any) -> Any:
    """`value` as JSON can carry it back: a non-finite number (Python's json reads NaN and
    Infinity) becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def packed(value: Any) -> str:
    """Nested content as reported, kept as JSON text: DynamoDB holds neither floats (schedule
    limits, EV parameters) nor numbers of any size; the text holds both. Not ASCII-escaped, so
    the text is no longer than the message (at most 128 KB, well inside an item's 400 KB);
    the framing has replaced lone surrogates already."""
    return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":"))


def unpacked(detail: Payload, name: str = "content") -> Any:
    raw = detail.get(name)
    return json.loads(raw) if isinstance(raw, str) else None


def _digits(value: int | None) -> str:
    return str(value).zfill(_ID_DIGITS) if value is not None else "-"


def needs_rejected(charge_point_id: str, evse_id: int, needs: Payload) -> NeedsAnswer:
    """The answer to NotifyEVChargingNeeds where no site schedules sessions (no grid signal
    store: shared/load_management/needs_answers.py answers where one does, docs/adr/0054).

    K15: Accepted promises a charging profile (SetChargingProfile) for the EV; Processing says
    one is being computed and the station keeps the EV waiting (ISO 15118 EVSEProcessing
    Ongoing) until it arrives or times out. Without a site that schedules, neither is true, so
    the platform answers Rejected: the station gives the EV its own schedule at once (its
    local limits, K16's renegotiation stays possible), and the needs are still stored and
    published.
    """
    return "Rejected"


@dataclass
class StationNotifications:
    log: ChargerEventLog
    publisher: EventPublisher
    retention_days: int
    needs_answer: Callable[[str, int, Payload], NeedsAnswer] = field(default=needs_rejected)

    def register(self, router: Router) -> None:
        for action, handler in (
            ("NotifyMonitoringReport", self.monitoring_report),
            ("NotifyCustomerInformation", self.customer_information),
            ("NotifyDisplayMessages", self.display_messages),
            ("NotifyChargingLimit", self.charging_limit),
            ("ClearedChargingLimit", self.cleared_charging_limit),
            ("NotifyEVChargingNeeds", self.ev_charging_needs),
            ("NotifyEVChargingSchedule", self.ev_charging_schedule),
            ("ReportChargingProfiles", self.charging_profiles),
            ("PublishFirmwareStatusNotification", self.firmware_publish_status),
        ):
            router.route(OcppVersion.V201, action, handler)

    def _event(
        self,
        ctx: MessageContext,
        kind: ChargerEventKind,
        key: str,
        detail: Payload,
        timestamp: str | None = None,
    ) -> ChargerEvent:
        received_at = iso_utc(ctx.received_at)
        return ChargerEvent(
            charge_point_id=ctx.charge_point_id,
            kind=kind,
            event_key=key,
            timestamp=timestamp or received_at,
            received_at=received_at,
            detail={k: v for k, v in detail.items() if v is not None},
            expires_at=to_epoch_ms(ctx.received_at) // 1000 + self.retention_days * _DAY_S,
        )

    def _generated_at(self, ctx: MessageContext, payload: Payload) -> str:
        parsed = parse_timestamp(payload.get("generatedAt"))
        return iso_utc(parsed if parsed else ctx.received_at)

    # N02 NotifyMonitoringReport and N09 NotifyCustomerInformation: parts of a report the
    # CSMS asked for (GetMonitoringReport, CustomerInformation), stored part by part.

    def _report_part(
        self, ctx: MessageContext, payload: Payload, kind: ChargerEventKind, content: Any
    ) -> None:
        request_id, seq_no = (
            optional_id(payload.get("requestId")),
            optional_id(payload.get("seqNo")),
        )
        generated_at = self._generated_at(ctx, payload)
        detail = {
            "requestId": request_id,
            "seqNo": seq_no,
            "tbc": payload.get("tbc") is True,
            "generatedAt": generated_at,
            "content": packed(content),
        }
        key = f"{_digits(request_id)}#{_digits(seq_no)}"
        self.log.record([self._event(ctx, kind, key, detail, generated_at)])

    def monitoring_report(self, ctx: MessageContext, payload: Payload) -> Payload:
        monitors = as_list(payload.get("monitor"))
        self._report_part(ctx, payload, "monitoring", {"monitor": monitors})
        return {}

    def customer_information(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._report_part(ctx, payload, "customer", {"data": text(payload, "data")})
        return {}

    # O04 NotifyDisplayMessages: the messages a station shows (GetDisplayMessages' report).

    def display_messages(self, ctx: MessageContext, payload: Payload) -> Payload:
        request_id = optional_id(payload.get("requestId"))
        tbc = payload.get("tbc") is True
        # Two messages with one id in one report: the last wins (one item per key).
        by_key = {
            f"{_digits(request_id)}#{_digits(optional_id(info.get('id')))}": self._event(
                ctx,
                "display",
                f"{_digits(request_id)}#{_digits(optional_id(info.get('id')))}",
                {
                    "requestId": request_id,
                    "messageId": optional_id(info.get("id")),
                    "tbc": tbc,
                    "content": packed(info),
                },
            )
            for info in map(as_object, as_list(payload.get("messageInfo")))
        }
        if by_key:
            self.log.record(list(by_key.values()))
        return {}

    # K11 NotifyChargingLimit and K12 ClearedChargingLimit: the external limit in force per
    # (EVSE, source), the latest message wins; a clear is kept as such.

    def charging_limit(self, ctx: MessageContext, payload: Payload) -> Payload:
        limit = as_object(payload.get("chargingLimit"))
        grid_critical = limit.get("isGridCritical")
        schedules = payload.get("chargingSchedule")
        self._limit(
            ctx,
            evse_id=_evse(payload),
            source=text(limit, "chargingLimitSource"),
            grid_critical=grid_critical if isinstance(grid_critical, bool) else None,
            schedules=plain(as_list(schedules)) if schedules is not None else None,
        )
        return {}

    def cleared_charging_limit(self, ctx: MessageContext, payload: Payload) -> Payload:
        # No evseId: the station-wide limit of that source (as NotifyChargingLimit without one).
        source = text(payload, "chargingLimitSource")
        self._limit(ctx, _evse(payload), source, None, None, cleared=True)
        return {}

    def _limit(
        self,
        ctx: MessageContext,
        evse_id: int,
        source: str,
        grid_critical: bool | None,
        schedules: list[Any] | None,
        cleared: bool = False,
    ) -> None:
        received_at = iso_utc(ctx.received_at)
        detail = {
            "evseId": evse_id,
            "chargingLimitSource": source,
            "isGridCritical": grid_critical,
            "cleared": cleared,
            "content": packed(schedules) if schedules is not None else None,
        }
        self.log.record(
            [self._event(ctx, "charging-limit", f"{_digits(evse_id)}#{source}", detail)]
        )
        event = {
            "evseId": evse_id,
            "chargingLimitSource": source,
            "isGridCritical": grid_critical,
            "cleared": cleared,
            "chargingSchedule": schedules,
            "receivedAt": received_at,
        }
        publish_safely(
            self.publisher,
            DomainEvent(CHARGING_LIMIT_CHANGED, ctx.charge_point_id, ctx.received_at, event),
        )

    # K15 NotifyEVChargingNeeds and K17 NotifyEVChargingSchedule (ISO 15118).

    def ev_charging_needs(self, ctx: MessageContext, payload: Payload) -> Payload:
        evse_id = _evse(payload)
        needs = plain(as_object(payload.get("chargingNeeds")))
        departure = parse_timestamp(needs.get("departureTime"))
        answer: NeedsAnswer = (
            # Needs are an EVSE's: evseId 0 (the station) names no EV.
            self.needs_answer(ctx.charge_point_id, evse_id, needs) if evse_id else "Rejected"
        )
        received_at = iso_utc(ctx.received_at)
        detail = {
            "evseId": evse_id,
            "requestedEnergyTransfer": text(needs, "requestedEnergyTransfer"),
            "departureTime": iso_utc(departure) if departure else None,
            "maxScheduleTuples": optional_id(payload.get("maxScheduleTuples")),
            "answer": answer,
            "content": packed(needs),
        }
        self.log.record([self._event(ctx, "ev-needs", _digits(evse_id), detail)])
        event = {
            **{k: detail[k] for k in ("evseId", "requestedEnergyTransfer", "departureTime")},
            "maxScheduleTuples": detail["maxScheduleTuples"],
            "chargingNeeds": needs,
            "answer": answer,
            "receivedAt": received_at,
        }
        publish_safely(
            self.publisher,
            DomainEvent(EV_CHARGING_NEEDS_RECEIVED, ctx.charge_point_id, ctx.received_at, event),
        )
        return {"status": answer}

    def ev_charging_schedule(self, ctx: MessageContext, payload: Payload) -> Payload:
        evse_id = _evse(payload)
        parsed = parse_timestamp(payload.get("timeBase"))
        time_base = iso_utc(parsed if parsed else ctx.received_at)
        schedule = plain(as_object(payload.get("chargingSchedule")))
        detail = {"evseId": evse_id, "timeBase": time_base, "content": packed(schedule)}
        key = f"{time_base}#{_digits(evse_id)}"
        self.log.record([self._event(ctx, "ev-schedule", key, detail, time_base)])
        event = {
            "evseId": evse_id,
            "timeBase": time_base,
            "chargingSchedule": schedule,
            "receivedAt": iso_utc(ctx.received_at),
        }
        publish_safely(
            self.publisher,
            DomainEvent(EV_CHARGING_SCHEDULE_RECEIVED, ctx.charge_point_id, ctx.received_at, event),
        )
        # K17: the CSMS takes note; whether the schedule fits its limits is the smart-charging
        # work's to check (it then sends a new profile).
        return {"status": "Accepted"}

    # K09 ReportChargingProfiles: the profiles a station holds (GetChargingProfiles' report).

    def charging_profiles(self, ctx: MessageContext, payload: Payload) -> Payload:
        request_id = optional_id(payload.get("requestId"))
        evse_id = _evse(payload)
        source = text(payload, "chargingLimitSource")
        tbc = payload.get("tbc") is True
        by_key: dict[str, ChargerEvent] = {}
        for profile in map(as_object, as_list(payload.get("chargingProfile"))):
            profile_id = optional_id(profile.get("id"))
            key = f"{_digits(request_id)}#{_digits(evse_id)}#{_digits(profile_id)}"
            detail = {
                "requestId": request_id,
                "evseId": evse_id,
                "chargingLimitSource": source,
                "profileId": profile_id,
                "tbc": tbc,
                "content": packed(profile),
            }
            by_key[key] = self._event(ctx, "charging-profiles", key, detail)
        if by_key:
            self.log.record(list(by_key.values()))
        return {}

    # L03 PublishFirmwareStatusNotification: a local controller publishing firmware.

    def firmware_publish_status(self, ctx: MessageContext, payload: Payload) -> Payload:
        status = text(payload, "status")
        request_id = optional_id(payload.get("requestId"))
        locations = [text({"l": loc}, "l") for loc in as_list(payload.get("location"))]
        detail = {
            "status": status,
            "requestId": request_id,
            "content": packed({"location": locations}),
        }
        key = f"{_digits(request_id)}#{status}"
        self.log.record([self._event(ctx, "firmware-publish", key, detail)])
        event = {
            "status": status,
            "requestId": request_id,
            "locations": locations,
            "receivedAt": iso_utc(ctx.received_at),
        }
        publish_safely(
            self.publisher,
            DomainEvent(
                FIRMWARE_PUBLISH_STATUS_CHANGED, ctx.charge_point_id, ctx.received_at, event
            ),
        )
        return {}


def _evse(payload: Payload) -> int:
    """The message's EVSE; absent (or unusable from a lenient station): the whole station.
    An EVSE the platform does not know is kept as reported: the station knows its EVSEs."""
    evse_id = optional_id(payload.get("evseId"))
    return STATION_EVSE if evse_id is None else evse_id
