"""Powertools logger, configured from the environment (POWERTOOLS_* variables).

The logic modules log through standard `logging` loggers named "csms.*"; their records get the
same structured JSON format as the handler's logger.
"""

from __future__ import annotations

import os
import threading
import time

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "csms")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Csms")

logger = Logger()


def configure_logging() -> None:
    """Give the logic's "csms.*" loggers the handler logger's JSON format and level."""
    import logging

    logging.getLogger("csms").setLevel(logger.log_level)
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
