"""In-memory @connections: frames sent per connection, and the live view of connections."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.ports import ConnectionGone, LiveConnection


class MemorySender:
    """Records frames per connection; connections in `gone` raise ConnectionGone."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.gone: set[str] = set()

    def send(self, connection_id: str, text: str) -> None:
        if connection_id in self.gone:
            raise ConnectionGone(connection_id)
        self.sent.append((connection_id, text))


@dataclass
class MemoryLiveConnections:
    """Connections API Gateway "knows"; `failing` makes describe raise, like an outage."""

    connections: dict[str, LiveConnection] = field(default_factory=dict)
    closed: list[str] = field(default_factory=list)
    failing: bool = False

    def describe(self, connection_id: str) -> LiveConnection | None:
        if self.failing:
            raise ConnectionError("management API unavailable")
        return self.connections.get(connection_id)

    def close(self, connection_id: str) -> None:
        self.closed.append(connection_id)
        self.connections.pop(connection_id, None)
