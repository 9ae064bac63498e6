"""Every setting the functions read, from environment variables, in one place.

Local mode and AWS differ only in endpoints and names; both set the same variables
(the CDK stack from `infra.catalog`, the local platform from `local.settings`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

UnknownChargerPolicy = Literal["accept", "pending", "reject"]
UNKNOWN_CHARGER_POLICIES: tuple[UnknownChargerPolicy, ...] = ("accept", "pending", "reject")
# The contract certificate pool of ISO 15118 M01/M02 (docs/adr/0042): none, or the local fake.
ContractPoolKind = Literal["none", "local"]
CONTRACT_POOL_KINDS: tuple[ContractPoolKind, ...] = ("none", "local")

# API Gateway closes a WebSocket after 10 minutes without traffic; the heartbeat interval we
# hand out must stay below that. The margin covers a charger's timer and a slow link's delay
# (seconds); a missed idle timeout costs a reconnect, about four heartbeats' worth, while each
# 30 s of margin costs ~5 % more heartbeats (docs/cost-model.md, "Heartbeat interval").
API_GATEWAY_IDLE_TIMEOUT_S = 600
API_GATEWAY_MAX_CONNECTION_S = 7200
HEARTBEAT_MARGIN_S = 30
# The longest heartbeat interval the platform hands out or sets on a charger, and its default.
MAX_HEARTBEAT_INTERVAL_S = API_GATEWAY_IDLE_TIMEOUT_S - HEARTBEAT_MARGIN_S
DEFAULT_HEARTBEAT_INTERVAL_S = MAX_HEARTBEAT_INTERVAL_S
DEFAULT_LIVE_ENERGY_WRITE_INTERVAL_S = 300
# How long a charger's reported events (NotifyEvent, security events) are kept (docs/adr/0036).
DEFAULT_CHARGER_EVENTS_RETENTION_DAYS = 90
# How long a station certificate signed by the platform's CA lasts (docs/adr/0041).
DEFAULT_CERTIFICATE_VALIDITY_DAYS = 365
DEFAULT_COST_UPDATE_INTERVAL_S = 300
DEFAULT_STRIPE_SECRET_NAME = "csms/stripe"  # noqa: S105 - a name, not a secret
# An OCSP request's time limit: the Authorize waiting for it has API Gateway's 29 s in total.
DEFAULT_OCSP_TIMEOUT_MS = 3000
# The admission key's secret is a JSON object with the key in this field (docs/adr/0027).
ADMISSION_KEY_FIELD = "key"


class ConfigError(ValueError):
    """A setting is missing or invalid."""


@dataclass(frozen=True)
class Settings:
    region: str
    chargers_table: str
    connections_table: str
    connectors_table: str
    id_tags_table: str
    transactions_table: str
    transaction_events_table: str
    energy_daily_table: str
    telemetry_stream_name: str
    commands_table: str
    reservations_table: str
    tariffs_table: str
    payments_table: str
    drivers_table: str
    start_requests_table: str
    receipts_table: str
    locations_table: str
    device_models_table: str
    charger_events_table: str
    event_bus_name: str
    event_source: str
    unknown_chargers: UnknownChargerPolicy
    heartbeat_interval_s: int
    boot_retry_interval_s: int
    ws_management_endpoint: str | None
    operator_dev_token: str | None
    # Secrets Manager name or ARN of the Stripe secret: {"apiKey", "webhookSecret"}.
    stripe_secret_name: str = DEFAULT_STRIPE_SECRET_NAME
    # Another Stripe API address (a local server: localstripe); None on AWS.
    stripe_api_base: str | None = None
    # The StartSession workflow, for functions that start it (FunctionDef.starts_state_machines).
    start_session_state_machine_arn: str | None = None
    # The FirmwareCampaign execution (operator_api starts and stops it; docs/adr/0045).
    firmware_campaign_state_machine_arn: str | None = None
    # Receipt e-mails (the stack setting receiptEmailSender): the SES identity they are sent
    # from, and the user pool that knows the drivers' addresses. Unset: no e-mails.
    receipt_email_sender: str | None = None
    user_pool_id: str | None = None
    # A MeterValuesReceived summary per session per consumer batch (docs/events.md): off
    # unless someone subscribes, since nothing in the platform consumes it.
    publish_meter_values: bool = False
    # Live session energy written at most once per session per this many seconds (0: every
    # consumer batch); the stop always writes the final energy.
    live_energy_write_interval_s: int = DEFAULT_LIVE_ENERGY_WRITE_INTERVAL_S
    # Secrets Manager name or ARN of the admission key (docs/adr/0027): set for the $connect
    # authorizer only. None: no fast admission check, every password is checked by scrypt.
    admission_key_secret: str | None = None
    # How long a charger's old password still opens a connection after a rotation
    # (shared/access/rotation.py; the first connect with the new one ends it sooner).
    password_grace_s: int = 24 * 3600
    # Days a charger's reported events are kept (the table's TTL).
    charger_events_retention_days: int = DEFAULT_CHARGER_EVENTS_RETENTION_DAYS
    # ISO 15118 certificates (docs/adr/0042). The OCSP responder every request goes to (None:
    # the request's own responderURL, if its host is one of `ocsp_responder_hosts`).
    ocsp_responder_url: str | None = None
    ocsp_responder_hosts: tuple[str, ...] = ()
    ocsp_timeout_ms: int = DEFAULT_OCSP_TIMEOUT_MS
    # PEM bundle of the V2G / Mobility Operator roots contract chains must end in.
    contract_root_certificates: str = ""
    contract_pool: ContractPoolKind = "none"
    # Stations' certificates (docs/adr/0041): the table; the CA's secret (the signer's only);
    # the organizationName every CSR must carry (None: any); validity; V2G signed or refused.
    certificates_table: str = "csms-certificates"
    # Firmware images, campaigns and diagnostics uploads (docs/adr/0045).
    firmware_table: str = "csms-firmware"
    # Sites' electrical models, EVSE live states and allocations (docs/adr/0047).
    site_loads_table: str = "csms-site-loads"
    # The site allocation queue (FIFO) and its wake-up queue (docs/adr/0051); empty where a
    # function neither sends to nor reads them.
    site_queue_url: str = ""
    site_wake_queue_url: str = ""
    # The stability filter's hold-off: a site limit goes up at most this often (ADR 0046).
    site_increase_hold_off_s: int = 600
    # The files bucket (images, uploads) and the public base of `/files/<token>` locations
    # (the HTTP API's URL; locally the gateway's), docs/adr/0045.
    files_bucket: str = "csms-files"
    files_base_url: str = ""
    # Where VTNs send a site's notifications: the HTTP API's URL (docs/adr/0052); empty: the
    # poller does not subscribe, polling is all there is.
    grid_webhook_base_url: str = ""
    ca_secret_name: str | None = None
    certificate_organization: str | None = None
    certificate_validity_days: int = DEFAULT_CERTIFICATE_VALIDITY_DAYS
    sign_v2g_certificates: bool = False
    # A priced 2.0.1 session's running cost (CostUpdated) at most once per this many seconds
    # of its readings; 0: never (docs/adr/0044-cost-on-the-station.md).
    cost_update_interval_s: int = DEFAULT_COST_UPDATE_INTERVAL_S

    @property
    def connection_ttl_s(self) -> int:
        """How long a connection record may live: API Gateway's hard limit plus slack."""
        return API_GATEWAY_MAX_CONNECTION_S + 600


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise ConfigError(f"environment variable {name} is not set")
    return value


