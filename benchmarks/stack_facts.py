"""What the cost model needs to know about the deployed stack, from the synthesized template.

Read from cdk.out when `make synth` has produced it; otherwise (or for what the template does
not say yet) from the catalog and stated defaults. `source` records which one it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.catalog import FUNCTIONS, STREAM_CONSUMERS, STREAMS, WEBSOCKET_ACCESS_LOG_FIELDS
from shared.config import DEFAULT_LIVE_ENERGY_WRITE_INTERVAL_S

ROOT = Path(__file__).resolve().parent.parent

# Without a synthesized monitoring construct, the brief's assumption: ten alarms.
DEFAULT_ALARMS = 10
DEFAULT_DASHBOARDS = 1
# infra/monitoring.py encrypts the alarm topic with a customer-managed key.
DEFAULT_KMS_KEYS = 1
# The CDK context key that turns the WebSocket stage's access log on (infra/stack_settings.py).
WEBSOCKET_ACCESS_LOG = "websocketAccessLog"

# Typical values of the $context variables an access log format may use.
ACCESS_LOG_SAMPLE_VALUES = {
    "requestId": "Kx2fAGlIoAMFfXw=",
    "requestTime": "25/Nov/2026:10:00:00 +0000",
    "eventType": "MESSAGE",
    "routeKey": "$default",
    "connectionId": "Kx2e8dWYoAMCKdQ=",
    "status": "200",
    "identity.sourceIp": "203.0.113.17",
    "authorizer.principalId": "CP-000123",
    "authorizer.error": "-",
    "integration.status": "200",
    "integration.latency": "12",
    "integration.error": "-",
    "error.message": "-",
}


@dataclass(frozen=True)
class FunctionFacts:
    memory_mb: int
    # Lambda platform log lines (START/END/REPORT) are off only with the JSON log format and
    # system log level WARN (or above).
    platform_logs: bool = True
    tracing: bool = True


@dataclass(frozen=True)
class StackFacts:
    source: str
    functions: Mapping[str, FunctionFacts]
    alarms: int = DEFAULT_ALARMS
    # What CloudWatch bills alarms by: each metric an alarm reads (a metric-math alarm reads
    # several; the expression itself is free).
    alarm_metrics: int = DEFAULT_ALARMS
    alarms_source: str = "assumed"
    dashboards: int = DEFAULT_DASHBOARDS
    kms_keys: int = DEFAULT_KMS_KEYS
    # Secrets Manager secrets the stack creates (the admission key, ADR 0027).
    secrets: int = 1
    kinesis_shards: int = 1
    # None: the WebSocket stage writes no access log.
    access_log_line_bytes: int | None = None
    log_retention_days: int = 30
    consumer_batch_size: int = 100
    consumer_window_s: float = 5.0
    # The consumer writes a session's live energy at most this often (0: every batch).
    live_energy_write_interval_s: int = DEFAULT_LIVE_ENERGY_WRITE_INTERVAL_S
    # CloudFront in front of the WebSocket API (ADR 0016), and the functions each upgrade runs.
    charger_edge: bool = True
    edge_functions: int = 1
    # The user pool's feature plan (infra/auth.py): what a driver's monthly sign-in costs.
    user_pool_tier: str = "LITE"
    notes: tuple[str, ...] = field(default_factory=tuple)


def access_log_line_bytes(log_format: str) -> int:
    """Size of one access log line: the format with each $context variable filled in."""

    def value(match: re.Match[str]) -> str:
        return ACCESS_LOG_SAMPLE_VALUES.get(match.group(1), "-")

    return len(re.sub(r"\$context\.([A-Za-z.]+[A-Za-z])", value, log_format).encode("utf-8"))


# A line of the stage's access log format (the catalog's fields, as infra/access_logs.py
# writes them) with typical values: when the access log is on and no template says otherwise.
WEBSOCKET_ACCESS_LOG_LINE_BYTES = access_log_line_bytes(
    json.dumps(WEBSOCKET_ACCESS_LOG_FIELDS, separators=(",", ":"))
)


def websocket_access_log_configured(cdk_json: Path = ROOT / "cdk.json") -> bool:
    """Whether cdk.json turns the WebSocket access log on (the stack's default is off)."""
    try:
        context = json.loads(cdk_json.read_text(encoding="utf-8")).get("context", {})
    except (OSError, ValueError):
        return False
    value = context.get(WEBSOCKET_ACCESS_LOG, False)
    return value is True or str(value).strip().lower() in {"1", "true", "yes", "on"}


def from_catalog() -> StackFacts:
    consumer = STREAM_CONSUMERS[0] if STREAM_CONSUMERS else None
    return StackFacts(
        source="infra/catalog.py (no cdk.out)",
        # infra/python_function.py: JSON log format, system log level WARN, tracing per catalog.
        functions={
            f.name: FunctionFacts(f.memory_mb, platform_logs=False, tracing=f.tracing)
            for f in FUNCTIONS
        },
        access_log_line_bytes=(
            WEBSOCKET_ACCESS_LOG_LINE_BYTES if websocket_access_log_configured() else None
        ),
        kinesis_shards=sum(s.shards for s in STREAMS),
        consumer_batch_size=consumer.batch_size if consumer else 100,
        consumer_window_s=consumer.max_batching_window_s if consumer else 5.0,
        notes=("no synthesized template: alarms, dashboard and KMS key assumed",),
    )


def _function_name(props: Mapping[str, Any]) -> str | None:
    handler = str(props.get("Handler", ""))
    parts = handler.split(".")
    return parts[1] if len(parts) >= 3 and parts[0] == "functions" else None


def _edge_functions(props: Mapping[str, Any]) -> int:
    """Functions a distribution runs on each request of its default behaviour."""
    behaviour = props.get("DistributionConfig", {}).get("DefaultCacheBehavior", {})
    return len(behaviour.get("FunctionAssociations", []))


def _alarm_metrics(props: Mapping[str, Any]) -> int:
    """Metrics one alarm is billed for: its metric, or each metric its math reads."""
    queries = props.get("Metrics")
    if not queries:
        return 1
    return sum(1 for query in queries if "MetricStat" in query)


def from_template(template: Mapping[str, Any], source: str) -> StackFacts:
    base = from_catalog()
    resources: Mapping[str, Any] = template.get("Resources", {})
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for resource in resources.values():
        by_type.setdefault(resource["Type"], []).append(resource.get("Properties", {}))

    functions = dict(base.functions)
    write_interval = base.live_energy_write_interval_s
    for props in by_type.get("AWS::Lambda::Function", []):
        variables = props.get("Environment", {}).get("Variables", {})
        if "LIVE_ENERGY_WRITE_INTERVAL_S" in variables:
            write_interval = int(variables["LIVE_ENERGY_WRITE_INTERVAL_S"])
        name = _function_name(props)
        if name is None:
            continue
        logging_config = props.get("LoggingConfig", {})
        quiet_platform = logging_config.get("LogFormat") == "JSON" and logging_config.get(
            "SystemLogLevel"
        ) in ("WARN", "ERROR")
        functions[name] = FunctionFacts(
            memory_mb=int(props.get("MemorySize", 128)),
            platform_logs=not quiet_platform,
            tracing=props.get("TracingConfig", {}).get("Mode") == "Active",
        )

    notes = []
    alarm_props = by_type.get("AWS::CloudWatch::Alarm", [])
    alarms = len(alarm_props)
    alarm_metrics = sum(_alarm_metrics(p) for p in alarm_props)
    dashboards = len(by_type.get("AWS::CloudWatch::Dashboard", []))
    kms_keys = len(by_type.get("AWS::KMS::Key", []))
    alarms_source = "counted in the template"
    if not alarms and not dashboards:
        # The template predates the monitoring construct: keep the assumptions.
        alarms, dashboards, kms_keys = DEFAULT_ALARMS, DEFAULT_DASHBOARDS, DEFAULT_KMS_KEYS
        alarm_metrics = DEFAULT_ALARMS
        alarms_source = "assumed (the template has no alarms yet)"
        notes.append("template without monitoring: 10 alarms, 1 dashboard, 1 KMS key assumed")

    stage_formats = [
        p.get("AccessLogSettings", {}).get("Format")
        for p in by_type.get("AWS::ApiGatewayV2::Stage", [])
        if p.get("AccessLogSettings")
    ]
    websocket_format = next((f for f in stage_formats if f and "eventType" in f), None)
    shards = sum(
        int(p.get("ShardCount", 1))
        for p in by_type.get("AWS::Kinesis::Stream", [])
        if p.get("StreamModeDetails", {}).get("StreamMode", "PROVISIONED") == "PROVISIONED"
    )
    mappings = [p for p in by_type.get("AWS::Lambda::EventSourceMapping", []) if "BatchSize" in p]
    retention = [
        int(p["RetentionInDays"])
        for p in by_type.get("AWS::Logs::LogGroup", [])
        if p.get("RetentionInDays")
    ]
    return StackFacts(
        source=source,
        functions=functions,
        alarms=alarms,
        alarm_metrics=alarm_metrics,
        alarms_source=alarms_source,
        dashboards=dashboards,
        kms_keys=kms_keys,
        secrets=len(by_type.get("AWS::SecretsManager::Secret", [])),
        kinesis_shards=shards or base.kinesis_shards,
        access_log_line_bytes=(
            access_log_line_bytes(websocket_format) if websocket_format else None
        ),
        log_retention_days=max(retention) if retention else base.log_retention_days,
        consumer_batch_size=int(mappings[0]["BatchSize"]) if mappings else base.consumer_batch_size,
        consumer_window_s=float(mappings[0].get("MaximumBatchingWindowInSeconds", 0))
        if mappings
        else base.consumer_window_s,
        live_energy_write_interval_s=write_interval,
        charger_edge=bool(by_type.get("AWS::CloudFront::Distribution")),
        edge_functions=sum(
            _edge_functions(p) for p in by_type.get("AWS::CloudFront::Distribution", [])
        ),
        user_pool_tier=next(
            (
                str(p.get("UserPoolTier", "ESSENTIALS"))  # Cognito's default plan
                for p in by_type.get("AWS::Cognito::UserPool", [])
            ),
            base.user_pool_tier,
        ),
        notes=tuple(notes),
    )


def load(cdk_out: Path = ROOT / "cdk.out") -> StackFacts:
    templates = sorted(cdk_out.glob("*.template.json")) if cdk_out.is_dir() else []
    if not templates:
        return from_catalog()
    return from_template(json.loads(templates[0].read_text()), f"cdk.out/{templates[0].name}")
