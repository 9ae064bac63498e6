"""Connectors as commands see them: their status, whether a session may use one, and
availability changes (ChangeAvailability in 1.6 and 2.0.1)."""

from __future__ import annotations

from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import V16, Payload, quietly

# Connector statuses in which a remote start may use the connector.
FREE_STATUSES = frozenset({"Available", "Reserved"})


def current_status(cp: ChargerApi, connector_id: int) -> str:
    device = cp.device
    if connector_id == 0:
        return "Available" if device.is_operative(0) else "Unavailable"
    return cp.charging.connector_status.get(connector_id, "Available")


def idle_status(cp: ChargerApi, connector_id: int) -> str:
    """The status of a connector without a session: Unavailable, Reserved or Available."""
    if not cp.device.is_operative(connector_id):
        return "Unavailable"
    if cp.device.reservation_on(connector_id) is not None:
        return "Reserved"
    return "Available"


def _is_free(cp: ChargerApi, connector_id: int, id_tag: str) -> bool:
    device = cp.device
    if not device.knows(connector_id) or not device.is_operative(connector_id):
        return False
    busy = cp.charging.transaction_on(connector_id) is not None
    if busy or connector_id in device.remote_sessions:
        return False
    reservation = device.reservation_on(connector_id)
    if reservation is not None and reservation.id_tag != id_tag:
        return False
    return cp.charging.connector_status.get(connector_id, "Available") in FREE_STATUSES


def free_connector(cp: ChargerApi, requested: int | None, id_tag: str) -> int | None:
    candidates = [requested] if requested is not None else range(1, cp.connectors + 1)
    return next((c for c in candidates if _is_free(cp, c, id_tag)), None)


async def settle(cp: ChargerApi, connector_id: int) -> None:
    """Report a connector whose session ended (Unavailable if it was set Inoperative)."""
    await cp.charging.set_connector_status(connector_id, idle_status(cp, connector_id))


def change_availability(cp: ChargerApi, target: int, operative: bool) -> Payload:
    """target 0: the whole charger. A busy connector keeps charging and reports Unavailable
    when its transaction ends (Scheduled)."""
    device = cp.device
    connectors = list(range(1, cp.connectors + 1)) if target == 0 else [target]
    busy = [c for c in connectors if cp.charging.transaction_on(c) is not None]
    if operative:
        device.inoperative.difference_update([target, *(connectors if target == 0 else [])])
    else:
        device.inoperative.add(target)
    status = "Scheduled" if busy and not operative else "Accepted"

    async def report() -> None:
        if target == 0 and cp.protocol == V16:
            await quietly(cp.status_notification(0, current_status(cp, 0)))
        for connector in connectors:
            if connector not in busy:
                await cp.charging.set_connector_status(connector, idle_status(cp, connector))

    cp.after_answer(report())
    return {"status": status}
