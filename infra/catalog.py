"""The one source of truth for the platform's resources.

Both the CDK stack (`infra/`) and the local platform (`local/`) build their tables, buses,
functions and routes from these definitions, and `tests/infrastructure` checks that the two
agree. This module is plain data: importing it must never import aws-cdk-lib.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import ProjectionTypeDef

# A table grant: a level (CDK's grant_read_data / grant_write_data / both), or exactly these
# DynamoDB actions (for functions that need a few: no Scan, no DeleteItem they never make).
Access = Literal["read", "write", "readwrite"] | tuple[str, ...]
Projection = Literal["ALL", "KEYS_ONLY", "INCLUDE"]
# How a function starts a state machine: StartSyncExecution (EXPRESS only: the caller waits for
# the output) or StartExecution (fire and forget).
# "control": StartExecution, and StopExecution/DescribeExecution on its executions (a
# campaign the operator cancels).
StartMode = Literal["sync", "async", "control"]
StateMachineType = Literal["EXPRESS", "STANDARD"]


@dataclass(frozen=True)
class Key:
    name: str
    type: Literal["S", "N"] = "S"


@dataclass(frozen=True)
class IndexDef:
    """A global secondary index. Its entries hold the table's and the index's keys plus what
    the projection adds: every attribute (ALL), nothing (KEYS_ONLY) or `non_key_attributes`
    (INCLUDE). A base-table write writes the index only when a projected attribute changes."""

    name: str
    partition_key: Key
    sort_key: Key | None = None
    projection: Projection = "ALL"
    non_key_attributes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.projection == "INCLUDE") != bool(self.non_key_attributes):
            raise ValueError(f"{self.name}: INCLUDE, and only INCLUDE, names non-key attributes")

    def projection_request(self) -> ProjectionTypeDef:
        """The index's `Projection` in DynamoDB's CreateTable shape."""
        if self.projection == "INCLUDE":
            return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(self.non_key_attributes)}
        return {"ProjectionType": self.projection}


@dataclass(frozen=True)
class TableDef:
    """A DynamoDB table. `id` is the CDK construct id; `local_name` the name used locally."""

    id: str
    env_var: str
    local_name: str
    partition_key: Key
    sort_key: Key | None = None
    ttl_attribute: str | None = None
    indexes: tuple[IndexDef, ...] = ()
    # Data tables survive a stack deletion; purely transient tables do not need to.
    retain: bool = True


@dataclass(frozen=True)
class EventBusDef:
    id: str
    env_var: str
    local_name: str
    source: str


@dataclass(frozen=True)
class StreamDef:
    """A Kinesis data stream (provisioned: one shard carries ~1,000 records/s, enough for the
    meter values of 10,000+ chargers; see docs/adr/0006-transactions-and-telemetry.md)."""

    id: str
    env_var: str
    local_name: str
    shards: int = 1
    retention_hours: int = 24


@dataclass(frozen=True)
class BucketDef:
    """An S3 bucket: private, SSE-S3, TLS only, public access blocked, no versioning.
    `expirations`: key prefix -> days after which objects under it are deleted."""

    id: str
    env_var: str
    local_name: str
    expirations: tuple[tuple[str, int], ...] = ()


# A bucket grant: (bucket id, S3 actions, key pattern), e.g. (FILES.id, ("s3:GetObject",),
# "firmware/*"): exactly those actions on the objects under that pattern, nothing else.
BucketAccess = tuple[str, tuple[str, ...], str]


@dataclass(frozen=True)
class StreamConsumerDef:
    """A function fed by a stream (Lambda event source mapping / local poller)."""

    function: str
    stream: str  # StreamDef.id
    batch_size: int = 100
    max_batching_window_s: int = 5
    parallelization_factor: int = 1


@dataclass(frozen=True)
class EventRuleDef:
    """An EventBridge rule on the platform's bus delivering matching events to a function."""

    id: str
    function: str
    detail_types: tuple[str, ...]
    description: str = ""
    # Detail field -> the values it must have (EventBridge matches any of them): events the
    # function would only drop are not delivered, and cost no invocation.
    detail: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def pattern(self, source: str) -> dict[str, Any]:
        """The rule's event pattern, as EventBridge reads it (and the local platform too)."""
        pattern: dict[str, Any] = {"source": [source], "detail-type": list(self.detail_types)}
        if self.detail:
            pattern["detail"] = {field: list(values) for field, values in self.detail}
        return pattern


@dataclass(frozen=True)
class QueueDef:
    """An SQS queue its `consumer` function reads (a Lambda event source mapping with partial
    batch responses / a local poller) and its `senders` send to (sqs:SendMessage on it, its
    URL in `env_var`). Encrypted, TLS only, a dead-letter queue after `max_receive_count`
    receives (FIFO for a FIFO queue), alarmed on like every DLQ. `delay_s`: the queue's own
    delivery delay; `visibility_timeout_s` at least the consumer's timeout (Lambda's rule)."""

    id: str
    env_var: str
    local_name: str
    consumer: str
    senders: tuple[str, ...]
    fifo: bool = False
    delay_s: int = 0
    batch_size: int = 10
    visibility_timeout_s: int = 60
    max_receive_count: int = 5
    description: str = ""

    def __post_init__(self) -> None:
        if self.fifo != self.local_name.endswith(".fifo"):
            raise ValueError(f"{self.id}: a FIFO queue's name, and only its, ends in .fifo")


@dataclass(frozen=True)
class ScheduleDef:
    """A function run at a fixed rate (an EventBridge schedule rule / a local timer)."""

    id: str
    function: str
    every_minutes: int
    description: str = ""


