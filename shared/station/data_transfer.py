"""DataTransfer: vendor-specific messages routed to registered vendor handlers.

An unknown vendorId is answered UnknownVendorId, an unknown messageId of a known vendor
UnknownMessageId — as both OCPP versions specify. Vendor integrations register handlers with
`VendorExtensions.register(vendor_id, message_id, handler)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.models.domain_events import DATA_TRANSFER_RECEIVED, DomainEvent
from shared.ocpp.fields import text
from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion
from shared.ports import EventPublisher
from shared.ports.publishing import publish_safely

Payload = dict[str, Any]
# A vendor handler gets the charger's context and the `data` field (any JSON, or None) and
# returns (status, data): status Accepted or Rejected, data optional.
VendorHandler = Callable[[MessageContext, Any], tuple[str, Any]]
ANY_MESSAGE = "*"


@dataclass
class VendorExtensions:
    _handlers: dict[str, dict[str, VendorHandler]] = field(default_factory=dict)

    def register(self, vendor_id: str, message_id: str, handler: VendorHandler) -> None:
        """Register a handler; message_id "*" handles every message of the vendor."""
        self._handlers.setdefault(vendor_id, {})[message_id] = handler

    def resolve(self, vendor_id: str, message_id: str | None) -> VendorHandler | str:
        """The handler, or the status to answer (UnknownVendorId / UnknownMessageId)."""
        messages = self._handlers.get(vendor_id)
        if messages is None:
            return "UnknownVendorId"
        handler = messages.get(message_id or "") or messages.get(ANY_MESSAGE)
        return handler if handler is not None else "UnknownMessageId"


@dataclass
class DataTransferHandlers:
    vendors: VendorExtensions
    publisher: EventPublisher

    def register(self, router: Router) -> None:
        router.route(OcppVersion.V16, "DataTransfer", self.data_transfer)
        router.route(OcppVersion.V201, "DataTransfer", self.data_transfer)

    def data_transfer(self, ctx: MessageContext, payload: Payload) -> Payload:
        vendor_id = text(payload, "vendorId")
        message_id = payload.get("messageId")
        resolved = self.vendors.resolve(vendor_id, message_id)
        if isinstance(resolved, str):
            return {"status": resolved}
        status, data = resolved(ctx, payload.get("data"))
        publish_safely(
            self.publisher,
            DomainEvent(
                DATA_TRANSFER_RECEIVED,
                ctx.charge_point_id,
                ctx.received_at,
                {"vendorId": vendor_id, "messageId": message_id, "status": status},
            ),
        )
        response: Payload = {"status": status}
        if data is not None:
            # 1.6 `data` is a string; 2.0.1 allows any JSON.
            response["data"] = data if ctx.version is OcppVersion.V201 else str(data)
        return response
