"""The CSMS stack, composed of one construct per concern:

tables, event bus, telemetry stream, functions (one code asset, one dependencies layer), the
chargers' WebSocket API behind CloudFront, the operator HTTP API behind Cognito, the consumers
fed by the stream and the bus, the Step Functions workflows, and monitoring (dashboard, alarms,
alarm topic).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.auth import UserDirectory
from infra.catalog import (
    EVENT_BUS,
    FUNCTIONS_BY_NAME,
    HTTP_API_ROUTES,
    HTTP_ROUTES,
    HTTP_WEBHOOKS,
    SCHEDULES,
    USER_POOL_TRIGGERS,
    WEBSOCKET_AUTHORIZER,
    WEBSOCKET_ROUTES,
    event_rules,
)
from infra.charger_edge import ChargerEdge
from infra.consumers import Consumers, consumer_function_names
from infra.event_bus import EventBus
from infra.http_api import HttpRoute, PlatformHttpApi
from infra.monitoring import MonitoredResources, Monitoring
from infra.naming import construct_id_for
from infra.python_function import FunctionResources, LambdaPackage, PythonFunction
from infra.stack_settings import SettingsError, StackSettings
from infra.tables import Tables
from infra.telemetry import Streams
from infra.websocket_api import WebSocketApi
from infra.workflows import Workflows, workflow_function_names


def websocket_function_names() -> list[str]:
    """The functions the WebSocket API invokes: its authorizer and one per route."""
    return [WEBSOCKET_AUTHORIZER, *dict.fromkeys(WEBSOCKET_ROUTES.values())]


def user_pool_function_names() -> list[str]:
    """The user pool's triggers."""
    return list(dict.fromkeys(USER_POOL_TRIGGERS.values()))


