"""Deployment settings of the stack, read from CDK context (cdk.json, `cdk -c key=value`).

`python app.py` does not read cdk.json by itself (the CDK CLI does), so `cdk_json_context`
loads its context block; the app passes it as defaults, which CLI values still override.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import aws_logs as logs
from constructs import Construct

from shared.config import (
    API_GATEWAY_IDLE_TIMEOUT_S,
    DEFAULT_COST_UPDATE_INTERVAL_S,
    DEFAULT_HEARTBEAT_INTERVAL_S,
    DEFAULT_LIVE_ENERGY_WRITE_INTERVAL_S,
    HEARTBEAT_MARGIN_S,
    UNKNOWN_CHARGER_POLICIES,
    UnknownChargerPolicy,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CDK_JSON = PROJECT_ROOT / "cdk.json"

# Context keys (documented in cdk.json).
STAGE_NAME = "stageName"
UNKNOWN_CHARGERS = "unknownChargers"
HEARTBEAT_INTERVAL_S = "heartbeatIntervalS"
LOG_RETENTION_DAYS = "logRetentionDays"
EVENT_ARCHIVE_RETENTION_DAYS = "eventArchiveRetentionDays"
WS_THROTTLE_BURST_LIMIT = "wsThrottleBurstLimit"
WS_THROTTLE_RATE_LIMIT = "wsThrottleRateLimit"
API_GATEWAY_ACCOUNT_LOGGING = "apiGatewayAccountLogging"
WEBSOCKET_ACCESS_LOG = "websocketAccessLog"
PUBLISH_METER_VALUES = "publishMeterValues"
LIVE_ENERGY_WRITE_INTERVAL_S = "liveEnergyWriteIntervalS"
COST_UPDATE_INTERVAL_S = "costUpdateIntervalS"
HTTP_THROTTLE_BURST_LIMIT = "httpThrottleBurstLimit"
HTTP_THROTTLE_RATE_LIMIT = "httpThrottleRateLimit"
HTTP_ALLOWED_ORIGINS = "httpAllowedOrigins"
CUSTOM_DOMAIN_NAME = "customDomainName"
CUSTOM_DOMAIN_CERTIFICATE_ARN = "customDomainCertificateArn"
ALARM_EMAIL = "alarmEmail"
STRIPE_SECRET_NAME = "stripeSecretName"  # noqa: S105 - a context key, not a secret
WS_CONNECT_THROTTLE_BURST_LIMIT = "wsConnectThrottleBurstLimit"
WS_CONNECT_THROTTLE_RATE_LIMIT = "wsConnectThrottleRateLimit"
CHARGER_EDGE_WEB_ACL_ARN = "chargerEdgeWebAclArn"
RESERVED_CONCURRENCY = "reservedConcurrency"
DRIVER_APP_CALLBACK_URLS = "driverAppCallbackUrls"
DRIVER_SIGN_IN_DOMAIN_PREFIX = "driverSignInDomainPrefix"
RECEIPT_EMAIL_SENDER = "receiptEmailSender"
OPERATOR_CONSOLE = "operatorConsole"
CONSOLE_DIST = "consoleDist"
CERTIFICATE_ORGANIZATION = "certificateOrganization"
OCSP_RESPONDER_URL = "ocspResponderUrl"
OCSP_RESPONDER_HOSTS = "ocspResponderHosts"
CONTRACT_ROOT_CERTIFICATES = "contractRootCertificates"
CERTIFICATE_VALIDITY_DAYS = "certificateValidityDays"
SIGN_V2G_CERTIFICATES = "signV2gCertificates"

# API Gateway stage names; the name also ends up inside the CloudFront function's code.
_STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_OCSP_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s]*)?$")
# CloudFront only takes certificates from ACM in us-east-1.
_CLOUDFRONT_CERTIFICATE_ARN = re.compile(
    r"^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[\w-]+$"
)
_DOMAIN_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ORIGIN = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?$|^http://localhost(:\d{1,5})?$")
# A redirect after sign-in: the app's own scheme (com.example.app://...) or https.
_CALLBACK_URL = re.compile(r"^(https://[^\s/]+|[a-z][a-z0-9+.-]*://)[^\s]*$")
# Cognito's own domain for the managed sign-in pages: <prefix>.auth.<region>.amazoncognito.com.
_COGNITO_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Words Cognito refuses in a domain prefix.
_RESERVED = ("aws", "amazon", "cognito")
# A WAF web ACL for CloudFront: global scope, so its ARN names us-east-1.
_CLOUDFRONT_WEB_ACL_ARN = re.compile(
    r"^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/[A-Za-z0-9_-]+/[0-9a-f-]{36}$"
)


# CloudWatch Logs accepts these retention periods only.
RETENTION_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


class SettingsError(ValueError):
    """A context value is missing or invalid."""


@dataclass(frozen=True)
class StackSettings:
    stage_name: str = "prod"
    # Deployed stacks refuse chargers nobody registered.
    unknown_chargers: UnknownChargerPolicy = "reject"
    heartbeat_interval_s: int = DEFAULT_HEARTBEAT_INTERVAL_S
    log_retention_days: int = 30
    event_archive_retention_days: int = 30
    ws_throttle_burst_limit: int = 500
    ws_throttle_rate_limit: int = 1000
    # $connect alone (each runs a scrypt check): a client that reconnects in a loop cannot
    # take the stage's whole rate; 10,000 chargers reconnecting at once are back in minutes.
    ws_connect_throttle_burst_limit: int = 100
    ws_connect_throttle_rate_limit: int = 50
    # One access log line per WebSocket message costs about 7 % of the per-charger bill
    # (docs/adr/0010-cost-levers.md): off unless asked for. Errors and throttles are in API
    # Gateway's metrics and alarms either way.
    websocket_access_log: bool = False
    # MeterValuesReceived on the bus, one per session per consumer batch: nothing in the
    # platform reads it (sessions carry their live energy; TransactionStopped the final one),
    # so it is off unless an operator subscribes to it (docs/events.md).
    publish_meter_values: bool = False
    # A session's live energy is written at most once per this many seconds (0: every
    # telemetry batch); the stop writes the final energy whatever this says.
    live_energy_write_interval_s: int = DEFAULT_LIVE_ENERGY_WRITE_INTERVAL_S
    # A priced 2.0.1 session's station gets a CostUpdated at most once per this many seconds
    # (0: never), after a live-energy write (docs/adr/0044).
    cost_update_interval_s: int = DEFAULT_COST_UPDATE_INTERVAL_S
    # API Gateway writes WebSocket access logs only once the account-level CloudWatch role is
    # set (one per account and region): created with the access log unless turned off here,
    # where another stack already manages it.
    api_gateway_account_logging: bool = True
    # The operator HTTP API's default stage: requests per second and burst, across all callers.
    http_throttle_burst_limit: int = 100
    http_throttle_rate_limit: int = 50
    # Browser origins allowed to call the HTTP API (CORS); none by default.
    http_allowed_origins: tuple[str, ...] = ()
    # Chargers' host name instead of the CloudFront one; needs an ACM certificate in us-east-1.
    custom_domain_name: str | None = None
    custom_domain_certificate_arn: str | None = None
    # Where alarms are e-mailed (an SNS e-mail subscription, confirmed by the recipient).
    alarm_email: str | None = None
    # Secrets Manager name of the Stripe API key; only passed on to the functions.
    stripe_secret_name: str = "csms/stripe"  # noqa: S105 - a name, not a secret
    # An AWS WAF web ACL (CloudFront scope) for the chargers' edge: rate-based rules per IP.
    charger_edge_web_acl_arn: str | None = None
    # Function name -> reserved concurrency, a cap that also guarantees it: none by default
    # (docs/adr/0014-no-reserved-concurrency.md), e.g. {"ws_authorize": 50} where the account's
    # limit allows, so a flood of handshakes cannot take the chargers' messages' concurrency.
    reserved_concurrency: tuple[tuple[str, int], ...] = ()
    # Where Cognito's sign-in pages send the driver app back with the authorization code
    # (OAuth 2.0 code grant with PKCE; docs/drivers.md).
    driver_app_callback_urls: tuple[str, ...] = ("csms-driver://signed-in",)
    # Cognito's managed sign-in pages at <prefix>.auth.<region>.amazoncognito.com, for the
    # driver app and the operator console (a pool has one such domain). None: with the console,
    # <stack name>-<account>-<region> (infra/auth.py); without it, no pages (SRP sign-in only).
    driver_sign_in_domain_prefix: str | None = None
    # Receipts are e-mailed to drivers from this address (an SES-verified identity, or one of
    # a verified domain): the receipt_mailer function and its rule exist only when it is set.
    receipt_email_sender: str | None = None
    # The operator console (docs/adr/0033): its bucket, CloudFront distribution and Cognito
    # app client, deployed from the build in `console_dist` (`make console`; relative paths
    # are from the project root).
    operator_console: bool = True
    console_dist: str = "console/dist"
    # Stations' certificates (docs/adr/0041): the organizationName every CSR must carry (none:
    # any), how long a signed certificate lasts, and whether V2G CSRs are signed (Rejected
    # otherwise: the CA is not a V2G root).
    certificate_organization: str | None = None
    certificate_validity_days: int = 365
    sign_v2g_certificates: bool = False
    # ISO 15118 contract certificates (docs/adr/0042): the OCSP responder every status check
    # goes to, the hosts a station's own responderURL may name, and the PEM file of the V2G /
    # Mobility Operator roots a contract chain must end in (read at synth). None of them: a
    # contract certificate is refused (CertChainError), an id token alone still authorizes.
    ocsp_responder_url: str | None = None
    ocsp_responder_hosts: tuple[str, ...] = ()
    contract_root_certificates: str | None = None

    def _validate_iso15118(self) -> None:
        if self.ocsp_responder_url and not _OCSP_URL.match(self.ocsp_responder_url):
            raise SettingsError(
                f"{OCSP_RESPONDER_URL} must be an http:// or https:// URL, "
                f"got {self.ocsp_responder_url!r}"
            )
        for host in self.ocsp_responder_hosts:
            if not _DOMAIN_NAME.match(host):
                raise SettingsError(f"{OCSP_RESPONDER_HOSTS} holds {host!r}, not a host name")

    @property
    def iso15118_environment(self) -> dict[str, str]:
        """What the functions read of the ISO 15118 settings, only those set."""
        environment: dict[str, str] = {}
        if self.ocsp_responder_url:
            environment["OCSP_RESPONDER_URL"] = self.ocsp_responder_url
        if self.ocsp_responder_hosts:
            environment["OCSP_RESPONDER_HOSTS"] = ",".join(self.ocsp_responder_hosts)
        if self.contract_root_certificates:
            environment["CONTRACT_ROOT_CERTIFICATES"] = _root_bundle(
                PROJECT_ROOT / self.contract_root_certificates
            )
        return environment

    @property
    def certificate_environment(self) -> dict[str, str]:
        """What the functions read of the certificate settings, only where not the default."""
        environment: dict[str, str] = {}
        if self.certificate_organization:
            environment["CERTIFICATE_ORGANIZATION"] = self.certificate_organization
        if self.certificate_validity_days != StackSettings.certificate_validity_days:
            environment["CERTIFICATE_VALIDITY_DAYS"] = str(self.certificate_validity_days)
        if self.sign_v2g_certificates:
            environment["SIGN_V2G_CERTIFICATES"] = "true"
        return environment

    @property
    def console_dist_path(self) -> Path:
        return PROJECT_ROOT / self.console_dist

    @property
    def enabled_settings(self) -> frozenset[str]:
        """The settings that turn optional functions on (catalog FunctionDef.enabled_by)."""
        return frozenset({RECEIPT_EMAIL_SENDER} if self.receipt_email_sender else ())

    @property
    def log_retention(self) -> logs.RetentionDays:
        return RETENTION_DAYS[self.log_retention_days]

    @classmethod
    def from_scope(cls, scope: Construct) -> StackSettings:
        node = scope.node
        defaults = cls()
        policy = str(node.try_get_context(UNKNOWN_CHARGERS) or defaults.unknown_chargers)
        if policy not in UNKNOWN_CHARGER_POLICIES:
            raise SettingsError(
                f"{UNKNOWN_CHARGERS} must be one of {', '.join(UNKNOWN_CHARGER_POLICIES)}, "
                f"got {policy!r}"
            )
        settings = cls(
            stage_name=str(node.try_get_context(STAGE_NAME) or defaults.stage_name),
            unknown_chargers=policy,  # checked above
            heartbeat_interval_s=_int(
                node.try_get_context(HEARTBEAT_INTERVAL_S),
                HEARTBEAT_INTERVAL_S,
                defaults.heartbeat_interval_s,
                # Below API Gateway's idle timeout, with margin for late heartbeats.
                low=10,
                high=API_GATEWAY_IDLE_TIMEOUT_S - HEARTBEAT_MARGIN_S,
            ),
            log_retention_days=_int(
                node.try_get_context(LOG_RETENTION_DAYS),
                LOG_RETENTION_DAYS,
                defaults.log_retention_days,
            ),
            event_archive_retention_days=_int(
                node.try_get_context(EVENT_ARCHIVE_RETENTION_DAYS),
                EVENT_ARCHIVE_RETENTION_DAYS,
                defaults.event_archive_retention_days,
            ),
            ws_throttle_burst_limit=_int(
                node.try_get_context(WS_THROTTLE_BURST_LIMIT),
                WS_THROTTLE_BURST_LIMIT,
                defaults.ws_throttle_burst_limit,
            ),
            ws_throttle_rate_limit=_int(
                node.try_get_context(WS_THROTTLE_RATE_LIMIT),
                WS_THROTTLE_RATE_LIMIT,
                defaults.ws_throttle_rate_limit,
            ),
            websocket_access_log=_bool(
                node.try_get_context(WEBSOCKET_ACCESS_LOG), defaults.websocket_access_log
            ),
            publish_meter_values=_bool(
                node.try_get_context(PUBLISH_METER_VALUES), defaults.publish_meter_values
            ),
            live_energy_write_interval_s=_int(
                node.try_get_context(LIVE_ENERGY_WRITE_INTERVAL_S),
                LIVE_ENERGY_WRITE_INTERVAL_S,
                defaults.live_energy_write_interval_s,
                0,
                3600,
            ),
            cost_update_interval_s=_int(
                node.try_get_context(COST_UPDATE_INTERVAL_S),
                COST_UPDATE_INTERVAL_S,
                defaults.cost_update_interval_s,
                0,
                86_400,
            ),
            api_gateway_account_logging=_bool(
                node.try_get_context(API_GATEWAY_ACCOUNT_LOGGING),
                defaults.api_gateway_account_logging,
            ),
            http_throttle_burst_limit=_int(
                node.try_get_context(HTTP_THROTTLE_BURST_LIMIT),
                HTTP_THROTTLE_BURST_LIMIT,
                defaults.http_throttle_burst_limit,
            ),
            http_throttle_rate_limit=_int(
                node.try_get_context(HTTP_THROTTLE_RATE_LIMIT),
                HTTP_THROTTLE_RATE_LIMIT,
                defaults.http_throttle_rate_limit,
            ),
            http_allowed_origins=_origins(node.try_get_context(HTTP_ALLOWED_ORIGINS)),
            custom_domain_name=_optional(node.try_get_context(CUSTOM_DOMAIN_NAME)),
            custom_domain_certificate_arn=_optional(
                node.try_get_context(CUSTOM_DOMAIN_CERTIFICATE_ARN)
            ),
            alarm_email=_optional(node.try_get_context(ALARM_EMAIL)),
            stripe_secret_name=_optional(node.try_get_context(STRIPE_SECRET_NAME))
            or defaults.stripe_secret_name,
            driver_app_callback_urls=_strings(node.try_get_context(DRIVER_APP_CALLBACK_URLS))
            or defaults.driver_app_callback_urls,
            driver_sign_in_domain_prefix=_optional(
                node.try_get_context(DRIVER_SIGN_IN_DOMAIN_PREFIX)
            ),
            ws_connect_throttle_burst_limit=_int(
                node.try_get_context(WS_CONNECT_THROTTLE_BURST_LIMIT),
                WS_CONNECT_THROTTLE_BURST_LIMIT,
                defaults.ws_connect_throttle_burst_limit,
            ),
            ws_connect_throttle_rate_limit=_int(
                node.try_get_context(WS_CONNECT_THROTTLE_RATE_LIMIT),
                WS_CONNECT_THROTTLE_RATE_LIMIT,
                defaults.ws_connect_throttle_rate_limit,
            ),
            charger_edge_web_acl_arn=_optional(node.try_get_context(CHARGER_EDGE_WEB_ACL_ARN)),
            reserved_concurrency=_concurrency(node.try_get_context(RESERVED_CONCURRENCY)),
            receipt_email_sender=_optional(node.try_get_context(RECEIPT_EMAIL_SENDER)),
            operator_console=_bool(
                node.try_get_context(OPERATOR_CONSOLE), defaults.operator_console
            ),
            console_dist=_optional(node.try_get_context(CONSOLE_DIST)) or defaults.console_dist,
            certificate_organization=_optional(node.try_get_context(CERTIFICATE_ORGANIZATION)),
            certificate_validity_days=_int(
                node.try_get_context(CERTIFICATE_VALIDITY_DAYS),
                CERTIFICATE_VALIDITY_DAYS,
                defaults.certificate_validity_days,
                1,
                3650,
            ),
            sign_v2g_certificates=_bool(
                node.try_get_context(SIGN_V2G_CERTIFICATES), defaults.sign_v2g_certificates
            ),
            ocsp_responder_url=_optional(node.try_get_context(OCSP_RESPONDER_URL)),
            ocsp_responder_hosts=tuple(
                host.lower() for host in _strings(node.try_get_context(OCSP_RESPONDER_HOSTS))
            ),
            contract_root_certificates=_optional(node.try_get_context(CONTRACT_ROOT_CERTIFICATES)),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raises SettingsError for values AWS would only refuse at deployment."""
        self._validate_iso15118()
        if not _STAGE_NAME.match(self.stage_name):
            raise SettingsError(
                f"{STAGE_NAME} may only hold letters, digits, '-' and '_', got {self.stage_name!r}"
            )
        if self.log_retention_days not in RETENTION_DAYS:
            raise SettingsError(
                f"{LOG_RETENTION_DAYS} must be one of {sorted(RETENTION_DAYS)}, "
                f"got {self.log_retention_days}"
            )
        if (self.custom_domain_name is None) != (self.custom_domain_certificate_arn is None):
            raise SettingsError(
                f"{CUSTOM_DOMAIN_NAME} and {CUSTOM_DOMAIN_CERTIFICATE_ARN} go together"
            )
        if self.custom_domain_name and not _DOMAIN_NAME.match(self.custom_domain_name):
            raise SettingsError(
                f"{CUSTOM_DOMAIN_NAME} must be a lower-case host name, "
                f"got {self.custom_domain_name!r}"
            )
        if self.custom_domain_certificate_arn and not _CLOUDFRONT_CERTIFICATE_ARN.match(
            self.custom_domain_certificate_arn
        ):
            raise SettingsError(
                f"{CUSTOM_DOMAIN_CERTIFICATE_ARN} must be an ACM certificate ARN in us-east-1 "
                f"(CloudFront uses no other region), got {self.custom_domain_certificate_arn!r}"
            )
        if self.alarm_email and not _EMAIL.match(self.alarm_email):
            raise SettingsError(
                f"{ALARM_EMAIL} must be an e-mail address, got {self.alarm_email!r}"
            )
        if self.receipt_email_sender and not _EMAIL.match(self.receipt_email_sender):
            raise SettingsError(
                f"{RECEIPT_EMAIL_SENDER} must be an e-mail address (an SES-verified identity, "
                f"without a display name), got {self.receipt_email_sender!r}"
            )
        if self.charger_edge_web_acl_arn and not _CLOUDFRONT_WEB_ACL_ARN.match(
            self.charger_edge_web_acl_arn
        ):
            raise SettingsError(
                f"{CHARGER_EDGE_WEB_ACL_ARN} must be the ARN of a CloudFront-scope (global, "
                f"us-east-1) WAF web ACL, got {self.charger_edge_web_acl_arn!r}"
            )
        if self.ws_connect_throttle_rate_limit > self.ws_throttle_rate_limit:
            raise SettingsError(
                f"{WS_CONNECT_THROTTLE_RATE_LIMIT} cannot exceed {WS_THROTTLE_RATE_LIMIT}"
            )
        self._validate_driver_app()
        for origin in self.http_allowed_origins:
            if not _ORIGIN.match(origin):
                raise SettingsError(
                    f"{HTTP_ALLOWED_ORIGINS} takes https origins (scheme and host, no path) or "
                    f"http://localhost, got {origin!r}"
                )

    def _validate_driver_app(self) -> None:
        for url in self.driver_app_callback_urls:
            if not _CALLBACK_URL.match(url) or url.startswith("http://"):
                raise SettingsError(
                    f"{DRIVER_APP_CALLBACK_URLS} takes https URLs or an app's own scheme "
                    f"(com.example.app://...), got {url!r}"
                )
        prefix = self.driver_sign_in_domain_prefix
        if prefix is not None and (
            not _COGNITO_DOMAIN_PREFIX.match(prefix) or any(w in prefix for w in _RESERVED)
        ):
            raise SettingsError(
                f"{DRIVER_SIGN_IN_DOMAIN_PREFIX} must be lower-case letters, digits and hyphens "
                f"without 'aws', 'amazon' or 'cognito', got {prefix!r}"
            )


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The `context` block of cdk.json (feature flags and the defaults above)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{path.name} is not valid JSON: {exc}") from exc
    context = document.get("context", {}) if isinstance(document, dict) else None
    if not isinstance(context, dict):
        raise SettingsError(f"'context' in {path} must be an object")
    return context


