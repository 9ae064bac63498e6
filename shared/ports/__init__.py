"""Every interface the domain talks to, split by what it serves; adapters implement them
(shared/adapters/: DynamoDB, Kinesis, EventBridge, API Gateway, Step Functions, and in-memory
fakes). One interface per table: the WebSocket path and the operator API share it."""

from shared.ports.charger_events import ChargerEventLog
from shared.ports.chargers import (
    AdmissionKey,
    ChargerChanges,
    ChargerFilter,
    ChargerRepository,
    ConnectionRepository,
    ConnectorRepository,
)
from shared.ports.commands import CommandStore, ReservationStore, TaskNotifier
from shared.ports.device_models import DeviceModelStore, ReportProgress, VariableEntry
from shared.ports.drivers import DriverRepository
from shared.ports.locations import GeoEntry, LocationRepository, SaveOutcome
from shared.ports.paging import InvalidCursor, Page
from shared.ports.publishing import (
    EventPublisher,
    EventPublishError,
    OutboxSource,
    publish_safely,
    relay_outbox,
)
from shared.ports.receipts import ReceiptStore
from shared.ports.sessions import (
    MAX_CURVE_POINTS,
    CurvePoint,
    EnergyDay,
    EnergyGranularity,
    EnergyLedger,
    EnergyPeriod,
    IdTagRepository,
    SessionCurve,
    SessionFilter,
    TelemetrySink,
    TransactionEventLog,
    TransactionRepository,
)
from shared.ports.start_requests import StartRequestStore
from shared.ports.tariffs import TariffRepository
from shared.ports.websocket import (
    ChargerSender,
    ConnectionGone,
    LiveConnection,
    LiveConnections,
    close_safely,
)
from shared.ports.workflows import WorkflowFailed, WorkflowRunner

__all__ = [
    "MAX_CURVE_POINTS",
    "AdmissionKey",
    "ChargerChanges",
    "ChargerEventLog",
    "ChargerFilter",
    "ChargerRepository",
    "ChargerSender",
    "CommandStore",
    "ConnectionGone",
    "ConnectionRepository",
    "ConnectorRepository",
    "CurvePoint",
    "DeviceModelStore",
    "DriverRepository",
    "EnergyDay",
    "EnergyGranularity",
    "EnergyLedger",
    "EnergyPeriod",
    "EventPublishError",
    "EventPublisher",
    "GeoEntry",
    "IdTagRepository",
    "InvalidCursor",
    "LiveConnection",
    "LiveConnections",
    "LocationRepository",
    "OutboxSource",
    "Page",
    "ReceiptStore",
    "ReportProgress",
    "ReservationStore",
    "SaveOutcome",
    "SessionCurve",
    "SessionFilter",
    "StartRequestStore",
    "TariffRepository",
    "TaskNotifier",
    "TelemetrySink",
    "TransactionEventLog",
    "TransactionRepository",
    "VariableEntry",
    "WorkflowFailed",
    "WorkflowRunner",
    "close_safely",
    "publish_safely",
    "relay_outbox",
]