@dataclass(frozen=True)
class FunctionDef:
    """A Lambda function: its handler, sizing and the resources it may touch."""

    name: str
    handler: str
    description: str
    memory_mb: int = 256
    timeout_s: int = 10
    tables: tuple[tuple[str, Access], ...] = ()
    publishes_events: bool = False
    manages_connections: bool = False
    # Stream ids this function writes records to.
    writes_streams: tuple[str, ...] = ()
    # Reports command outcomes to Step Functions task tokens (states:SendTask*).
    sends_task_results: bool = False
    # Tables whose Outbox index (not the table) this function may Scan: the outbox relay.
    scans_outbox_of: tuple[str, ...] = ()
    # State machines (StateMachineDef.id) this function starts, and how: it gets exactly that
    # permission and the state machine's ARN in its `env_var`.
    starts_state_machines: tuple[tuple[str, StartMode], ...] = ()
    # X-Ray tracing. Off on the WebSocket path: every frame is an invocation, and traces cost
    # more per charger than DynamoDB (docs/cost-model.md); logs and metrics cover it.
    tracing: bool = True
    # May read the Stripe secret (secretsmanager:GetSecretValue on STRIPE_SECRET_NAME only).
    reads_stripe_secret: bool = False
    # May read the admission key (docs/adr/0027): GetSecretValue on that secret only, and its
    # ARN in ADMISSION_KEY_SECRET. The $connect authorizer alone.
    reads_admission_key: bool = False
    # The stack setting (CDK context key) that deploys this function, with its rules in
    # OPTIONAL_EVENT_RULES; None: deployed in every stack.
    enabled_by: str | None = None
    # Looks users of the stack's user pool up (cognito-idp:AdminGetUser; USER_POOL_ID).
    reads_users: bool = False
    # Sends e-mail from the receipt sender's SES identity (ses:SendEmail on that identity;
    # RECEIPT_EMAIL_SENDER).
    sends_email: bool = False
    # Signs with the certificate authority's key (docs/adr/0041): GetSecretValue and
    # PutSecretValue (the first signing sets the CA up) on that secret only; CA_SECRET_NAME.
    uses_certificate_authority: bool = False
    # Objects of the catalog's buckets this function reads or writes (presigning counts: a
    # presigned URL only works for what its signer may do); every function gets the names.
    buckets: tuple[BucketAccess, ...] = ()
    # Hands chargers `/files/<token>` locations (docs/adr/0045): FILES_BASE_URL is the HTTP
    # API's URL.
    mints_file_locations: bool = False
    # Grid signals (docs/adr/0052): reads the secrets of sites' grid sources (GetSecretValue
    # on `csms/grid/*` only) and gets GRID_WEBHOOK_BASE_URL, the HTTP API's URL.
    grid_signals: bool = False


@dataclass(frozen=True)
class StateMachineDef:
    """A Step Functions state machine (docs/adr/0011, docs/adr/0024-local-step-functions.md).

    `definition_file` is ASL JSON under infra/workflows/ with placeholders `${Function:<name>}`
    (a catalog function's ARN) and `${Table:<id>}` (a catalog table's name); the CDK stack
    and the local platform render the same file (infra/workflow_definitions.py). The
    definition may use exactly the `functions` and `tables` declared here, and its role gets
    exactly lambda:InvokeFunction on those functions and the named DynamoDB actions on those
    tables. Functions that start it say so in `FunctionDef.starts_state_machines`.
    """

    id: str
    env_var: str
    local_name: str
    definition_file: str
    functions: tuple[str, ...] = ()
    # Table id -> the DynamoDB actions its SDK integrations call (e.g. ("UpdateItem",)).
    tables: tuple[tuple[str, tuple[str, ...]], ...] = ()
    type: StateMachineType = "EXPRESS"
    # Express executions end after 5 minutes at most; a shorter bound fails a stuck run sooner.
    timeout_s: int = 300
    description: str = ""

    def __post_init__(self) -> None:
        if self.type == "EXPRESS" and not 0 < self.timeout_s <= 300:
            raise ValueError(f"{self.id}: an EXPRESS state machine runs 300 s at most")


@dataclass(frozen=True)
class WorkflowRuleDef:
    """An EventBridge rule on the platform's bus starting a state machine (StartExecution)
    with each matching event as its input. Delivery is at least once: the workflow must be
    idempotent (docs/adr/0011). Failed starts go to the rule's dead-letter queue."""

    id: str
    state_machine: str  # StateMachineDef.id
    detail_types: tuple[str, ...]
    description: str = ""


# The outbox (docs/adr/0019-outbox-relay.md): items waiting for their events to be published,
# and only those (the attributes exist only while something waits), keys only. The relay
# reads it; the live path never does.
OUTBOX = IndexDef("Outbox", Key("outboxShard"), Key("outboxSince", "N"), projection="KEYS_ONLY")

# A disconnect waits in the Outbox index until the relay publishes it or a reconnect drops it
# (docs/adr/0028-connection-events.md).
CHARGERS = TableDef(
    id="Chargers",
    env_var="CHARGERS_TABLE",
    local_name="csms-chargers",
    partition_key=Key("chargePointId"),
    indexes=(OUTBOX,),
)

# One item per live WebSocket connection: connectionId -> charger, protocol. Expires after the
# API Gateway maximum connection duration (2 h) plus slack, in case $disconnect never arrives.
CONNECTIONS = TableDef(
    id="Connections",
    env_var="CONNECTIONS_TABLE",
    local_name="csms-connections",
    partition_key=Key("connectionId"),
    ttl_attribute="expiresAt",
    retain=False,
)

# Last reported status per connector (1.6) or EVSE/connector (2.0.1).
CONNECTORS = TableDef(
    id="Connectors",
    env_var="CONNECTORS_TABLE",
    local_name="csms-connectors",
    partition_key=Key("chargePointId"),
    sort_key=Key("connectorKey"),
    indexes=(OUTBOX,),
)

# Id tags (RFID cards, app tokens): status, expiry, parent, owner. ByOwner lists a driver's
# cards: sparse (only owned tags have `ownerId`), written only when a tag is, never on the
# charger path.
ID_TAGS = TableDef(
    id="IdTags",
    env_var="ID_TAGS_TABLE",
    local_name="csms-id-tags",
    partition_key=Key("idTag"),
    indexes=(IndexDef("ByOwner", Key("ownerId"), Key("idTag")),),
)

# Charging sessions, keyed per charger (1.6 integer ids as decimal strings; 2.0.1 ids as sent).
# ByIdTag (sessions of an id tag, newest first) holds the keys and the status its listings
# filter on, nothing that changes while a session runs: the live-energy updates of the
# telemetry consumer then leave the index alone (docs/adr/0010-cost-levers.md);
# the listing reads the sessions themselves from the table. ByStartDay (the network's
# sessions newest first, one partition per UTC day of the start, so no partition runs hot and
# no listing scans) is kept as lean for the same reason (docs/adr/0031-cli-and-network-sessions.md).
TRANSACTIONS = TableDef(
    id="Transactions",
    env_var="TRANSACTIONS_TABLE",
    local_name="csms-transactions",
    partition_key=Key("chargePointId"),
    sort_key=Key("transactionId"),
    indexes=(
        IndexDef(
            "ByIdTag",
            Key("idTag"),
            Key("startedAt"),
            projection="INCLUDE",
            non_key_attributes=("status",),
        ),
        IndexDef(
            "ByStartDay",
            Key("startedDay"),
            Key("startedAt"),
            projection="INCLUDE",
            non_key_attributes=("status",),
        ),
        OUTBOX,
    ),
)

# OCPP 2.0.1 TransactionEvent de-duplication: one item per (station, transaction, seqNo).
TRANSACTION_EVENTS = TableDef(
    id="TransactionEvents",
    env_var="TRANSACTION_EVENTS_TABLE",
    local_name="csms-transaction-events",
    partition_key=Key("transactionKey"),
    sort_key=Key("seqNo", "N"),
    ttl_attribute="expiresAt",
    retain=False,
)