def _int(raw: object, name: str, default: int, low: int = 1, high: int = 1_000_000) -> int:
    # `cdk -c key=value` passes strings; cdk.json passes numbers.
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw))
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


# Lambda allows 4 KB of environment per function; the other variables take well under 1 KB.
MAX_ROOT_BUNDLE_BYTES = 3000
_PEM_CERTIFICATE = re.compile(
    r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----"
)


def _root_bundle(path: Path) -> str:
    """The PEM certificates of `path`, only them, for CONTRACT_ROOT_CERTIFICATES."""
    try:
        text = path.read_text()
    except OSError as error:
        raise SettingsError(f"{CONTRACT_ROOT_CERTIFICATES}: cannot read {path}: {error}") from None
    bundle = "\n".join(match.group(0) for match in _PEM_CERTIFICATE.finditer(text))
    if not bundle:
        raise SettingsError(f"{CONTRACT_ROOT_CERTIFICATES}: no PEM certificate in {path}")
    if len(bundle.encode()) > MAX_ROOT_BUNDLE_BYTES:
        raise SettingsError(
            f"{CONTRACT_ROOT_CERTIFICATES}: {len(bundle.encode())} bytes of roots, more than the "
            f"{MAX_ROOT_BUNDLE_BYTES} a Lambda environment leaves room for"
        )
    return bundle


def _optional(raw: object) -> str | None:
    """A string setting that may be absent (None, "" in cdk.json or on the command line)."""
    value = "" if raw is None else str(raw).strip()
    return value or None


def _strings(raw: object) -> tuple[str, ...]:
    """A list in cdk.json, a comma-separated string from `-c key=a,b`."""
    if raw is None or raw == "":
        return ()
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _origins(raw: object) -> tuple[str, ...]:
    return tuple(origin.rstrip("/") for origin in _strings(raw))


def _concurrency(raw: object) -> tuple[tuple[str, int], ...]:
    """A JSON object in cdk.json, or its text from `-c reservedConcurrency='{...}'`."""
    if raw is None or raw == "":
        return ()
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{RESERVED_CONCURRENCY} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise SettingsError(f"{RESERVED_CONCURRENCY} must map function names to integers")
    return tuple(
        sorted(
            (str(name), _int(n, f"{RESERVED_CONCURRENCY}.{name}", 0)) for name, n in value.items()
        )
    )


def _bool(raw: object, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in {"1", "true", "yes", "on"}
