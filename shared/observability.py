"""Powertools logger, configured from the environment (POWERTOOLS_* variables).

The logic modules log through standard `logging` loggers named "csms.*"; their records get the
same structured JSON format as the handler's logger. The local platform sets
`CSMS_LOG_FORMAT=text`: one readable line per record instead (a developer reads a console,
not CloudWatch Logs Insights), with the record's fields (chargePointId, reason, ...) as
`key=value` after the message.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "csms")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Csms")

logger = Logger()
_JSON_FORMATTER = logger.registered_formatter
LOG_FORMAT_ENV = "CSMS_LOG_FORMAT"


class TextFormatter(LambdaPowertoolsFormatter):
    """`12:00:01 WARNING csms.access.admission connection refused chargePointId=CP-1 reason=...`

    A Powertools formatter (the logger's append_keys and inject_lambda_context need one) that
    writes text; the keys Powertools appends (Lambda context, cold start) are left out.
    """

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(
            f"{name}={value}"
            for name, value in record.__dict__.items()
            if name not in _RECORD_ATTRIBUTES and not name.startswith("_") and value is not None
        )
        line = (
            f"{time.strftime('%H:%M:%S', time.localtime(record.created))} {record.levelname} "
            f"{record.name} {record.getMessage()}" + (f" {fields}" if fields else "")
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


# What every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


def configure_logging() -> None:
    """Give the logic's "csms.*" loggers the handler logger's format and level: JSON (AWS), or
    text with `CSMS_LOG_FORMAT=text` (local).

    Either way each record is written once, by the handler logger's handler: the records of
    "csms.*" reach it by propagation, and "csms" does not pass them on to the root logger
    (locally the platform's console handler would write each of them a second time).
    """
    csms = logging.getLogger("csms")
    csms.setLevel(logger.log_level)
    text = os.environ.get(LOG_FORMAT_ENV) == "text"
    logger.registered_handler.setFormatter(TextFormatter() if text else _JSON_FORMATTER)
    csms.propagate = not text
    copy_config_to_registered_loggers(source_logger=logger, include={"csms"})


# Metric values are summed in memory and written as one EMF line per metric series at most
# every METRICS_FLUSH_INTERVAL_S (60 s): one log line per message would cost more than the
# DynamoDB writes of a charger (docs/cost-model.md). A container that ends loses at most its
# last interval of counts; 0 writes every value at once (tests, local). The interval is read
# at start and at each flush, not per value (the environment is read on every message otherwise).
_FLUSH_INTERVAL_ENV = "METRICS_FLUSH_INTERVAL_S"


def _flush_interval_s() -> float:
    return float(os.environ.get(_FLUSH_INTERVAL_ENV, "60") or 0)


class _MetricBuffer:
    def __init__(self) -> None:
        self._values: dict[tuple[str, str, tuple[tuple[str, str], ...]], float] = {}
        self._next_flush = time.monotonic() + _flush_interval_s()
        self._lock = threading.Lock()

    def add(self, name: str, value: float, dimensions: dict[str, str], unit: str) -> None:
        key = (name, unit, tuple(sorted(dimensions.items())) if dimensions else ())
        with self._lock:
            self._values[key] = self._values.get(key, 0) + value
        if time.monotonic() >= self._next_flush:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            values, self._values = self._values, {}
            self._next_flush = time.monotonic() + _flush_interval_s()
        for (name, unit, dimensions), value in values.items():
            _write_metric(name, value, dict(dimensions), unit)


_buffer = _MetricBuffer()


def count_metric(name: str, dimensions: dict[str, str]) -> None:
    """Count one occurrence (summed, see METRICS_FLUSH_INTERVAL_S)."""
    _buffer.add(name, 1, dimensions, "Count")


def emit_metric(name: str, value: float, dimensions: dict[str, str], unit: str = "Count") -> None:
    """Add a value to a metric (summed, see METRICS_FLUSH_INTERVAL_S)."""
    _buffer.add(name, value, dimensions, unit)


def flush_metrics() -> None:
    """Write every buffered metric now."""
    _buffer.flush()


def _write_metric(name: str, value: float, dimensions: dict[str, str], unit: str) -> None:
    """One self-contained EMF line; never raises (a metric must not fail the caller).

    Honours POWERTOOLS_METRICS_DISABLED, which Powertools' single_metric does not check.
    """
    from aws_lambda_powertools.metrics import MetricUnit, single_metric
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    if is_metrics_disabled():
        return
    try:
        with single_metric(
            name=name,
            unit=MetricUnit(unit),
            value=value,
            namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "Csms",
            default_dimensions=dimensions,
        ):
            pass
    except Exception:
        logger.exception("metric not emitted", extra={"metric": name})