def settings_from(env: Mapping[str, str]) -> Settings:
    policy = env.get("UNKNOWN_CHARGERS", "reject")
    if policy not in UNKNOWN_CHARGER_POLICIES:
        raise ConfigError(
            f"UNKNOWN_CHARGERS must be one of {', '.join(UNKNOWN_CHARGER_POLICIES)}, got {policy!r}"
        )
    return Settings(
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        chargers_table=_required(env, "CHARGERS_TABLE"),
        connections_table=_required(env, "CONNECTIONS_TABLE"),
        connectors_table=_required(env, "CONNECTORS_TABLE"),
        id_tags_table=_required(env, "ID_TAGS_TABLE"),
        transactions_table=_required(env, "TRANSACTIONS_TABLE"),
        transaction_events_table=_required(env, "TRANSACTION_EVENTS_TABLE"),
        energy_daily_table=_required(env, "ENERGY_DAILY_TABLE"),
        telemetry_stream_name=_required(env, "TELEMETRY_STREAM_NAME"),
        commands_table=_required(env, "COMMANDS_TABLE"),
        reservations_table=_required(env, "RESERVATIONS_TABLE"),
        tariffs_table=_required(env, "TARIFFS_TABLE"),
        payments_table=_required(env, "PAYMENTS_TABLE"),
        drivers_table=_required(env, "DRIVERS_TABLE"),
        start_requests_table=_required(env, "START_REQUESTS_TABLE"),
        receipts_table=_required(env, "RECEIPTS_TABLE"),
        locations_table=_required(env, "LOCATIONS_TABLE"),
        device_models_table=_required(env, "DEVICE_MODELS_TABLE"),
        charger_events_table=_required(env, "CHARGER_EVENTS_TABLE"),
        event_bus_name=_required(env, "EVENT_BUS_NAME"),
        event_source=env.get("EVENT_SOURCE", "csms.ocpp"),
        unknown_chargers=policy,  # checked above
        heartbeat_interval_s=_int(
            env,
            "HEARTBEAT_INTERVAL_S",
            DEFAULT_HEARTBEAT_INTERVAL_S,
            10,
            MAX_HEARTBEAT_INTERVAL_S,
        ),
        boot_retry_interval_s=_int(env, "BOOT_RETRY_INTERVAL_S", 60, 5, 3600),
        ws_management_endpoint=env.get("WS_MANAGEMENT_ENDPOINT") or None,
        operator_dev_token=env.get("OPERATOR_DEV_TOKEN") or None,
        stripe_secret_name=env.get("STRIPE_SECRET_NAME") or DEFAULT_STRIPE_SECRET_NAME,
        stripe_api_base=env.get("STRIPE_API_BASE") or None,
        start_session_state_machine_arn=env.get("START_SESSION_STATE_MACHINE_ARN") or None,
        firmware_campaign_state_machine_arn=(
            env.get("FIRMWARE_CAMPAIGN_STATE_MACHINE_ARN") or None
        ),
        receipt_email_sender=env.get("RECEIPT_EMAIL_SENDER") or None,
        publish_meter_values=_flag(env, "PUBLISH_METER_VALUES"),
        live_energy_write_interval_s=_int(
            env,
            "LIVE_ENERGY_WRITE_INTERVAL_S",
            DEFAULT_LIVE_ENERGY_WRITE_INTERVAL_S,
            0,
            3600,
        ),
        user_pool_id=env.get("USER_POOL_ID") or None,
        admission_key_secret=env.get("ADMISSION_KEY_SECRET") or None,
        password_grace_s=_int(env, "PASSWORD_GRACE_S", 24 * 3600, 0, 30 * 24 * 3600),
        charger_events_retention_days=_int(
            env,
            "CHARGER_EVENTS_RETENTION_DAYS",
            DEFAULT_CHARGER_EVENTS_RETENTION_DAYS,
            1,
            3650,
        ),
        ocsp_responder_url=env.get("OCSP_RESPONDER_URL") or None,
        ocsp_responder_hosts=tuple(
            h.strip().lower() for h in env.get("OCSP_RESPONDER_HOSTS", "").split(",") if h.strip()
        ),
        ocsp_timeout_ms=_int(env, "OCSP_TIMEOUT_MS", DEFAULT_OCSP_TIMEOUT_MS, 100, 10_000),
        contract_root_certificates=env.get("CONTRACT_ROOT_CERTIFICATES", ""),
        contract_pool=_contract_pool(env),
        certificates_table=_required(env, "CERTIFICATES_TABLE"),
        firmware_table=_required(env, "FIRMWARE_TABLE"),
        site_loads_table=_required(env, "SITE_LOADS_TABLE"),
        site_queue_url=env.get("SITE_QUEUE_URL", ""),
        site_wake_queue_url=env.get("SITE_WAKE_QUEUE_URL", ""),
        site_increase_hold_off_s=_int(env, "SITE_INCREASE_HOLD_OFF_S", 600, 0, 86_400),
        files_bucket=env.get("FILES_BUCKET") or "csms-files",
        files_base_url=env.get("FILES_BASE_URL", ""),
        grid_webhook_base_url=env.get("GRID_WEBHOOK_BASE_URL", ""),
        ca_secret_name=env.get("CA_SECRET_NAME") or None,
        certificate_organization=env.get("CERTIFICATE_ORGANIZATION") or None,
        certificate_validity_days=_int(
            env, "CERTIFICATE_VALIDITY_DAYS", DEFAULT_CERTIFICATE_VALIDITY_DAYS, 1, 3650
        ),
        sign_v2g_certificates=_flag(env, "SIGN_V2G_CERTIFICATES"),
        cost_update_interval_s=_int(
            env, "COST_UPDATE_INTERVAL_S", DEFAULT_COST_UPDATE_INTERVAL_S, 0, 86_400
        ),
    )


def _contract_pool(env: Mapping[str, str]) -> ContractPoolKind:
    kind = env.get("CONTRACT_POOL") or "none"
    if kind not in CONTRACT_POOL_KINDS:
        raise ConfigError(
            f"CONTRACT_POOL must be one of {', '.join(CONTRACT_POOL_KINDS)}, got {kind!r}"
        )
    return kind


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once (Lambda environments do not change)."""
    return settings_from(os.environ)