# Energy roll-up: energy delivered and sessions per charger and UTC day.
ENERGY_DAILY = TableDef(
    id="EnergyDaily",
    env_var="ENERGY_DAILY_TABLE",
    local_name="csms-energy-daily",
    partition_key=Key("chargePointId"),
    sort_key=Key("day"),
)

# CSMS-initiated calls (commands): one item per CALL sent, keyed by charger and message id.
# Kept a week after creation so callers can poll outcomes (TTL), then gone. ByCreated is a
# charger's history newest first (message ids are not time-ordered); it holds the keys and the
# action, which never change, so a command enters it once, at creation, and its outcome and
# outbox markers leave it alone (docs/adr/0035-operator-console-queries.md).
COMMANDS = TableDef(
    id="Commands",
    env_var="COMMANDS_TABLE",
    local_name="csms-commands",
    partition_key=Key("chargePointId"),
    sort_key=Key("messageId"),
    ttl_attribute="expiresAt",
    indexes=(
        IndexDef(
            "ByCreated",
            Key("chargePointId"),
            Key("createdAt"),
            projection="INCLUDE",
            non_key_attributes=("action",),
        ),
        OUTBOX,
    ),
    retain=False,
)

# Reservations (ReserveNow), per charger; the reservation id is unique per charger.
RESERVATIONS = TableDef(
    id="Reservations",
    env_var="RESERVATIONS_TABLE",
    local_name="csms-reservations",
    partition_key=Key("chargePointId"),
    sort_key=Key("reservationId"),
)

# Tariff versions (docs/adr/0020-tariffs-and-pricing.md): one item per (tariff, version), never
# changed once written; a session is priced with the version valid when it started.
TARIFFS = TableDef(
    id="Tariffs",
    env_var="TARIFFS_TABLE",
    local_name="csms-tariffs",
    partition_key=Key("tariffId"),
    sort_key=Key("version", "N"),
)

# Payments (docs/adr/0021-payments.md): one item per provider PaymentIntent or SetupIntent,
# keyed by its id (the webhook's events name it; the session and the start request hold it).
# Its state, amounts in minor units, the refunds with who/when/why, and the ids of the
# provider events applied (the webhook's dedupe set, written with each change). Kept: money.
PAYMENTS = TableDef(
    id="Payments",
    env_var="PAYMENTS_TABLE",
    local_name="csms-payments",
    partition_key=Key("paymentId"),
)

# Drivers: what the platform keeps about a driver beside the user pool (keyed by its `sub`):
# the payment provider's customer id and the default payment method. Kept: money.
DRIVERS = TableDef(
    id="Drivers",
    env_var="DRIVERS_TABLE",
    local_name="csms-drivers",
    partition_key=Key("driverId"),
)

# Drivers' start requests (docs/adr/0011): per charger, time-ordered ids. `Due` holds the open
# ones (sparse: `sweepShard` and `dueAtMs` exist only while the sweep has work with them) for
# the sweep that releases unclaimed holds and caps running costs. Kept: money.
START_REQUESTS = TableDef(
    id="StartRequests",
    env_var="START_REQUESTS_TABLE",
    local_name="csms-start-requests",
    partition_key=Key("chargePointId"),
    sort_key=Key("requestId"),
    indexes=(IndexDef("Due", Key("sweepShard"), Key("dueAtMs", "N")),),
)

# One receipt per settled session, keyed like the session. Kept: money.
RECEIPTS = TableDef(
    id="Receipts",
    env_var="RECEIPTS_TABLE",
    local_name="csms-receipts",
    partition_key=Key("chargePointId"),
    sort_key=Key("transactionId"),
)

# Charging locations (docs/adr/0022-locations-and-geo-search.md): one item per site, its OCPI
# document as JSON, and one claim item per charger ("@charger:<id>") so that a charger is on
# one site at most. ByGeoCell is the geo search: partition = 4-character geohash (about
# 39 x 20 km at the equator: a 1-50 km search reads 1 to a few dozen partitions), sort key =
# 9-character geohash (a search for a few hundred metres asks for a finer prefix). It holds
# only what ranks and filters a search (coordinates, most power per connector standard,
# published); the few nearest locations are then read whole. Claims hold no geoCell: they
# stay out of the index.
LOCATIONS = TableDef(
    id="Locations",
    env_var="LOCATIONS_TABLE",
    local_name="csms-locations",
    partition_key=Key("locationId"),
    indexes=(
        IndexDef(
            "ByGeoCell",
            Key("geoCell"),
            Key("geohash"),
            projection="INCLUDE",
            non_key_attributes=("latitude", "longitude", "offers", "publish"),
        ),
    ),
)

# The device model each OCPP 2.0.1 station reports (NotifyReport, docs/adr/0037-device-model.md):
# one item per variable (`v|<component>|<instance>|<evse>|<connector>|<variable>|<instance>`,
# names case-folded) with its attributes and characteristics, and one per report
# (`r|<requestId>`) with the parts that arrived. Written only when a station reports
# (commissioning, an operator's GetReport), read by the operator API.
DEVICE_MODELS = TableDef(
    id="DeviceModels",
    env_var="DEVICE_MODELS_TABLE",
    local_name="csms-device-models",
    partition_key=Key("chargePointId"),
    sort_key=Key("entryKey"),
)

# What chargers report about themselves (docs/adr/0036-station-events.md): NotifyEvent entries
# and security events, newest first per charger and kind under `<kind>#<timestamp>#<id>`; a
# resend overwrites its own item. Kept CHARGER_EVENTS_RETENTION_DAYS (90) days (TTL).
CHARGER_EVENTS = TableDef(
    id="ChargerEvents",
    env_var="CHARGER_EVENTS_TABLE",
    local_name="csms-charger-events",
    partition_key=Key("chargePointId"),
    sort_key=Key("eventKey"),
    ttl_attribute="expiresAt",
)

# Stations' certificates (docs/adr/0041-certificate-authority.md): one item per signing
# request, keyed by the CSR's digest, from the request to the station's answer to the chain.
CERTIFICATES = TableDef(
    id="Certificates",
    env_var="CERTIFICATES_TABLE",
    local_name="csms-certificates",
    partition_key=Key("chargePointId"),
    sort_key=Key("requestKey"),
)

# Firmware images, their download and upload tokens, campaigns with their targets, and each
# charger's firmware and diagnostics jobs (docs/adr/0045-firmware-campaigns.md): one table,
# items told apart by key prefix (`IMAGE#`, `FILE#`, `CAMPAIGN#`, `CHARGER#`). Images and
# campaigns are listed newest first through ByKind (`kind` is set on those items only).
FIRMWARE = TableDef(
    id="Firmware",
    env_var="FIRMWARE_TABLE",
    local_name="csms-firmware",
    partition_key=Key("pk"),
    sort_key=Key("sk"),
    ttl_attribute="expiresAt",
    indexes=(IndexDef("ByKind", Key("kind"), Key("createdAt")),),
)

