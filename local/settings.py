"""Local-mode defaults and the environment the handlers get when run by the local platform.

Every default can be overridden by an environment variable (and, for `python -m local`, by
a command-line flag):

| setting              | env var                 | default              |
|----------------------|-------------------------|----------------------|
| gateway host         | LOCAL_HOST              | 127.0.0.1            |
| gateway port         | LOCAL_PORT              | 8080                 |
| moto port            | LOCAL_MOTO_PORT         | 4566                 |
| unknown chargers     | UNKNOWN_CHARGERS        | accept               |
| heartbeat interval   | HEARTBEAT_INTERVAL_S    | 570                  |
| live energy writes   | LIVE_ENERGY_WRITE_INTERVAL_S | 0 (every batch; AWS: 300) |
| running cost (2.0.1) | COST_UPDATE_INTERVAL_S  | 60 (AWS: 300; 0: off) |
| operator dev token   | OPERATOR_DEV_TOKEN      | dev-operator-token   |
| region               | AWS_REGION              | us-east-1            |
| WebSocket idle close | LOCAL_IDLE_TIMEOUT_S    | 600 (API Gateway's)  |
| connection max age   | LOCAL_MAX_CONNECTION_S  | 7200 (API Gateway's) |
| stream batch window  | LOCAL_BATCHING_WINDOW_S | each consumer's      |
| delivery retry delay | LOCAL_DELIVERY_RETRY_DELAY_S | 0.5             |
| handlers' tables     | LOCAL_STORE             | moto (or memory)     |
| receipt e-mail sender | LOCAL_RECEIPT_EMAIL_SENDER | none (no e-mails) |
| kept data (local/state.py) | LOCAL_STATE_DIR | none; `python -m local`: .local/state |
| built operator console | LOCAL_CONSOLE_DIR     | console/dist         |
| development operator | LOCAL_OPERATOR_EMAIL    | operator@csms.localhost |
| its password         | LOCAL_OPERATOR_PASSWORD | dev-operator         |
| token lifetime (IdP) | LOCAL_TOKEN_TTL_S       | 3600 (Cognito's)     |
| wss:// for chargers  | LOCAL_TLS               | off (1: on)          |
| its port             | LOCAL_TLS_PORT          | 8443                 |

`LOCAL_STORE=memory` keeps the handlers' DynamoDB tables in the platform's memory instead of
moto (local/memory_store.py): for load runs with hundreds of chargers; Kinesis, EventBridge
and the consumers stay on moto either way.

Locally unknown chargers are accepted (on AWS the default is "reject"), so any simulator
connects without provisioning. The operator API accepts `Authorization: Bearer
dev-operator-token` locally; this token never exists on AWS. The operator console signs in
the development operator (in the operators group, created at every start) through the local
identity provider; `LOCAL_TOKEN_TTL_S` shortens its tokens' lifetime (browser tests of expiry).

`LOCAL_TLS=1` (`python -m local --tls`) also serves the charger endpoint as wss:// on its own
port, with a certificate from a local CA (local/tls.py; the files in the state folder, the CA
file named in the banner): security profile 2, TLS and Basic auth, end to end.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from local.identity.provider import (
    ACCESS_TOKEN_TTL_S,
    PASSWORD_MIN_LENGTH,
    IdentityError,
    normalise_email,
)
from local.memory_store import STORES, Store
from shared.config import (
    API_GATEWAY_IDLE_TIMEOUT_S,
    API_GATEWAY_MAX_CONNECTION_S,
    DEFAULT_HEARTBEAT_INTERVAL_S,
    UNKNOWN_CHARGER_POLICIES,
    ConfigError,
    UnknownChargerPolicy,
    settings_from,
)

# Local only, documented: stands in for the Cognito JWT the operator API gets on AWS.
DEFAULT_OPERATOR_DEV_TOKEN = "dev-operator-token"  # noqa: S105
# The development operator of the identity provider (local only, printed in the banner).
DEFAULT_OPERATOR_EMAIL = "operator@csms.localhost"
DEFAULT_OPERATOR_PASSWORD = "dev-operator"  # noqa: S105
DUMMY_CREDENTIAL = "testing"
# The admission key's secret in moto (docs/adr/0027): created with a random key at start-up.
LOCAL_ADMISSION_KEY_SECRET = "csms/admission-key"  # noqa: S105 - a name, not a secret
STAGE = "local"
# The certificate authority's secret in moto (docs/adr/0041): local/certificate_authority.py.
LOCAL_CA_SECRET = "csms/certificate-authority"  # noqa: S105 - a name, not a secret
# As the stack checks receiptEmailSender (infra/stack_settings.py).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class LocalSettings:
    host: str = "127.0.0.1"
    port: int = 8080  # 0: any free port
    moto_port: int = 4566  # 0: any free port
    unknown_chargers: UnknownChargerPolicy = "accept"
    heartbeat_interval_s: int = DEFAULT_HEARTBEAT_INTERVAL_S
    # A session's live energy after every telemetry batch: a developer watching a session
    # wants it now; on AWS the stack writes it at most every five minutes (cost).
    live_energy_write_interval_s: int = 0
    # A priced 2.0.1 session's CostUpdated at most once a minute of its readings (AWS: 300 s).
    cost_update_interval_s: int = 60
    operator_dev_token: str = DEFAULT_OPERATOR_DEV_TOKEN
    region: str = "us-east-1"
    account_id: str = "123456789012"
    stage: str = STAGE
    idle_timeout_s: float = API_GATEWAY_IDLE_TIMEOUT_S
    max_connection_s: float = API_GATEWAY_MAX_CONNECTION_S
    # Stream and rule delivery (local/delivery): None keeps each stream consumer's
    # max_batching_window_s; the delay separates retries of a failed batch or event. Locally
    # batches close after 5 s (on AWS after up to 5 min, to save writes) so a developer sees
    # live session energy move.
    batching_window_s: float | None = 5.0
    delivery_retry_delay_s: float = 0.5
    store: Store = "moto"
    # The local Stripe server (localstripe, a child process). Off by default for tests that
    # need no payments (it takes a second or two to start); `python -m local` turns it on.
    stripe: bool = False
    # Receipt e-mails, as the stack setting receiptEmailSender (local/receipt_email.py): the
    # identity verified in moto's SES and the rule on ReceiptIssued wired. None: no e-mails.
    receipt_email_sender: str | None = None
    # Where the retained tables are kept between runs (local/state.py); None: nothing is kept
    # (tests, load runs). `fresh`: forget what was kept before starting.
    state_dir: str | None = None
    fresh: bool = False
    # The built operator console served at /console/; None: console/dist of this checkout.
    console_dir: str | None = None
    # Signed in by the console's "Continue as the development operator" (operators group).
    operator_email: str = DEFAULT_OPERATOR_EMAIL
    operator_password: str = DEFAULT_OPERATOR_PASSWORD
    # Lifetime of the identity provider's access and ID tokens, seconds.
    token_ttl_s: int = ACCESS_TOKEN_TTL_S
    # wss:// for chargers on `tls_port` (0: any free port) beside the plain port (local/tls.py).
    tls: bool = False
    tls_port: int = 8443

    @property
    def enabled_settings(self) -> frozenset[str]:
        """The stack settings this platform runs with (catalog FunctionDef.enabled_by)."""
        return frozenset({"receiptEmailSender"} if self.receipt_email_sender else ())

    def __post_init__(self) -> None:
        if self.store not in STORES:
            raise ConfigError(f"store must be one of {', '.join(STORES)}, got {self.store!r}")
        if self.unknown_chargers not in UNKNOWN_CHARGER_POLICIES:
            raise ConfigError(
                f"unknown chargers must be one of {', '.join(UNKNOWN_CHARGER_POLICIES)}, "
                f"got {self.unknown_chargers!r}"
            )
        sender = self.receipt_email_sender
        if sender is not None and not _EMAIL.match(sender):
            raise ConfigError(
                f"the receipt e-mail sender must be an e-mail address, got {sender!r}"
            )
        if self.token_ttl_s < 1:
            raise ConfigError(f"the token lifetime must be at least 1 s, got {self.token_ttl_s}")
        try:
            normalise_email(self.operator_email)
        except IdentityError as exc:
            raise ConfigError(
                f"the development operator needs an e-mail address, got {self.operator_email!r}"
            ) from exc
        if len(self.operator_password) < PASSWORD_MIN_LENGTH:
            raise ConfigError(
                f"the development operator's password needs at least {PASSWORD_MIN_LENGTH} "
                "characters"
            )
        if self.state_dir is not None and self.store == "memory":
            # local/state.py keeps moto's tables; the memory store is for load runs.
            raise ConfigError("kept data (a state folder) needs the moto store, not --store memory")
        if sender is not None and self.store == "memory":
            # The mailer claims receipts in the Receipts table; with --store memory it is empty.
            raise ConfigError("receipt e-mails need the moto store (not --store memory)")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LocalSettings:
        env = os.environ if env is None else env
        defaults = cls()

        def number(name: str, default: float) -> float:
            raw = env.get(name)
            if not raw:
                return default
            try:
                return float(raw)
            except ValueError as exc:
                raise ConfigError(f"{name} must be a number, got {raw!r}") from exc

        return cls(
            host=env.get("LOCAL_HOST") or defaults.host,
            port=int(number("LOCAL_PORT", defaults.port)),
            moto_port=int(number("LOCAL_MOTO_PORT", defaults.moto_port)),
            unknown_chargers=env.get("UNKNOWN_CHARGERS") or defaults.unknown_chargers,  # type: ignore[arg-type]  # checked in __post_init__
            heartbeat_interval_s=int(number("HEARTBEAT_INTERVAL_S", defaults.heartbeat_interval_s)),
            live_energy_write_interval_s=int(
                number("LIVE_ENERGY_WRITE_INTERVAL_S", defaults.live_energy_write_interval_s)
            ),
            cost_update_interval_s=int(
                number("COST_UPDATE_INTERVAL_S", defaults.cost_update_interval_s)
            ),
            operator_dev_token=env.get("OPERATOR_DEV_TOKEN") or defaults.operator_dev_token,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or defaults.region,
            idle_timeout_s=number("LOCAL_IDLE_TIMEOUT_S", defaults.idle_timeout_s),
            max_connection_s=number("LOCAL_MAX_CONNECTION_S", defaults.max_connection_s),
            batching_window_s=(
                number("LOCAL_BATCHING_WINDOW_S", 0.0)
                if env.get("LOCAL_BATCHING_WINDOW_S")
                else defaults.batching_window_s
            ),
            delivery_retry_delay_s=number(
                "LOCAL_DELIVERY_RETRY_DELAY_S", defaults.delivery_retry_delay_s
            ),
            store=env.get("LOCAL_STORE") or defaults.store,  # type: ignore[arg-type]  # checked in __post_init__
            receipt_email_sender=env.get("LOCAL_RECEIPT_EMAIL_SENDER") or None,
            state_dir=env.get("LOCAL_STATE_DIR") or None,
            console_dir=env.get("LOCAL_CONSOLE_DIR") or None,
            operator_email=env.get("LOCAL_OPERATOR_EMAIL") or defaults.operator_email,
            operator_password=env.get("LOCAL_OPERATOR_PASSWORD") or defaults.operator_password,
            token_ttl_s=int(number("LOCAL_TOKEN_TTL_S", defaults.token_ttl_s)),
            tls=env.get("LOCAL_TLS", "").strip().lower() in {"1", "true", "yes", "on"},
            tls_port=int(number("LOCAL_TLS_PORT", defaults.tls_port)),
        )

    def replace(self, **changes: object) -> LocalSettings:
        """A copy with `changes` applied; None values are ignored (unset CLI flags)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]


