"""Kinesis streams and EventBridge rules delivered to their consumer functions, locally.

AWS runs an event source mapping per stream consumer and a rule target per event rule;
the local platform runs `Delivery` instead, on the same catalog entries and handlers.
"""

from local.delivery.consumers import ConsumerTable
from local.delivery.runtime import DeliveryConfig
from local.delivery.service import Delivery

__all__ = ["ConsumerTable", "Delivery", "DeliveryConfig"]