# Site load management (docs/adr/0046, docs/adr/0047-site-electrical-model-storage.md): one
# partition per site (`SITE#<locationId>`): its electrical model (`MODEL`, versioned), one
# live state per EVSE (`EVSE#<chargePointId>#<evse>`), the last allocation (`ALLOCATION`).
SITE_LOADS = TableDef(
    id="SiteLoads",
    env_var="SITE_LOADS_TABLE",
    local_name="csms-site-loads",
    partition_key=Key("pk"),
    sort_key=Key("sk"),
    # Grid signal groups (`SIGNAL#<source>#<group>`, docs/adr/0050 "Wiring") expire.
    ttl_attribute="expiresAt",
)

# Firmware images and the files chargers upload (docs/adr/0045-firmware-campaigns.md):
# `firmware/<imageId>/<fileName>` and `uploads/<chargePointId>/<requestId>/<fileName>`.
FILES = BucketDef(
    id="Files",
    env_var="FILES_BUCKET",
    local_name="csms-files",
    expirations=(("uploads/", 90),),
)
BUCKETS: tuple[BucketDef, ...] = (FILES,)
BUCKETS_BY_ID = {b.id: b for b in BUCKETS}

TABLES: tuple[TableDef, ...] = (
    CHARGERS,
    CONNECTIONS,
    CONNECTORS,
    ID_TAGS,
    TRANSACTIONS,
    TRANSACTION_EVENTS,
    ENERGY_DAILY,
    COMMANDS,
    RESERVATIONS,
    TARIFFS,
    PAYMENTS,
    DRIVERS,
    START_REQUESTS,
    RECEIPTS,
    LOCATIONS,
    DEVICE_MODELS,
    CHARGER_EVENTS,
    CERTIFICATES,
    FIRMWARE,
    SITE_LOADS,
)

# Meter values and other telemetry, one record per OCPP message, partition key = charger id.
TELEMETRY_STREAM = StreamDef(
    id="TelemetryStream",
    env_var="TELEMETRY_STREAM_NAME",
    local_name="csms-telemetry",
)

STREAMS: tuple[StreamDef, ...] = (TELEMETRY_STREAM,)
STREAMS_BY_ID = {s.id: s for s in STREAMS}

EVENT_BUS = EventBusDef(
    id="EventBus",
    env_var="EVENT_BUS_NAME",
    local_name="csms-events",
    source="csms.ocpp",
)

# Reached by Stripe only, through HTTP_WEBHOOKS (no JWT: the signature is the authentication).
PAYMENT_WEBHOOK = FunctionDef(
    name="payment_webhook",
    handler="functions.payment_webhook.handler.handler",
    description="Stripe webhook: verified events -> payment records, once per event id",
    # Stripe waits up to ~10 s for an answer and retries for days after a failure.
    timeout_s=10,
    # No active X-Ray: a few calls per payment, seen through logs, metrics and Stripe's own
    # delivery log; traces would add cost per session like the workflow's tasks (ADR 0011).
    tracing=False,
    # One conditional UpdateItem per event (the change and its dedupe marker together).
    tables=((PAYMENTS.id, ("UpdateItem",)),),
    reads_stripe_secret=True,
)

# Deployed only with the stack setting receiptEmailSender (docs/drivers.md, "Receipt e-mails").
RECEIPT_MAILER = FunctionDef(
    name="receipt_mailer",
    # No active X-Ray: one invocation per settled session, seen through logs and alarms.
    tracing=False,
    handler="functions.receipt_mailer.handler.handler",
    description="ReceiptIssued events -> the receipt e-mailed to the driver (SES), once",
    # Cognito, SES and three writes: seconds; the e-mail claim's lease counts on this bound.
    timeout_s=30,
    # Reads the receipt; claims and marks its e-mail on the same item.
    tables=((RECEIPTS.id, ("GetItem", "UpdateItem")),),
    enabled_by="receiptEmailSender",
    reads_users=True,
    sends_email=True,
)

# Reached by chargers through FILE_ROUTE (no JWT: the path's token is the credential).
FILES_RELAY = FunctionDef(
    name="files",
    handler="functions.files.handler.handler",
    description="Chargers' files: /files/<token> -> 307 to a presigned GET, or an upload relayed",
    # An upload of up to 6 MB goes to S3 in one PutObject.
    memory_mb=512,
    timeout_s=29,
    tracing=False,
    # Resolves its token; records what was uploaded on the upload's job.
    tables=((FIRMWARE.id, ("GetItem", "UpdateItem")),),
    buckets=(
        (FILES.id, ("s3:GetObject",), "firmware/*"),
        (FILES.id, ("s3:GetObject", "s3:PutObject"), "uploads/*"),
    ),
)

# Grid signals (docs/adr/0052): every site with sources polled on GRID_POLL, and VTNs'
# notifications through HTTP_WEBHOOKS (no JWT: the site's bearer token is the credential).
# Both store signals in the site's partition and publish GridLimitChanged.
# The secrets of sites' grid sources are named under this prefix (the operator API refuses
# others: shared/api/models/grid.py), so that these functions may read those and no others.
GRID_SECRET_PREFIX = "csms/grid/"  # noqa: S105 (a prefix of names)
_GRID_TABLE_ACCESS = ((SITE_LOADS.id, ("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem")),)
GRID_POLLER = FunctionDef(
    name="grid_poller",
    handler="functions.grid_poller.handler.handler",
    description="Every 5 minutes: each site's VTN and price feed -> signals, GridLimitChanged",
    # Each site asks a VTN and a price feed over the Internet (10-20 s timeouts each).
    timeout_s=120,
    tracing=False,
    tables=_GRID_TABLE_ACCESS,
    publishes_events=True,
    grid_signals=True,
)
GRID_WEBHOOK = FunctionDef(
    name="grid_webhook",
    handler="functions.grid_webhook.handler.handler",
    description="OpenADR 3 notifications -> a site's signals, GridLimitChanged",
    timeout_s=10,
    tracing=False,
    tables=_GRID_TABLE_ACCESS,
    publishes_events=True,
    grid_signals=True,
)

