"""The real handlers over moto with the AWS adapters the functions use, and faults injected
into their boto3 clients (tests/fault_injection.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from local.resources import local_environment
from shared.adapters import aws_clients
from shared.bootstrap import Services, aws_services, build_router
from shared.config import get_settings
from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord
from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion
from shared.ports import relay_outbox

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@dataclass
class Published:
    """Events EventBridge accepted (recorded after successful PutEvents calls)."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def before(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["entries"] = params.get("Entries", [])  # the API's parameters

    def after(self, context: dict[str, Any], parsed: dict[str, Any], **_: Any) -> None:
        results = parsed.get("Entries", [])
        for entry, result in zip(context.get("entries", []), results, strict=False):
            if not result.get("ErrorCode"):
                self.entries.append(entry)

    def of_type(self, detail_type: str) -> list[dict[str, Any]]:
        return [json.loads(e["Detail"]) for e in self.entries if e["DetailType"] == detail_type]

    def ids(self, detail_type: str) -> set[str]:
        return {detail["eventId"] for detail in self.of_type(detail_type)}


@dataclass
class Platform:
    services: Services
    router: Router
    published: Published
    clock: datetime = T0
    counter: int = 0
    charge_point_id: str = "CP1"

    def relay(self) -> dict[str, int]:
        """One run of the outbox relay, late enough for every marker set so far."""
        return relay_outbox(
            self.services.outbox_sources(), datetime.now(UTC) + timedelta(minutes=2)
        )

    def client(self, service: str) -> Any:
        return aws_clients.client(service)

    def send(self, action: str, payload: dict[str, Any], version: str = "ocpp1.6") -> list[Any]:
        """A CALL from the charger (CP1 unless changed); the whole answer frame."""
        self.counter += 1
        ctx = MessageContext(
            self.charge_point_id,
            "conn-1",
            OcppVersion(version),
            self.clock + timedelta(seconds=self.counter),
        )
        answer = self.router.handle(ctx, json.dumps([2, f"m{self.counter}", action, payload]))
        assert answer is not None
        frame: list[Any] = json.loads(answer)
        return frame


@pytest.fixture
def platform(aws_env, monkeypatch) -> Iterator[Platform]:
    for name, value in local_environment().items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    aws_clients.forget_clients()
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    if aws_env.telemetry_stream_name not in kinesis.list_streams()["StreamNames"]:
        kinesis.create_stream(StreamName=aws_env.telemetry_stream_name, ShardCount=1)
    services = aws_services(aws_env)
    services.deps.chargers.create(ChargerRecord("CP1"))
    services.deps.id_tags.put(IdTagRecord("GOOD", "Accepted"))
    published = Published()
    events = aws_clients.client("events").meta.events
    events.register("before-parameter-build.eventbridge.PutEvents", published.before)
    events.register("after-call.eventbridge.PutEvents", published.after)
    try:
        yield Platform(services, build_router(services), published)
    finally:
        events.unregister("before-parameter-build.eventbridge.PutEvents", published.before)
        events.unregister("after-call.eventbridge.PutEvents", published.after)
        aws_clients.forget_clients()
        get_settings.cache_clear()
