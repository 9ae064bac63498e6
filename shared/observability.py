"""Powertools logger, configured from the environment (POWERTOOLS_* variables).

The logic modules log through standard `logging` loggers named "csms.*"; their records get the
same structured JSON format as the handler's logger.
"""

from __future__ import annotations

import os

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


def count_metric(name: str, dimensions: dict[str, str]) -> None:
    """One self-contained EMF count (no metric state shared between invocations or threads)."""
    emit_metric(name, 1, dimensions)


def emit_metric(name: str, value: float, dimensions: dict[str, str], unit: str = "Count") -> None:
    """One self-contained EMF metric line; never raises (a metric must not fail the caller).

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