FUNCTIONS: tuple[FunctionDef, ...] = (
    FunctionDef(
        name="ws_authorize",
        tracing=False,
        handler="functions.ws_authorize.handler.handler",
        description="WebSocket $connect authorizer: charger identity and HTTP Basic auth",
        # A reconnect is checked by its HMAC verifier in microseconds; scrypt (~16 MiB, tens of
        # milliseconds) only runs for a charger's first connect after a password change, a
        # wrong password or an unknown id (docs/adr/0027): the default size is enough.
        memory_mb=256,
        # Internet-facing: reads the charger, registers unknown ones (per policy), counts
        # wrong passwords, keeps the fast check of a right one. Nothing else.
        tables=((CHARGERS.id, ("GetItem", "PutItem", "UpdateItem")),),
        reads_admission_key=True,
    ),
    FunctionDef(
        name="ws_connect",
        tracing=False,
        handler="functions.ws_connect.handler.handler",
        description="WebSocket $connect: subprotocol and connection record",
        tables=(
            (CHARGERS.id, "readwrite"),
            (CONNECTIONS.id, "write"),
            # Settles a command still holding the charger's slot from an earlier connection,
            # with its follow-ups (a reservation that failed, a workflow's task token): only
            # when a slot is held (docs/adr/0038-command-slots.md).
            (COMMANDS.id, "readwrite"),
            (RESERVATIONS.id, "readwrite"),
        ),
        publishes_events=True,
        # Closes the connection a new one replaces (one live socket per charger id).
        manages_connections=True,
        sends_task_results=True,
    ),
    FunctionDef(
        name="ws_default",
        tracing=False,
        handler="functions.ws_default.handler.handler",
        description="WebSocket $default: every OCPP-J frame",
        tables=(
            (CHARGERS.id, "readwrite"),
            (CONNECTIONS.id, "read"),
            (CONNECTORS.id, "readwrite"),
            (ID_TAGS.id, "read"),
            (TRANSACTIONS.id, "readwrite"),
            (TRANSACTION_EVENTS.id, "readwrite"),
            (COMMANDS.id, "readwrite"),
            (RESERVATIONS.id, "readwrite"),
            # NotifyReport: BatchWriteItem of variables, UpdateItem of the report's parts.
            (DEVICE_MODELS.id, "write"),
            # NotifyEvent and SecurityEventNotification: Puts only (a resend overwrites).
            (CHARGER_EVENTS.id, ("PutItem", "BatchWriteItem")),
            # SignCertificate: the request's conditional Put; CertificateSigned's answer.
            (CERTIFICATES.id, ("PutItem", "UpdateItem")),
            # A 2.0.1 start's tariff (docs/adr/0044): the charger's location, the driver's
            # start request, the tariff's versions.
            (LOCATIONS.id, ("GetItem",)),
            (START_REQUESTS.id, ("Query",)),
            (TARIFFS.id, ("Query",)),
            # Diagnostics/log uploads (docs/adr/0045): a status report or the charger's
            # answer on its job (1.6 reports name none: the latest, by Query).
            (FIRMWARE.id, ("Query", "UpdateItem")),
            # NotifyEVChargingNeeds' answer (docs/adr/0054): the site's model, grid schedule
            # and price or carbon signals.
            (SITE_LOADS.id, ("GetItem", "Query")),
        ),
        publishes_events=True,
        writes_streams=(TELEMETRY_STREAM.id,),
        sends_task_results=True,
    ),
    FunctionDef(
        name="ws_disconnect",
        tracing=False,
        handler="functions.ws_disconnect.handler.handler",
        description="WebSocket $disconnect: clears the connection if it is still current",
        tables=((CHARGERS.id, "readwrite"), (CONNECTIONS.id, "readwrite")),
        # Publishes nothing: ChargerDisconnected waits in the outbox for the reconnect grace.
    ),
    FunctionDef(
        name="operator_api",
        handler="functions.operator_api.handler.handler",
        description="Operator HTTP API",
        timeout_s=29,
        tables=(
            (CHARGERS.id, "readwrite"),
            (CONNECTIONS.id, "read"),
            (CONNECTORS.id, "read"),
            (ID_TAGS.id, "readwrite"),
            (TRANSACTIONS.id, "read"),
            (COMMANDS.id, "readwrite"),
            (RESERVATIONS.id, "readwrite"),
            (ENERGY_DAILY.id, "read"),
            # Versions are only ever added: no update, no delete.
            (TARIFFS.id, ("GetItem", "PutItem", "Query", "Scan")),
            # Reads a payment and records refunds; never creates or deletes one.
            (PAYMENTS.id, ("GetItem", "UpdateItem")),
            # Sites and claims change in TransactWriteItems of Put and Delete; the search
            # queries the geo index; the operator listing is a bounded Scan.
            (LOCATIONS.id, ("GetItem", "PutItem", "DeleteItem", "Query", "Scan")),
            # A station's device model (and device-model aware commands).
            (DEVICE_MODELS.id, "read"),
            # A charger's events, newest first.
            (CHARGER_EVENTS.id, ("Query",)),
            # A charger's certificates.
            (CERTIFICATES.id, ("Query",)),
            # Firmware images (newest first through ByKind), download and upload tokens, a
            # charger's upload jobs; campaigns, started with their targets (BatchWriteItem),
            # paused, cancelled (docs/adr/0045).
            (FIRMWARE.id, ("GetItem", "PutItem", "UpdateItem", "Query", "BatchWriteItem")),
            # Sites' electrical models (conditional Put, Delete with the allocation in one
            # transaction) and what the allocation view reads (one Query per site); grid
            # schedules and sources, and the GridLimitChanged a change of them announces
            # (UpdateItem: its outbox marker cleared, docs/adr/0052).
            (SITE_LOADS.id, ("GetItem", "PutItem", "DeleteItem", "Query", "UpdateItem")),
        ),
        publishes_events=True,
        manages_connections=True,
        sends_task_results=True,
        # Refunds go to Stripe.
        reads_stripe_secret=True,
        # A campaign's execution: started by `start`, stopped by `cancel`.
        starts_state_machines=(("FirmwareCampaign", "control"),),
        # Presigned PUTs of images and their check (head, read); links to uploaded files.
        buckets=(
            (FILES.id, ("s3:PutObject", "s3:GetObject"), "firmware/*"),
            (FILES.id, ("s3:GetObject",), "uploads/*"),
        ),
        mints_file_locations=True,
    ),
    FunctionDef(
        name="driver_api",
        handler="functions.driver_api.handler.handler",
        description="Driver HTTP API (the mobile app)",
        timeout_s=29,
        tables=(
            # A driver's cards: registered only where no tag exists, removed only their own.
            (ID_TAGS.id, ("GetItem", "PutItem", "DeleteItem", "Query")),
            # Their sessions (ByIdTag), and stopping one through the command engine.
            (TRANSACTIONS.id, ("GetItem", "Query")),
            (CHARGERS.id, ("GetItem", "UpdateItem")),
            (COMMANDS.id, "readwrite"),
            # Their payment profile: the provider's customer, the default payment method.
            (DRIVERS.id, ("GetItem", "UpdateItem")),
            # Starting from the app: the request, the price, the connector's status; receipts.
            (START_REQUESTS.id, ("GetItem", "PutItem", "Query")),
            (TARIFFS.id, ("Query",)),
            (CONNECTORS.id, ("Query",)),
            (RECEIPTS.id, ("GetItem",)),
            # Finding chargers: the geo index, a location, a charger's location.
            (LOCATIONS.id, ("GetItem", "Query")),
        ),
        starts_state_machines=(("StartSession", "sync"),),
        # Sends the stop to the charger's connection.
        manages_connections=True,
        # Adds and removes the driver's cards at the payment provider.
        reads_stripe_secret=True,
    ),
    FunctionDef(
        name="driver_signup",
        tracing=False,
        handler="functions.driver_signup.handler.handler",
        description="Cognito post-confirmation: a driver who signed up joins the drivers group",
        # Cognito waits for it (5 s at most): sign-up is rare, a cold start is fine.
        timeout_s=5,
    ),
    FunctionDef(
        name="session_workflow",
        # Per-session invocations: logs, metrics and alarms, no traces (docs/adr/0011).
        tracing=False,
        handler="functions.session_workflow.handler.handler",
        description="Session workflow tasks (hold, remote start, release, settle); refused starts",
        timeout_s=60,
        tables=(
            (START_REQUESTS.id, ("GetItem", "UpdateItem", "Query")),
            (TRANSACTIONS.id, ("GetItem", "Query")),
            (ID_TAGS.id, ("GetItem",)),
            (DRIVERS.id, ("GetItem",)),
            (TARIFFS.id, ("Query",)),
            (RECEIPTS.id, ("GetItem", "PutItem")),
            (CHARGERS.id, ("GetItem", "UpdateItem")),
            (COMMANDS.id, "readwrite"),
            # A card session's price: the charger's location and its tariff.
            (LOCATIONS.id, ("GetItem",)),
        ),
        publishes_events=True,
        manages_connections=True,
        reads_stripe_secret=True,
    ),
    FunctionDef(
        name="firmware_campaign",
        # One invocation per charger step of a campaign, and per firmware report and boot.
        tracing=False,
        handler="functions.firmware_campaign.handler.handler",
        description="Firmware campaign tasks (prepare, update, failures, waves); reports, boots",
        # The update step waits up to 20 s for the charger's answer to UpdateFirmware.
        timeout_s=60,
        tables=(
            # Targets move by conditional UpdateItem (with the site slot in one
            # TransactWriteItems); the charger's job and history are Puts.
            (FIRMWARE.id, ("GetItem", "PutItem", "UpdateItem", "Query")),
            # The update goes through the command engine (the charger's command slot).
            (CHARGERS.id, ("GetItem", "UpdateItem")),
            (COMMANDS.id, "readwrite"),
            # The site's time zone; whether a session is active.
            (LOCATIONS.id, ("GetItem",)),
            (TRANSACTIONS.id, ("Query",)),
        ),
        publishes_events=True,
        manages_connections=True,
        sends_task_results=True,
    ),
    FunctionDef(
        name="start_sweep",
        tracing=False,
        handler="functions.start_sweep.handler.handler",
        description="Every minute: release unclaimed holds, claim started sessions, cost caps",
        timeout_s=50,
        tables=(
            (START_REQUESTS.id, ("GetItem", "UpdateItem", "Query")),
            (TRANSACTIONS.id, ("GetItem", "Query")),
            (TARIFFS.id, ("Query",)),
            (CHARGERS.id, ("GetItem", "UpdateItem")),
            (COMMANDS.id, "readwrite"),
        ),
        manages_connections=True,
        reads_stripe_secret=True,
    ),
    FunctionDef(
        name="telemetry_consumer",
        # No active X-Ray: an event-driven consumer is seen through its logs, EMF metrics and
        # alarms (DLQ, iterator age, errors); its traces were most of the stack's X-Ray bill
        # (docs/adr/0010-cost-levers.md).
        tracing=False,
        handler="functions.telemetry_consumer.handler.handler",
        description="Kinesis telemetry -> live session energy and MeterValuesReceived summaries",
        timeout_s=60,
        # The running cost of a priced 2.0.1 session (CostUpdated, docs/adr/0044): its
        # tariff version, and the command engine (charger, command slot, @connections).
        tables=(
            (TRANSACTIONS.id, ("UpdateItem",)),
            (TARIFFS.id, ("Query",)),
            (CHARGERS.id, ("GetItem", "UpdateItem")),
            (COMMANDS.id, "readwrite"),
        ),
        publishes_events=True,
        manages_connections=True,
    ),
    FunctionDef(
        name="energy_rollup",
        # No active X-Ray: an event-driven consumer is seen through its logs, EMF metrics and
        # alarms (DLQ, iterator age, errors); its traces were most of the stack's X-Ray bill
        # (docs/adr/0010-cost-levers.md).
        tracing=False,
        handler="functions.energy_rollup.handler.handler",
        description="TransactionStopped events -> energy per charger and day",
        timeout_s=30,
        # One TransactWriteItems of two updates: the session's marker and the day's sums.
        tables=((TRANSACTIONS.id, ("UpdateItem",)), (ENERGY_DAILY.id, ("UpdateItem",))),
    ),
    FunctionDef(
        name="outbox_relay",
        # No active X-Ray: an event-driven consumer is seen through its logs, EMF metrics and
        # alarms (DLQ, iterator age, errors); its traces were most of the stack's X-Ray bill
        # (docs/adr/0010-cost-levers.md).
        tracing=False,
        handler="functions.outbox_relay.handler.handler",
        description="Publishes the domain events a live publish left behind (the outbox)",
        timeout_s=50,
        # Reads the records the Outbox index names and clears their markers; scans the index
        # alone (never the tables: `scans_outbox_of`).
        tables=(
            (TRANSACTIONS.id, ("GetItem", "UpdateItem")),
            (COMMANDS.id, ("GetItem", "UpdateItem")),
            (CONNECTORS.id, ("GetItem", "UpdateItem")),
            (CHARGERS.id, ("GetItem", "UpdateItem")),
        ),
        scans_outbox_of=(TRANSACTIONS.id, COMMANDS.id, CONNECTORS.id, CHARGERS.id),
        publishes_events=True,
    ),
    FunctionDef(
        name="certificate_signer",
        tracing=False,
        handler="functions.certificate_signer.handler.handler",
        description="CertificateSigningRequested -> sign the CSR once, send CertificateSigned",
        timeout_s=30,
        tables=(
            (CERTIFICATES.id, ("GetItem", "UpdateItem")),
            # CertificateSigned goes out through the command engine.
            (CHARGERS.id, ("GetItem", "UpdateItem")),
            (COMMANDS.id, "readwrite"),
        ),
        publishes_events=True,
        manages_connections=True,
        uses_certificate_authority=True,
    ),
    # The site allocation loop (docs/adr/0051).
    FunctionDef(
        name="site_trigger",
        tracing=False,
        handler="functions.site_trigger.handler.handler",
        description="Events that change a site's inputs, due wake-ups -> live states, site queued",
        timeout_s=30,
        # The charger's location (its claim), the site's records, an EVSE's live state.
        tables=((LOCATIONS.id, ("GetItem",)), (SITE_LOADS.id, ("Query", "PutItem"))),
    ),
    FunctionDef(
        name="site_allocator",
        tracing=False,
        handler="functions.site_allocator.handler.handler",
        description="A queued site -> allocated, its limits sent and stored as sent",
        # A plan waits on each charger's answer (ADR 0048): up to about 50 s for one that
        # does not answer, 4 s for one that does.
        timeout_s=300,
        tables=(
            # The model, live states and allocation (Query); the grid schedule and the
            # connection under the grid limit (GetItem); the allocation and its load sample.
            (SITE_LOADS.id, ("GetItem", "Query", "PutItem")),
            # Whether the session a limit names is still running.
            (TRANSACTIONS.id, ("GetItem",)),
            # A session's needs (docs/adr/0054): its driver's start request, its car's
            # ev-needs record.
            (START_REQUESTS.id, ("Query",)),
            (CHARGER_EVENTS.id, ("Query",)),
            # The command engine (charger, command slot, @connections).
            (CHARGERS.id, ("GetItem", "UpdateItem")),
            (COMMANDS.id, "readwrite"),
        ),
        publishes_events=True,
        manages_connections=True,
    ),
    PAYMENT_WEBHOOK,
    RECEIPT_MAILER,
    FILES_RELAY,
    GRID_POLLER,
    GRID_WEBHOOK,
)

