"""The CSMS stack: tables, event bus, telemetry stream, the chargers' WebSocket API, the
functions behind it and the consumers fed by the stream and the bus."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.catalog import (
    EVENT_BUS,
    FUNCTIONS_BY_NAME,
    WEBSOCKET_AUTHORIZER,
    WEBSOCKET_ROUTES,
)
from infra.consumers import Consumers, consumer_function_names
from infra.events import EventBus
from infra.naming import construct_id_for
from infra.python_function import FunctionResources, LambdaPackage, PythonFunction
from infra.stack_settings import StackSettings
from infra.tables import Tables
from infra.telemetry import Streams
from infra.websocket_api import WebSocketApi


def websocket_function_names() -> list[str]:
    """The functions the WebSocket API invokes: its authorizer and one per route."""
    return [WEBSOCKET_AUTHORIZER, *dict.fromkeys(WEBSOCKET_ROUTES.values())]


class CsmsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StackSettings | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings or StackSettings.from_scope(self)

        self.tables = Tables(self, "Tables")
        self.events = EventBus(
            self, "Events", archive_retention_days=self.settings.event_archive_retention_days
        )
        self.streams = Streams(self, "Telemetry")
        self.websocket = WebSocketApi(
            self,
            "WebSocket",
            stage_name=self.settings.stage_name,
            throttle_burst_limit=self.settings.ws_throttle_burst_limit,
            throttle_rate_limit=self.settings.ws_throttle_rate_limit,
            log_retention=self.settings.log_retention,
            account_logging=self.settings.api_gateway_account_logging,
        )
        self.package = LambdaPackage(self, "Package")
        self.function_resources = FunctionResources(
            tables=self.tables.by_id,
            event_bus=self.events.bus,
            event_source=EVENT_BUS.source,
            environment={
                "UNKNOWN_CHARGERS": self.settings.unknown_chargers,
                "HEARTBEAT_INTERVAL_S": str(self.settings.heartbeat_interval_s),
            },
            log_retention=self.settings.log_retention,
            connections=self.websocket.stage,
            streams=self.streams.by_id,
        )
        self.functions: dict[str, PythonFunction] = {}
        for name in websocket_function_names():
            self.add_function(name)
        self.websocket.add_routes({name: f.function for name, f in self.functions.items()})
        for name in consumer_function_names():
            self.add_function(name)
        self.consumers = Consumers(
            self,
            "Consumers",
            functions={name: f.function for name, f in self.functions.items()},
            streams=self.streams.by_id,
            event_bus=self.events.bus,
            event_source=EVENT_BUS.source,
        )

        CfnOutput(self, "WebSocketUrl", value=self.websocket.stage.url)
        CfnOutput(self, "ConnectionsEndpoint", value=self.websocket.stage.callback_url)

    def add_function(self, name: str) -> PythonFunction:
        """Creates the catalog function `name`, wired to what its definition names."""
        function = PythonFunction(
            self,
            construct_id_for(name),
            definition=FUNCTIONS_BY_NAME[name],
            package=self.package,
            resources=self.function_resources,
        )
        self.functions[name] = function
        return function
