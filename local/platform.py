"""The whole local platform in one process: moto, the catalog's resources, the gateway.

    async with LocalPlatform(LocalSettings(port=0, moto_port=0)) as platform:
        ...  # platform.ws_url, platform.http_url, platform.management_endpoint

Start order matters: moto and the gateway bind first (ports may be 0), then the handlers'
environment is set, then resources are created, and only then are the handler modules
imported, so their module-level set-up (settings, boto3 clients) sees the local endpoints.
Each platform is a fresh "deployment": handler modules are imported anew (cold start) and
process-wide caches of settings and clients are cleared, so platforms started one after
the other in a test session never talk to a previous platform's ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import secrets
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra import catalog
from local.certificate_authority import set_up_certificate_authority
from local.delivery import ConsumerTable, Delivery, DeliveryConfig
from local.gateway import GatewayConfig, LocalGateway, RouteTable
from local.invoke import Invoker, load_handler
from local.memory_store import MemoryStore, wired
from local.moto_server import MotoServer
from local.moto_transport import InProcessTransport, install, uninstall
from local.ocsp_responder import LocalContractPki
from local.receipt_email import LocalReceiptEmail, set_up_receipt_email
from local.settings import LocalSettings, handler_environment
from local.state import SAVE_INTERVAL_S, StateDir
from local.stripe_server import LocalStripe
from local.tls import LocalTls, ensure_tls
from local.workflows import WorkflowTable, workflow_environment
from shared.config import DEFAULT_STRIPE_SECRET_NAME

logger = logging.getLogger("local.platform")

# Set by the user, these win over the platform's defaults (e.g. POWERTOOLS_LOG_LEVEL=DEBUG).
USER_OVERRIDABLE = (
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_METRICS_DISABLED",
    "POWERTOOLS_TRACE_DISABLED",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "CSMS_LOG_FORMAT",  # "json": the lines as on AWS
)


class LocalPlatform:
    """moto + resources + gateway, started and stopped together.

    `routes`: handlers to serve instead of the catalog's (tests inject fakes);
    `consumers`: stream and rule consumers instead of the catalog's (`self.delivery`);
    `workflows`: state machines, their rules and their tasks' functions instead of the
    catalog's (local/workflows.py);
    `gateway_config`: overrides the gateway settings derived from `settings`;
    `reset_moto`: empty moto's (process-global) state first.
    """

    def __init__(
        self,
        settings: LocalSettings | None = None,
        *,
        routes: RouteTable | None = None,
        consumers: ConsumerTable | None = None,
        workflows: WorkflowTable | None = None,
        gateway_config: GatewayConfig | None = None,
        reset_moto: bool = True,
    ) -> None:
        self.settings = settings or LocalSettings()
        self._routes = routes
        self._consumers = consumers
        self._workflows = workflows
        # The definitions are known now; their tasks' handlers are imported at start.
        self._workflow_definitions = workflows or WorkflowTable(
            catalog.STATE_MACHINES, catalog.WORKFLOW_RULES
        )
        # Set while state machines run: what start() installed, for stop() to undo.
        self._workflow_invoker: Invoker | None = None
        self._saved_moto_config: dict[str, Any] | None = None
        # State machine id -> its ARN in moto, while started.
        self.state_machines: dict[str, str] = {}
        self._reset_moto = reset_moto
        s = self.settings
        # The catalog's rules, and the optional ones whose setting is on (as the stack does).
        self._event_rules = catalog.event_rules(s.enabled_settings)
        # --receipt-email-sender: moto's SES identity and user pool, while started.
        self.receipt_email: LocalReceiptEmail | None = None
        # --tls: wss:// for chargers with a certificate of a local CA (local/tls.py), its files
        # in the state folder (kept with the CA) or in a temporary one.
        self._tls_temp: tempfile.TemporaryDirectory[str] | None = None
        self.tls: LocalTls | None = None
        if s.tls:
            if s.state_dir:
                tls_dir = Path(s.state_dir) / "tls"
            else:
                self._tls_temp = tempfile.TemporaryDirectory(prefix="csms-tls-")
                tls_dir = Path(self._tls_temp.name)
            self.tls = ensure_tls(tls_dir, (s.host,))
        self.gateway = LocalGateway(
            None,
            gateway_config
            or GatewayConfig(
                host=s.host,
                port=s.port,
                stage=s.stage,
                region=s.region,
                account_id=s.account_id,
                idle_timeout_s=s.idle_timeout_s,
                max_connection_s=s.max_connection_s,
                console_dir=s.console_dir,
                access_token_ttl_s=s.token_ttl_s,
                tls_port=s.tls_port,
                ssl_context=self.tls.server_context() if self.tls else None,
            ),
        )
        self.moto = MotoServer(s.host, s.moto_port)
        # Streams and event rules to their consumers; `await platform.delivery.drain()` waits
        # until everything put or published so far has been delivered.
        self.delivery = Delivery(
            DeliveryConfig(
                region=s.region,
                account_id=s.account_id,
                batching_window_s=s.batching_window_s,
                retry_delay_s=s.delivery_retry_delay_s,
            ),
            event_rules=(*self._event_rules, *self._workflow_definitions.event_rules()),
        )
        self._transport: InProcessTransport | None = None
        # --store memory: the handlers' tables (None with moto).
        self.memory_store: MemoryStore | None = None
        self._wiring = contextlib.ExitStack()
        self.environment: dict[str, str] = {}
        self._saved_environment: dict[str, str | None] = {}
        self._started = False
        self.stripe: LocalStripe | None = LocalStripe() if self.settings.stripe else None
        # The retained tables kept between runs (local/state.py), if a folder is set.
        self.state = StateDir(Path(s.state_dir)) if s.state_dir else None
        self._saving: asyncio.Task[None] | None = None
        # The ISO 15118 contract PKI and its OCSP responder (docs/adr/0042), while started.
        self.contract_pki: LocalContractPki | None = None
        # The certificate authority's chain (PEM) while started (docs/adr/0041).
        self.certificate_authority: str | None = None

    async def start(self) -> None:
        s = self.settings
        try:
            if self.stripe is not None:
                await asyncio.to_thread(self.stripe.start)
            await asyncio.to_thread(self.moto.start)
            assert self.moto.app is not None
            self._transport = InProcessTransport(self.moto.endpoint, self.moto.app)
            install(self._transport)
            if self._reset_moto:
                await asyncio.to_thread(self.moto.reset)
            await self.gateway.start()
            # The operator the console signs in with one click (in memory: at every start).
            await asyncio.to_thread(
                self.gateway.identity.seed_development_operator,
                s.operator_email,
                s.operator_password,
            )
            self.environment = handler_environment(
                self.settings,
                moto_endpoint=self.moto.endpoint,
                management_endpoint=self.gateway.management_endpoint,
                moto_port=self.moto.port,
                stripe_api_base=self.stripe.api_base if self.stripe else None,
                files_base_url=self.gateway.base_url,
            )
            # VTNs notify sites at <gateway>/webhooks/openadr (docs/adr/0052).
            self.environment["GRID_WEBHOOK_BASE_URL"] = self.gateway.base_url
            self.environment.update(
                workflow_environment(
                    self._workflow_definitions, self.settings.region, self.settings.account_id
                )
            )
            if self.settings.receipt_email_sender:
                self.receipt_email = await asyncio.to_thread(
                    set_up_receipt_email,
                    self.moto.endpoint,
                    self.settings.region,
                    self.settings.receipt_email_sender,
                )
                self.environment.update(self.receipt_email.environment)
                # Users signed up from now on exist in the pool the mailer looks them up in.
                self.gateway.identity.directory = self.receipt_email.register
            self.contract_pki = self._wiring.enter_context(LocalContractPki(s.host))
            self.environment.update(self.contract_pki.environment)
            for name in USER_OVERRIDABLE:
                if name in os.environ:
                    self.environment[name] = os.environ[name]
            self._apply_environment(self.environment)
            await asyncio.to_thread(_create_resources, self.moto.endpoint)
            await asyncio.to_thread(self._load_state)
            await asyncio.to_thread(self._connect_stripe)
            self.certificate_authority = await asyncio.to_thread(
                set_up_certificate_authority,
                self.moto.endpoint,
                self.environment,
                self.state.path if self.state else None,
            )
            if self.settings.store == "memory":
                self.memory_store = MemoryStore()
                self._wiring.enter_context(wired(self.memory_store))
            if self._routes is None or self._consumers is None:
                _forget_previous_deployment()
            routes = self._routes
            if routes is None:
                routes = await asyncio.to_thread(RouteTable.from_catalog)
            self.gateway.routes = routes
            consumers = self._consumers
            if consumers is None:
                consumers = await asyncio.to_thread(
                    ConsumerTable.from_catalog, event_rules=self._event_rules
                )
            if self._workflow_definitions.state_machines:
                consumers = await asyncio.to_thread(self._start_workflows, consumers)
            await self.delivery.start(self.moto.endpoint, consumers)
            self._start_saving()
            self._started = True
        except BaseException:
            await self.stop()
            raise

    def _load_state(self) -> None:
        state = self.state
        if state is None:
            return
        if self.settings.fresh:
            state.clear()
            logger.info("starting fresh: the data kept in %s is gone", state.path)
            return
        loaded = state.load(self._dynamodb())
        logger.info("loaded %d items kept in %s", loaded, state.path)

    def _start_saving(self) -> None:
        if self.state is not None:
            self._saving = asyncio.create_task(self._save_state_periodically(self.state))

    async def _save_state_periodically(self, state: StateDir) -> None:
        while True:
            await asyncio.sleep(SAVE_INTERVAL_S)
            try:
                await asyncio.to_thread(state.save, self._dynamodb())
            except Exception:
                # The next save (or the one at stop) tries again; the platform keeps running.
                logger.exception("could not save the local data to %s", state.path)

    async def _stop_saving(self) -> None:
        """The last save, after the gateway and the consumers stopped writing."""
        saving, self._saving = self._saving, None
        if saving is None or self.state is None:
            return
        saving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await saving
        try:
            saved = await asyncio.to_thread(self.state.save, self._dynamodb())
        except Exception:
            # Whatever the last periodic save wrote stays; the rest of the stop must run.
            logger.exception("could not keep the local data in %s", self.state.path)
            return
        logger.info("kept %d items in %s (--fresh forgets them)", saved, self.state.path)

    def _dynamodb(self) -> Any:
        import boto3

        from local.settings import DUMMY_CREDENTIAL

        return boto3.session.Session(
            aws_access_key_id=DUMMY_CREDENTIAL,
            aws_secret_access_key=DUMMY_CREDENTIAL,
            region_name=self.settings.region,
        ).client("dynamodb", endpoint_url=self.moto.endpoint)

    def _connect_stripe(self) -> None:
        """The secret the functions read the Stripe keys from (on AWS the operator creates
        it: docs/payments.md), and localstripe's webhooks to the gateway's webhook route."""
        from local.stripe_server import API_KEY

        create_stripe_secret(self.moto.endpoint, self.environment, API_KEY)
        create_admission_key(self.moto.endpoint, self.environment)
        if self.stripe is not None:
            self.stripe.send_webhooks_to(
                f"{self.gateway.base_url}/webhooks/stripe", LOCAL_WEBHOOK_SECRET
            )

    async def stop(self) -> None:
        """Close the WebSockets (1001, `$disconnect` runs), stop the gateway, the stream and
        rule delivery, then moto and the Stripe server."""
        try:
            await self.gateway.stop()
        finally:
            try:
                await self.delivery.stop()
            finally:
                await self._stop_saving()
                self._stop_workflows()
                if self._transport is not None:
                    uninstall(self._transport)
                    self._transport = None
                await asyncio.to_thread(self.moto.stop)
                if self.stripe is not None:
                    await asyncio.to_thread(self.stripe.stop)
                self._wiring.close()
                self.memory_store = None
                self.receipt_email = None
                self.gateway.identity.directory = None
                self._restore_environment()
                _restore_logging()
                self._started = False

    async def __aenter__(self) -> LocalPlatform:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def ws_url(self) -> str:
        """Charger URL prefix: ws://host:port/ocpp (chargers append "/{chargePointId}")."""
        return self.gateway.ws_url

    @property
    def wss_url(self) -> str:
        """Charger URL prefix over TLS (--tls): wss://localhost:port/ocpp."""
        return self.gateway.wss_url

    @property
    def http_url(self) -> str:
        return f"{self.gateway.base_url}/api"

    @property
    def driver_url(self) -> str:
        """The driver API (the mobile app's)."""
        return f"{self.gateway.base_url}/driver"

    @property
    def console_url(self) -> str:
        """The operator console (signs in through the identity provider below)."""
        return self.gateway.console_url

    @property
    def identity_url(self) -> str:
        """The development identity provider (Cognito's stand-in): users, tokens, JWKS."""
        return self.gateway.identity.issuer

    @property
    def management_endpoint(self) -> str:
        return self.gateway.management_endpoint

    @property
    def moto_endpoint(self) -> str:
        return self.moto.endpoint

    def id_tags(self) -> Any:
        """The id tag table the handlers read (shared.ports.IdTagRepository), to seed tags:
        built by the functions' own factory, so it follows the store (moto or memory)."""
        from shared import bootstrap
        from shared.config import get_settings

        return bootstrap.aws_dependencies(get_settings()).id_tags

    def _start_workflows(self, consumers: ConsumerTable) -> ConsumerTable:
        """Blocking: moto's parser on, the state machines created, their Lambda tasks and
        StartSyncExecution served; returns `consumers` plus the rules' starters."""
        from moto.core.config import default_user_config

        from local.lambda_service import LambdaService
        from local.step_functions import step_functions_interceptor
        from local.workflows import create_state_machines, rule_starters

        s = self.settings
        table = self._workflows or WorkflowTable.from_catalog()
        if self.memory_store is not None and any(m.tables for m in table.state_machines):
            logger.warning(
                "--store memory: the workflows' DynamoDB tasks change moto's tables, "
                "not the handlers' (in memory)"
            )
        self._saved_moto_config = dict(default_user_config.get("stepfunctions", {}))
        self.moto.configure(
            {"stepfunctions": {**self._saved_moto_config, "execute_state_machine": True}}
        )
        assert self.moto.app is not None
        # No API Gateway in front of the tasks: only the function's own timeout applies.
        invoker = self._workflow_invoker = Invoker(
            region=s.region, account_id=s.account_id, integration_timeout_s=math.inf
        )
        self.moto.app.interceptors += [
            LambdaService(table.functions, invoker),
            step_functions_interceptor,
        ]
        client = _stepfunctions_client(self.moto.endpoint, s.region)
        arns = self.state_machines = create_state_machines(client, table, s.region, s.account_id)
        starters = rule_starters(
            table,
            arns,
            lambda arn, payload: client.start_execution(stateMachineArn=arn, input=payload),
        )
        return ConsumerTable({**consumers.functions, **starters})

    def _stop_workflows(self) -> None:
        self.state_machines = {}
        if self.moto.app is not None:
            self.moto.app.interceptors.clear()
        invoker, self._workflow_invoker = self._workflow_invoker, None
        if invoker is not None:
            invoker.close(wait=False)
        saved, self._saved_moto_config = self._saved_moto_config, None
        if saved is not None:
            from moto.core.config import default_user_config

            # In-process: moto may be stopping already, and its config is this process's.
            default_user_config["stepfunctions"] = saved  # type: ignore[typeddict-item]

    def _apply_environment(self, environment: Mapping[str, str]) -> None:
        for name, value in environment.items():
            self._saved_environment.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        _clear_settings_cache()

    def _restore_environment(self) -> None:
        for name, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_environment.clear()
        _clear_settings_cache()