SCHEDULES: tuple[ScheduleDef, ...] = (
    ScheduleDef(
        id="OutboxRelay",
        function="outbox_relay",
        every_minutes=1,
        description="Publish the events whose live publish failed (docs/adr/0019)",
    ),
    ScheduleDef(
        id="GridPoll",
        function=GRID_POLLER.name,
        every_minutes=5,
        description="Poll sites' grid sources, publish GridLimitChanged (docs/adr/0052)",
    ),
    ScheduleDef(
        id="StartSweep",
        function="start_sweep",
        every_minutes=1,
        description="Release unclaimed holds, claim started sessions, cap running costs",
    ),
)

STREAM_CONSUMERS: tuple[StreamConsumerDef, ...] = (
    # Up to 5 minutes of meter values per batch: one session-progress write and one summary
    # event per session per batch instead of one per meter value (live energy lags <= 5 min).
    StreamConsumerDef(
        function="telemetry_consumer",
        stream=TELEMETRY_STREAM.id,
        batch_size=10_000,
        max_batching_window_s=300,
    ),
)

SITE_TRIGGER_DETAIL_TYPES = (
    "TransactionStarted",
    "TransactionStopped",
    "ChargerConnected",
    "ChargerDisconnected",
    "ChargerBooted",
    "EvseControlLost",
    "EvseControlRestored",
    "ChargingLimitChanged",
    "EVChargingNeedsReceived",
    "SiteModelChanged",
    "GridLimitChanged",
)