def http_function_names() -> list[str]:
    """The functions behind the HTTP API, each once."""
    return list(
        dict.fromkeys([*HTTP_ROUTES.values(), *(webhook.function for webhook in HTTP_WEBHOOKS)])
    )


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
        settings = self.settings

        self.tables = Tables(self, "Tables")
        self.events = EventBus(
            self, "Events", archive_retention_days=settings.event_archive_retention_days
        )
        self.streams = Streams(self, "Telemetry")
        self.websocket = WebSocketApi(
            self,
            "WebSocket",
            stage_name=settings.stage_name,
            throttle_burst_limit=settings.ws_throttle_burst_limit,
            throttle_rate_limit=settings.ws_throttle_rate_limit,
            connect_throttle_burst_limit=settings.ws_connect_throttle_burst_limit,
            connect_throttle_rate_limit=settings.ws_connect_throttle_rate_limit,
            log_retention=settings.log_retention,
            access_log=settings.websocket_access_log,
            account_logging=settings.api_gateway_account_logging,
        )
        self.package = LambdaPackage(self, "Package")
        self.function_resources = FunctionResources(
            tables=self.tables.by_id,
            event_bus=self.events.bus,
            event_source=EVENT_BUS.source,
            environment={
                "UNKNOWN_CHARGERS": settings.unknown_chargers,
                "HEARTBEAT_INTERVAL_S": str(settings.heartbeat_interval_s),
                "STRIPE_SECRET_NAME": settings.stripe_secret_name,
                "PUBLISH_METER_VALUES": "true" if settings.publish_meter_values else "false",
                "LIVE_ENERGY_WRITE_INTERVAL_S": str(settings.live_energy_write_interval_s),
            },
            log_retention=settings.log_retention,
            connections=self.websocket.stage,
            streams=self.streams.by_id,
        )
        self.functions: dict[str, PythonFunction] = {}
        self.reserved_concurrency = dict(settings.reserved_concurrency)
        unknown = set(self.reserved_concurrency) - set(FUNCTIONS_BY_NAME)
        if unknown:
            raise SettingsError(f"reservedConcurrency names unknown functions: {sorted(unknown)}")

        for name in websocket_function_names():
            self.add_function(name)
        self.websocket.add_routes({name: f.function for name, f in self.functions.items()})
        self.edge = ChargerEdge(
            self,
            "ChargerEdge",
            stage=self.websocket.stage,
            domain_name=settings.custom_domain_name,
            certificate_arn=settings.custom_domain_certificate_arn,
            web_acl_arn=settings.charger_edge_web_acl_arn,
        )

        for name in user_pool_function_names():
            self.add_function(name)
        self.users = UserDirectory(
            self,
            "Users",
            sign_up_trigger=self.functions[USER_POOL_TRIGGERS["PostConfirmation"]].function,
            driver_callback_urls=settings.driver_app_callback_urls,
            driver_domain_prefix=settings.driver_sign_in_domain_prefix,
        )
        for name in http_function_names():
            self.add_function(name)
        clients = {"operators": self.users.operator_client, "drivers": self.users.driver_client}
        self.http_api = PlatformHttpApi(
            self,
            "HttpApi",
            routes=[
                HttpRoute(route, self.functions[route.function].function, clients[route.audience])
                for route in HTTP_API_ROUTES
            ],
            webhooks={
                webhook.path: self.functions[webhook.function].function for webhook in HTTP_WEBHOOKS
            },
            user_pool=self.users.user_pool,
            allowed_origins=settings.http_allowed_origins,
            throttle_burst_limit=settings.http_throttle_burst_limit,
            throttle_rate_limit=settings.http_throttle_rate_limit,
            log_retention=settings.log_retention,
        )

        # Consumers may look users up and send e-mail: both are known from here on.
        self.function_resources = replace(
            self.function_resources,
            user_pool=self.users.user_pool,
            email_sender=settings.receipt_email_sender,
        )
        # The catalog's rules, and the optional ones whose setting is set (receipt e-mails).
        rules = event_rules(settings.enabled_settings)
        for name in consumer_function_names(event_rules=rules):
            self.add_function(name)
        self.consumers = Consumers(
            self,
            "Consumers",
            functions={name: f.function for name, f in self.functions.items()},
            streams=self.streams.by_id,
            event_bus=self.events.bus,
            event_source=EVENT_BUS.source,
            event_rules=rules,
        )

        for name in workflow_function_names():
            if name not in self.functions:
                self.add_function(name)
        # Empty (no resources) while the catalog has no state machines.
        self.workflows = Workflows(
            self,
            "Workflows",
            functions={name: f.function for name, f in self.functions.items()},
            function_definitions={name: FUNCTIONS_BY_NAME[name] for name in self.functions},
            tables=self.tables.by_id,
            event_bus=self.events.bus,
            event_source=EVENT_BUS.source,
            log_retention=settings.log_retention,
        )

        self.monitoring = Monitoring(
            self,
            "Monitoring",
            resources=MonitoredResources(
                websocket_stage=self.websocket.stage,
                http_stage=self.http_api.stage,
                functions={name: f.function for name, f in self.functions.items()},
                websocket_functions=websocket_function_names(),
                tables=self.tables.by_id,
                streams=self.streams.by_id,
                dead_letters=self.consumers.dead_letters,
                scheduled_functions=[schedule.function for schedule in SCHEDULES],
                state_machines=self.workflows.state_machines,
                workflow_dead_letters=self.workflows.dead_letters,
            ),
            alarm_email=settings.alarm_email,
            title=f"CSMS ({settings.stage_name})",
        )
        self._outputs()

    def add_function(self, name: str) -> PythonFunction:
        """Creates the catalog function `name`, wired to what its definition names."""
        function = PythonFunction(
            self,
            construct_id_for(name),
            definition=FUNCTIONS_BY_NAME[name],
            package=self.package,
            resources=self.function_resources,
            reserved_concurrency=self.reserved_concurrency.get(name),
        )
        self.functions[name] = function
        return function

    def _outputs(self) -> None:
        outputs = {
            "ChargerUrl": (
                self.edge.charger_url,
                "Chargers connect to <ChargerUrl>/<chargePointId> (CloudFront)",
            ),
            "WebSocketUrl": (
                self.websocket.stage.url,
                "The API Gateway URL itself: <WebSocketUrl>?chargePointId=<chargePointId>",
            ),
            "ConnectionsEndpoint": (
                self.websocket.stage.callback_url,
                "@connections management endpoint (WS_MANAGEMENT_ENDPOINT)",
            ),
            "HttpApiUrl": (
                self.http_api.url,
                "HTTP API base URL: operators append api/..., the driver app driver/...",
            ),
            "DashboardUrl": (self.monitoring.dashboard_url, "CloudWatch dashboard"),
            "AlarmTopicArn": (self.monitoring.topic.topic_arn, "Alarm notifications"),
            "UserPoolId": (self.users.user_pool.user_pool_id, "Cognito user pool"),
            "UserPoolClientId": (
                self.users.operator_client.user_pool_client_id,
                "App client of the operators' tools",
            ),
            "DriverAppClientId": (
                self.users.driver_client.user_pool_client_id,
                "App client of the drivers' mobile app",
            ),
        }
        for name, (value, description) in outputs.items():
            CfnOutput(self, name, value=value, description=description)