def resource_environment(endpoint_url: str) -> dict[str, str]:
    """Env var -> local resource name for the catalog's tables and bus (local.resources)."""
    from local.resources import local_environment

    return local_environment(endpoint_url)


# Where the functions send Stripe calls without a local Stripe server: a closed port, so that
# a payment fails at once and nothing ever reaches the real Stripe from a local run.
NO_STRIPE = "http://127.0.0.1:9"


def handler_environment(
    settings: LocalSettings,
    *,
    moto_endpoint: str,
    management_endpoint: str,
    moto_port: int,
    stripe_api_base: str | None = None,
    files_base_url: str = "",
) -> dict[str, str]:
    """Everything the handlers read, pointing boto3 at moto and @connections at the gateway.

    The result is validated with `shared.config.settings_from`, so a local setting the
    functions would refuse fails here, at start-up.
    """
    environment = {
        # Dummy credentials: never a real account, even with a profile configured.
        "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIAL,
        "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIAL,
        "AWS_SESSION_TOKEN": DUMMY_CREDENTIAL,
        "AWS_SECURITY_TOKEN": DUMMY_CREDENTIAL,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": settings.region,
        "AWS_DEFAULT_REGION": settings.region,
        # Every boto3 client goes to moto, except the management API which is the gateway's.
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": management_endpoint,
        # StartSyncExecution's endpoint is `sync-states...` on AWS; prefixed to moto's it would
        # be `sync-127.0.0.1`, which resolves nowhere.
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "WS_MANAGEMENT_ENDPOINT": management_endpoint,
        "MOTO_PORT": str(moto_port),
        "UNKNOWN_CHARGERS": settings.unknown_chargers,
        "HEARTBEAT_INTERVAL_S": str(settings.heartbeat_interval_s),
        "LIVE_ENERGY_WRITE_INTERVAL_S": str(settings.live_energy_write_interval_s),
        "COST_UPDATE_INTERVAL_S": str(settings.cost_update_interval_s),
        "OPERATOR_DEV_TOKEN": settings.operator_dev_token,
        "STRIPE_API_BASE": stripe_api_base or NO_STRIPE,
        "ADMISSION_KEY_SECRET": LOCAL_ADMISSION_KEY_SECRET,
        "CA_SECRET_NAME": LOCAL_CA_SECRET,
        # Chargers fetch and upload files at <gateway>/files/<token> (docs/adr/0045).
        "FILES_BASE_URL": files_base_url,
        "POWERTOOLS_SERVICE_NAME": "csms",
        "POWERTOOLS_METRICS_NAMESPACE": "Csms",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        # One readable line per record on the console, not JSON (shared/observability.py).
        "CSMS_LOG_FORMAT": "text",
        # No X-Ray daemon locally, and no CloudWatch to read EMF metric lines: they would only
        # flood the console (set POWERTOOLS_METRICS_DISABLED=false to see them). The handlers
        # emit self-contained single metrics, so disabling keeps no state behind.
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    environment.update(resource_environment(moto_endpoint))
    environment["AWS_ENDPOINT_URL"] = moto_endpoint
    settings_from(environment)  # raises ConfigError on anything the functions would reject
    return environment