SITE_TRIGGER_STATUSES = ("Faulted", "Unavailable")

EVENT_RULES: tuple[EventRuleDef, ...] = (
    EventRuleDef(
        id="EnergyRollup",
        function="energy_rollup",
        detail_types=("TransactionStopped",),
        description="Roll the energy of every finished session up per charger and day",
    ),
    EventRuleDef(
        id="CertificateSigning",
        function="certificate_signer",
        detail_types=("CertificateSigningRequested",),
        description="Sign a station's accepted CSR and send it the chain (docs/adr/0041)",
    ),
    EventRuleDef(
        id="StartRefused",
        function="session_workflow",
        detail_types=("CommandCompleted",),
        # Not every command's outcome: CostUpdated alone completes every few minutes a session.
        detail=(("action", ("RemoteStartTransaction", "RequestStartTransaction")),),
        description="A remote start the charger did not accept releases its hold at once",
    ),
    EventRuleDef(
        id="FirmwareCampaignReports",
        function="firmware_campaign",
        detail_types=("FirmwareStatusChanged", "ChargerBooted"),
        description="Firmware reports and boots move campaign targets (docs/adr/0045)",
    ),
    EventRuleDef(
        id="SiteTrigger",
        function="site_trigger",
        # shared/load_management/trigger.py's DETAIL_TYPES (a test keeps them equal); never
        # MeterValuesReceived.
        detail_types=SITE_TRIGGER_DETAIL_TYPES,
        description="Events that change a site's inputs queue its allocation (docs/adr/0051)",
    ),
    EventRuleDef(
        id="SiteTriggerStatus",
        function="site_trigger",
        # Only the statuses that take an EVSE out of service (trigger.OUT_OF_SERVICE): the
        # others follow sessions, which have their own events, and are most of the traffic.
        detail_types=("ConnectorStatusChanged",),
        detail=(("status", SITE_TRIGGER_STATUSES),),
        description="An EVSE out of service queues its site's allocation (docs/adr/0051)",
    ),
)

# The site allocation loop's queues (docs/adr/0051-site-allocation-loop.md).
SITE_QUEUE = QueueDef(
    id="SiteQueue",
    env_var="SITE_QUEUE_URL",
    local_name="csms-site-queue.fifo",
    consumer="site_allocator",
    senders=("site_trigger", "site_allocator"),
    fifo=True,
    # The debounce window (shared/ports/site_queue.py DEBOUNCE_S): a site's other triggers
    # of the window arrive before its allocation runs.
    delay_s=1,
    # One site per invocation: a slow plan never holds up another site's.
    batch_size=1,
    visibility_timeout_s=330,
    description="Sites to allocate: one message group per site, deduplicated per window",
)
SITE_WAKE_QUEUE = QueueDef(
    id="SiteWakeQueue",
    env_var="SITE_WAKE_QUEUE_URL",
    local_name="csms-site-wake",
    consumer="site_trigger",
    senders=("site_trigger", "site_allocator"),
    visibility_timeout_s=60,
    description="Wake-ups of sites (a hold's end, a grid limit's change), up to 900 s a hop",
)
QUEUES: tuple[QueueDef, ...] = (SITE_QUEUE, SITE_WAKE_QUEUE)
QUEUES_BY_ID = {q.id: q for q in QUEUES}

# Rules of optional functions (FunctionDef.enabled_by): deployed, and run locally, only when
# their function's setting is set. `event_rules` picks them.
OPTIONAL_EVENT_RULES: tuple[EventRuleDef, ...] = (
    EventRuleDef(
        id="ReceiptMail",
        function=RECEIPT_MAILER.name,
        detail_types=("ReceiptIssued",),
        description="E-mail every issued receipt to its driver (receiptEmailSender)",
    ),
)

