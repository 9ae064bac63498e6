"""Powertools logger and metrics, configured from the environment (POWERTOOLS_* variables).

The logic modules log through standard `logging` loggers named "csms.*"; their records get the
same structured JSON format as the handler's logger.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "csms")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Csms")

logger = Logger()
metrics = Metrics()


def configure_logging() -> None:
    """Give the logic's "csms.*" loggers the handler logger's JSON format and level."""
    import logging

    logging.getLogger("csms").setLevel(logger.log_level)
    copy_config_to_registered_loggers(source_logger=logger, include={"csms"})