# Signs localstripe's webhooks; the functions check them with it (local only).
LOCAL_WEBHOOK_SECRET = "whsec_local_development"  # noqa: S105 - a local-only value


def create_stripe_secret(endpoint_url: str, environment: Mapping[str, str], api_key: str) -> None:
    import boto3

    client = boto3.client(
        "secretsmanager", endpoint_url=endpoint_url, region_name=environment["AWS_REGION"]
    )
    value = json.dumps({"apiKey": api_key, "webhookSecret": LOCAL_WEBHOOK_SECRET})
    name = environment.get("STRIPE_SECRET_NAME") or DEFAULT_STRIPE_SECRET_NAME
    try:
        client.create_secret(Name=name, SecretString=value)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=name, SecretString=value)


def create_admission_key(endpoint_url: str, environment: Mapping[str, str]) -> None:
    """The $connect authorizer's admission key (docs/adr/0027; on AWS CDK generates it): a
    random one for this moto, kept if it exists (stored fast checks stay valid)."""
    import boto3

    from shared.config import ADMISSION_KEY_FIELD

    name = environment.get("ADMISSION_KEY_SECRET")
    if not name:
        return
    client = boto3.client(
        "secretsmanager", endpoint_url=endpoint_url, region_name=environment["AWS_REGION"]
    )
    value = json.dumps({ADMISSION_KEY_FIELD: secrets.token_urlsafe(48)})
    with contextlib.suppress(client.exceptions.ResourceExistsException):
        client.create_secret(Name=name, SecretString=value)