# The session workflows of docs/adr/0011 (StartSession, SettleSession) are added here with
# their definitions under infra/workflows/ (docs/adr/0024-local-step-functions.md).
STATE_MACHINES: tuple[StateMachineDef, ...] = (
    StateMachineDef(
        id="StartSession",
        env_var="START_SESSION_STATE_MACHINE_ARN",
        local_name="csms-start-session",
        definition_file="start_session.asl.json",
        functions=("session_workflow",),
        # The driver waits for it: a hold and a remote start take a few seconds.
        timeout_s=60,
        description="A start from the app: hold, remote start, or release (docs/adr/0011)",
    ),
    StateMachineDef(
        id="SettleSession",
        env_var="SETTLE_SESSION_STATE_MACHINE_ARN",
        local_name="csms-settle-session",
        definition_file="settle_session.asl.json",
        functions=("session_workflow",),
        timeout_s=120,
        description="A finished driver session: price, capture or charge, receipt",
    ),
    StateMachineDef(
        id="FirmwareCampaign",
        env_var="FIRMWARE_CAMPAIGN_STATE_MACHINE_ARN",
        local_name="csms-firmware-campaign",
        definition_file="firmware_campaign.asl.json",
        functions=("firmware_campaign",),
        type="STANDARD",
        # Waves wait for windows and sessions: a campaign may take weeks, never a year.
        timeout_s=60 * 24 * 3600,
        description="A firmware campaign: waves of chargers, each driven by its reports",
    ),
)
WORKFLOW_RULES: tuple[WorkflowRuleDef, ...] = (
    WorkflowRuleDef(
        id="SettleOnStop",
        state_machine="SettleSession",
        detail_types=("TransactionStopped",),
        description="Settle every finished session (drivers' sessions are paid, others skipped)",
    ),
)

FUNCTIONS_BY_NAME = {f.name: f for f in FUNCTIONS}


def event_rules(enabled_settings: Collection[str] = ()) -> tuple[EventRuleDef, ...]:
    """The rules of a stack or local platform: EVENT_RULES, plus the optional rules whose
    function's setting (FunctionDef.enabled_by) is among `enabled_settings`."""
    optional = tuple(
        rule
        for rule in OPTIONAL_EVENT_RULES
        if FUNCTIONS_BY_NAME[rule.function].enabled_by in enabled_settings
    )
    return EVENT_RULES + optional


TABLES_BY_ID = {t.id: t for t in TABLES}
STATE_MACHINES_BY_ID = {m.id: m for m in STATE_MACHINES}

# WebSocket API: route key -> function name. The authorizer guards $connect only.
WEBSOCKET_ROUTES: dict[str, str] = {
    "$connect": "ws_connect",
    "$default": "ws_default",
    "$disconnect": "ws_disconnect",
}
WEBSOCKET_AUTHORIZER = "ws_authorize"
# The authorizer's identity source: API Gateway only calls it when this is present.
WEBSOCKET_IDENTITY_SOURCE = "route.request.querystring.chargePointId"

# The stage access log, when turned on (CDK context websocketAccessLog): one JSON line per
# WebSocket event, for CloudWatch Logs Insights.
WEBSOCKET_ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "eventType": "$context.eventType",
    "routeKey": "$context.routeKey",
    "connectionId": "$context.connectionId",
    "status": "$context.status",
    "sourceIp": "$context.identity.sourceIp",
    "principalId": "$context.authorizer.principalId",
    "authorizerError": "$context.authorizer.error",
    "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integration.latency",
    "integrationError": "$context.integration.error",
    "errorMessage": "$context.error.message",
}

Audience = Literal["operators", "drivers"]


@dataclass(frozen=True)
class HttpRouteDef:
    """A path prefix of the HTTP API (payload format 2.0), served by one function.

    Every path under it needs a JWT of the user pool issued to the `audience`'s app client
    (API Gateway's JWT authorizer on AWS, the local gateway's locally), except `public_paths`
    (relative to the prefix), which are answered without a token. The function then checks
    the caller's group (docs/adr/0023-driver-identity.md).
    """

    prefix: str
    function: str
    audience: Audience
    public_paths: tuple[str, ...] = ("/health", "/openapi.json", "/docs")

    def public(self) -> frozenset[str]:
        """The public paths in full, as the function sees them."""
        return frozenset(self.prefix + path for path in self.public_paths)


HTTP_API_ROUTES: tuple[HttpRouteDef, ...] = (
    HttpRouteDef(prefix="/api", function="operator_api", audience="operators"),
    HttpRouteDef(prefix="/driver", function="driver_api", audience="drivers"),
)


@dataclass(frozen=True)
class WebhookRouteDef:
    """A public `POST {path}` of the HTTP API for a provider's webhooks: no JWT (the provider
    has none), the function verifies the provider's signature on the raw body instead."""

    path: str
    function: str


HTTP_WEBHOOKS: tuple[WebhookRouteDef, ...] = (
    WebhookRouteDef(path="/webhooks/stripe", function=PAYMENT_WEBHOOK.name),
    WebhookRouteDef(path="/webhooks/openadr", function=GRID_WEBHOOK.name),
)


@dataclass(frozen=True)
class FileRouteDef:
    """`{methods} {prefix}/{proxy+}` of the HTTP API without JWT: the chargers' downloads and
    uploads (docs/adr/0045), whose random path token is the credential."""

    prefix: str
    function: str
    methods: tuple[str, ...] = ("GET", "PUT", "POST")


FILE_ROUTE = FileRouteDef(prefix="/files", function=FILES_RELAY.name)
# The user pool's triggers: Cognito trigger -> function name.
USER_POOL_TRIGGERS: dict[str, str] = {"PostConfirmation": "driver_signup"}
# Route prefix -> function name.
HTTP_ROUTES: dict[str, str] = {route.prefix: route.function for route in HTTP_API_ROUTES}
HTTP_ROUTES_BY_PREFIX = {route.prefix: route for route in HTTP_API_ROUTES}


# The operator console (docs/adr/0033-operator-console.md): a single-page app under
# CONSOLE_PATH, sent with the same response headers by CloudFront on AWS
# (infra/console_hosting.py, checked against the template) and by the local gateway.
CONSOLE_PATH = "/console/"
CONSOLE_HSTS_MAX_AGE_S = 2 * 365 * 24 * 3600


def console_content_security_policy(sign_in_origin: str | None = None) -> str:
    """The console's own files only; its API calls stay on its host, but for the token call
    to the sign-in origin (connect-src) and a sign-in form posting there (form-action); no
    origin: the sign-in endpoints are on the console's host too. No inline script or style:
    Vite writes both into files. `data:` for what Vite inlines (small images and fonts)."""
    also = f" {sign_in_origin}" if sign_in_origin else ""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self' data:",
        "connect-src": "'self'" + also,
        "form-action": "'self'" + also,
        "frame-ancestors": "'none'",
        "base-uri": "'self'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def console_security_headers(sign_in_origin: str | None = None) -> dict[str, str]:
    """Every response of the console's files carries these (the API's lack only the CSP: its
    documentation page inlines Swagger UI)."""
    return {
        "Strict-Transport-Security": f"max-age={CONSOLE_HSTS_MAX_AGE_S}; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": console_content_security_policy(sign_in_origin),
    }
