"""Charger simulator and load generator for OCPP 1.6J / 2.0.1 central systems.

Usable against the local platform (ws://127.0.0.1:8080/ocpp) or a deployed wss:// endpoint.
Command line: `python -m simulator --help`.
"""

from simulator.charger import Backoff, SimulatedCharger, endpoint_for
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
from simulator.fleet import FleetConfig, run_fleet
from simulator.handlers import ActionHandler, HandlerRegistry
from simulator.protocols import ChargerIdentity
from simulator.stats import RoundTrip, Stats, Summary

__all__ = [
    "ActionHandler",
    "Backoff",
    "CallErrorReceived",
    "CallErrorReply",
    "ChargerIdentity",
    "ConnectionFailed",
    "ConnectionLost",
    "ConnectionRefused",
    "FleetConfig",
    "FrameError",
    "HandlerRegistry",
    "ResponseTimeout",
    "RoundTrip",
    "SimulatedCharger",
    "SimulatorError",
    "Stats",
    "SubprotocolMismatch",
    "Summary",
    "endpoint_for",
    "run_demo_charger",
    "run_fleet",
]
