"""What command handlers use of a charger. `SimulatedCharger` is one; handlers name this
Protocol instead of the class, so the charger can import its handlers without a cycle."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, Protocol

from simulator.command_handlers.device_state import DeviceState
from simulator.protocols import ChargerIdentity, ProtocolProfile
from simulator.stats import Stats
from simulator.transaction_messages import TransactionMessages


class ChargerApi(Protocol):
    """The charger a command handler is given."""

    # Settable: an installed firmware is the version the next boot reports.
    identity: ChargerIdentity

    @property
    def charge_point_id(self) -> str: ...

    @property
    def protocol(self) -> str: ...

    @property
    def profile(self) -> ProtocolProfile: ...

    @property
    def connectors(self) -> int: ...

    @property
    def power_kw(self) -> float: ...

    @property
    def stats(self) -> Stats: ...

    @property
    def device(self) -> DeviceState:
        """What commands read and change: configuration, local list, reservations, ..."""
        ...

    @property
    def charging(self) -> TransactionMessages:
        """Authorize, transactions, meter readings, connector statuses."""
        ...

    @property
    def is_online(self) -> bool:
        """Connected and booted: normal messages go out."""
        ...

    @property
    def heartbeat_interval_s(self) -> float | None:
        """The interval in force; None before a boot was accepted."""
        ...

    async def call(
        self, action: str, payload: dict[str, Any], timeout_s: float | None = None
    ) -> dict[str, Any]: ...

    async def boot(self) -> dict[str, Any]: ...

    async def heartbeat(self) -> dict[str, Any]: ...

    async def status_notification(
        self,
        connector_id: int,
        status: str,
        evse_id: int | None = None,
        error_code: str = "NoError",
    ) -> dict[str, Any]: ...

    async def reboot(self, offline_s: float = 0.0) -> None: ...

    def set_heartbeat_interval(self, seconds: float) -> None: ...

    def after_answer(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run `coro` once the answer to the command being handled has gone out."""
        ...