def _create_resources(endpoint_url: str) -> None:
    from local.resources import create_resources

    create_resources(endpoint_url=endpoint_url)


def _stepfunctions_client(endpoint_url: str, region: str) -> Any:
    import boto3

    from local.settings import DUMMY_CREDENTIAL

    return boto3.session.Session(
        aws_access_key_id=DUMMY_CREDENTIAL,
        aws_secret_access_key=DUMMY_CREDENTIAL,
        region_name=region,
    ).client("stepfunctions", endpoint_url=endpoint_url)


def _clear_settings_cache() -> None:
    """`shared.config.get_settings()` is read once per process: make it read the new env."""
    config = sys.modules.get("shared.config")
    if config is not None:
        config.get_settings.cache_clear()


def _restore_logging() -> None:
    """The handlers switched their logger to text lines (CSMS_LOG_FORMAT, now restored): back
    to what the environment says, so later code in this process (tests) logs as before."""
    observability = sys.modules.get("shared.observability")
    if observability is not None:
        observability.configure_logging()


def _forget_previous_deployment() -> None:
    """Make the next handler import a cold start: fresh modules, fresh boto3 clients."""
    for name in [m for m in sys.modules if m == "functions" or m.startswith("functions.")]:
        del sys.modules[name]
    load_handler.cache_clear()
    aws = sys.modules.get("shared.adapters.aws_clients")
    forget_clients = getattr(aws, "forget_clients", None)
    if forget_clients is not None:
        forget_clients()
