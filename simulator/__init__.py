"""Charger simulator and load generator for OCPP 1.6J / 2.0.1 central systems.

Usable against the local platform (ws://127.0.0.1:8080/ocpp) or a deployed wss:// endpoint.
Command line: `python -m simulator --help`.
"""

from simulator.charger import Backoff, SimulatedCharger, endpoint_for
from simulator.command_handlers import ChargerApi, DeviceState
from simulator.command_handlers.transfers import firmware_file
from simulator.demo import run_demo_charger
from simulator.errors import (
    CallErrorReceived,
    CallErrorReply,
    ConnectionFailed,
    ConnectionLost,
    ConnectionRefused,
    FrameError,
    ResponseTimeout,
    SimulatorError,
    SubprotocolMismatch,
)
from simulator.fleet import FleetConfig, run_charger, run_fleet
from simulator.handlers import ActionHandler, CommandHandlerTable, default_handlers
from simulator.job_faults import NO_FAULTS, JobFaults, always
from simulator.meter import ConnectorMeter, MeterSample
from simulator.ocpp_link import InvalidRequest, InvalidResponse
from simulator.offline_queue import Acknowledged, OfflineQueue, QueuedMessage
from simulator.protocols import ChargerIdentity
from simulator.session_log import SessionMessage
from simulator.session_plan import SessionPlan, run_session_plan
from simulator.sessions import SessionResult
from simulator.stats import RoundTrip, SessionTotals, Stats, Summary
from simulator.transaction_messages import ActiveTransaction, TransactionEventResult

__all__ = [
    "NO_FAULTS",
    "Acknowledged",
    "ActionHandler",
    "ActiveTransaction",
    "Backoff",
    "CallErrorReceived",
    "CallErrorReply",
    "ChargerApi",
    "ChargerIdentity",
    "CommandHandlerTable",
    "ConnectionFailed",
    "ConnectionLost",
    "ConnectionRefused",
    "ConnectorMeter",
    "DeviceState",
    "FleetConfig",
    "FrameError",
    "InvalidRequest",
    "InvalidResponse",
    "JobFaults",
    "MeterSample",
    "OfflineQueue",
    "QueuedMessage",
    "ResponseTimeout",
    "RoundTrip",
    "SessionMessage",
    "SessionPlan",
    "SessionResult",
    "SessionTotals",
    "SimulatedCharger",
    "SimulatorError",
    "Stats",
    "SubprotocolMismatch",
    "Summary",
    "TransactionEventResult",
    "always",
    "default_handlers",
    "endpoint_for",
    "firmware_file",
    "run_charger",
    "run_demo_charger",
    "run_fleet",
    "run_session_plan",
]
