"""Id tags and charging sessions (transactions), shared by OCPP 1.6 and 2.0.1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

IdTagStatus = Literal["Accepted", "Blocked", "Expired", "Invalid"]
ID_TAG_STATUSES: tuple[IdTagStatus, ...] = ("Accepted", "Blocked", "Expired", "Invalid")

# active: started, not stopped. completed: stopped by the charger. replaced: a newer start on
# the same connector arrived while this one was still active (its stop may still come and
# complete it). orphan: a stop for a transaction we never saw start.
TransactionStatus = Literal["active", "completed", "replaced", "orphan"]

# Flags on a session whose meter readings cannot give a trustworthy energy figure.
ANOMALY_METER_DECREASED = "MeterDecreased"  # meter reset or roll-over between start and stop
ANOMALY_NO_METER_START = "NoMeterStart"  # 2.0.1 session ended without a start reading
# A meterStart/meterStop that is no usable register reading (not an integer, negative, or
# beyond shared.ocpp.fields.MAX_METER_WH): the session is kept, its energy is not computed.
ANOMALY_METER_UNUSABLE = "MeterValueUnusable"


@dataclass(frozen=True)
class IdTagRecord:
    id_tag: str
    status: IdTagStatus = "Accepted"
    expiry_date: str | None = None  # RFC 3339 UTC
    parent_id_tag: str | None = None
    owner_id: str | None = None
    token_type: str | None = None  # 2.0.1 IdTokenEnumType, e.g. ISO14443


@dataclass(frozen=True)
class IdTagInfo:
    """The answer about an id tag, in 1.6 terms (2.0.1 maps it to idTokenInfo)."""

    status: IdTagStatus
    expiry_date: str | None = None
    parent_id_tag: str | None = None
    known: bool = True
    # The driver who owns the tag (their card or app token): whose session it starts.
    owner_id: str | None = None


@dataclass
class TransactionRecord:
    charge_point_id: str
    transaction_id: str
    status: TransactionStatus
    protocol: str | None = None
    connector_id: int | None = None
    evse_id: int | None = None
    id_tag: str | None = None
    meter_start_wh: int | None = None
    started_at: str | None = None
    started_at_ms: int | None = None
    reservation_id: int | None = None
    fingerprint: str | None = None
    authorization_status: str | None = None
    meter_stop_wh: int | None = None
    stopped_at: str | None = None
    stopped_at_ms: int | None = None
    stop_reason: str | None = None
    stop_id_tag: str | None = None
    energy_wh: int | None = None
    duration_s: int | None = None
    anomaly: str | None = None
    replaced_by: str | None = None
    last_meter_wh: int | None = None
    last_meter_at: str | None = None
    received_at: str | None = None
    remote_start_id: int | None = None
    # The tariff version the session is priced with, when it is a driver's session on a
    # priced connector (written with the start; docs/adr/0044-cost-on-the-station.md).
    tariff_id: str | None = None
    tariff_version: int | None = None
    # When the station was last sent the running cost (CostUpdated), by the reading's clock.
    cost_updated_at_ms: int | None = None
    # Detail types of events stored with the session but not yet published (the outbox
    # marker: set in the write that makes the change, cleared once the event is published).
    unpublished: frozenset[str] = frozenset()

    @property
    def stopped(self) -> bool:
        return self.meter_stop_wh is not None or self.stopped_at is not None


# Fields a session's start writes (never changed afterwards) and those its stop writes.
START_FIELDS: tuple[str, ...] = (
    "protocol",
    "connector_id",
    "evse_id",
    "id_tag",
    "meter_start_wh",
    "started_at",
    "started_at_ms",
    "reservation_id",
    "fingerprint",
    "authorization_status",
    "remote_start_id",
    "received_at",
    "tariff_id",
    "tariff_version",
)
STOP_FIELDS: tuple[str, ...] = (
    "status",
    "meter_stop_wh",
    "stopped_at",
    "stopped_at_ms",
    "stop_reason",
    "stop_id_tag",
    "energy_wh",
    "duration_s",
    "anomaly",
)
