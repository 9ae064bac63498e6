"""CPU time per inbound message through the $default route with in-memory adapters, side by
side with the `ocpp` package's own path (unpack, validate, build and validate the CallResult).

Each iteration is a fresh, realistic message: a StartTransaction starts a new session (on its
own charger, so nothing is replaced), a StopTransaction stops a session started untimed
before it, meter values carry a new reading, a command's CALLRESULT answers a command sent
untimed before it. `run_routes()` measures the other WebSocket routes ($connect authorizer
with an HTTP Basic password: a reconnect's fast check, and the scrypt check of the first connect
after a password change; $connect, $disconnect) and a command's send the same way; the ocpp
package has nothing comparable for them.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.frames import FRAMES, TIMESTAMP
from shared.bootstrap import build_router
from shared.gateway.websocket import message
from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord, TransactionRecord
from shared.ocpp.versions import OcppVersion
from tests.fakes import memory_services, message_event

V16, V201 = OcppVersion.V16, OcppVersion.V201


@dataclass(frozen=True)
class Case:
    name: str
    version: OcppVersion
    action: str
    payload: Callable[[int], dict[str, Any]]
    response: dict[str, Any]
    # Untimed preparation of iteration n; a reply case's setup returns the command's id.
    setup: Callable[[Any, int], str | None] | None = None
    # A CALLRESULT to a command the central system sent (the setup sends it): the frame
    # answers that command instead of being a CALL.
    reply: bool = False


def _fixed(version: OcppVersion, action: str) -> Callable[[int], dict[str, Any]]:
    payload = FRAMES[(version, action)][3]
    assert isinstance(payload, dict)
    return lambda n: payload


def _sample(wh: int) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": TIMESTAMP,
            "sampledValue": [
                {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
                {"value": "32.1", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
            ],
        }
    ]


def _active_session(services: Any, n: int) -> str | None:
    services.deps.transactions.create(
        TransactionRecord(
            f"CP{n}",
            str(n),
            "active",
            protocol="ocpp1.6",
            connector_id=1,
            id_tag="TAG",
            meter_start_wh=1000,
            started_at="2026-11-25T09:00:00.000Z",
            started_at_ms=1795510800000,
        )
    )
    return None


def _command_sent(action: str, payload: dict[str, Any]) -> Callable[[Any, int], str | None]:
    def setup(services: Any, n: int) -> str | None:
        cp = f"CP{n}"
        services.deps.chargers.records[cp] = ChargerRecord(
            cp, protocol="ocpp1.6", connection_id=f"c{n}="
        )
        message_id: str = services.engine.send(cp, action, payload).message_id
        return message_id

    return setup


TIME_OK = {"currentTime": "2026-11-25T10:00:00.000Z"}
ACCEPTED = {"status": "Accepted"}
CASES = [
    Case("ocpp1.6 Heartbeat", V16, "Heartbeat", _fixed(V16, "Heartbeat"), TIME_OK),
    Case(
        "ocpp1.6 BootNotification",
        V16,
        "BootNotification",
        _fixed(V16, "BootNotification"),
        {**TIME_OK, "status": "Accepted", "interval": 540},
    ),
    Case(
        "ocpp1.6 StatusNotification",
        V16,
        "StatusNotification",
        _fixed(V16, "StatusNotification"),
        {},
    ),
    Case(
        "ocpp1.6 Authorize",
        V16,
        "Authorize",
        lambda n: {"idTag": "TAG"},
        {"idTagInfo": {"status": "Accepted"}},
    ),
    Case(
        "ocpp1.6 StartTransaction",
        V16,
        "StartTransaction",
        lambda n: {"connectorId": 1, "idTag": "TAG", "meterStart": n, "timestamp": TIMESTAMP},
        {"transactionId": 1, "idTagInfo": {"status": "Accepted"}},
    ),
    Case(
        "ocpp1.6 MeterValues",
        V16,
        "MeterValues",
        lambda n: {"connectorId": 1, "transactionId": 7, "meterValue": _sample(1000 + n)},
        {},
    ),
    Case(
        "ocpp1.6 StopTransaction",
        V16,
        "StopTransaction",
        lambda n: {
            "transactionId": n,
            "meterStop": 9000,
            "timestamp": TIMESTAMP,
            "reason": "EVDisconnected",
        },
        {},
        setup=_active_session,
    ),
    Case(
        "ocpp1.6 Reset reply",
        V16,
        "Reset",
        lambda n: ACCEPTED,
        ACCEPTED,
        setup=_command_sent("Reset", {"type": "Soft"}),
        reply=True,
    ),
    Case(
        "ocpp1.6 RemoteStartTransaction reply",
        V16,
        "RemoteStartTransaction",
        lambda n: ACCEPTED,
        ACCEPTED,
        setup=_command_sent("RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG"}),
        reply=True,
    ),
    Case("ocpp2.0.1 Heartbeat", V201, "Heartbeat", _fixed(V201, "Heartbeat"), TIME_OK),
    Case(
        "ocpp2.0.1 BootNotification",
        V201,
        "BootNotification",
        _fixed(V201, "BootNotification"),
        {**TIME_OK, "status": "Accepted", "interval": 540},
    ),
    Case(
        "ocpp2.0.1 StatusNotification",
        V201,
        "StatusNotification",
        _fixed(V201, "StatusNotification"),
        {},
    ),
    Case(
        "ocpp2.0.1 TransactionEvent Updated",
        V201,
        "TransactionEvent",
        lambda n: {
            "eventType": "Updated",
            "timestamp": TIMESTAMP,
            "triggerReason": "MeterValuePeriodic",
            "seqNo": n,
            "transactionInfo": {"transactionId": "tx-1"},
            "meterValue": [
                {
                    "timestamp": TIMESTAMP,
                    "sampledValue": [{"value": n / 1000, "unitOfMeasure": {"unit": "kWh"}}],
                }
            ],
        },
        {},
    ),
]


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    return {
        "median_us": round(statistics.median(ordered) / 1000, 2),
        "p95_us": round(ordered[int(len(ordered) * 0.95)] / 1000, 2),
    }


def _measure(
    prepare: Callable[[int], Any], run: Callable[[Any], object], iterations: int
) -> dict[str, float]:
    """CPU time of `run` alone; `prepare` (untimed) builds each iteration's input."""
    clock = time.thread_time_ns  # CPU time of this thread: not disturbed by other processes
    samples = []
    warmup = min(200, iterations)
    for n in range(1, warmup + iterations + 1):
        prepared = prepare(n)
        start = clock()
        run(prepared)
        elapsed = clock() - start
        if n > warmup:
            samples.append(elapsed)
    return _percentiles(samples)


def _platform(case: Case) -> tuple[Callable[[int], Any], Callable[[Any], object]]:
    services = memory_services()
    deps = services.deps
    deps.id_tags.put(IdTagRecord("TAG", "Accepted"))
    router = build_router(services)

    def prepare(n: int) -> dict[str, Any]:
        cp = f"CP{n}"
        if case.action == "BootNotification":
            deps.chargers.records.setdefault(cp, ChargerRecord(cp))
        reply_to = case.setup(services, n) if case.setup is not None else None
        authorizer = {
            "chargePointId": cp,
            "protocol": case.version.value,
            "validationMode": "strict",
        }
        if case.reply:
            frame = json.dumps([3, reply_to, case.payload(n)])
        else:
            frame = json.dumps([2, f"m{n}", case.action, case.payload(n)])
        # Command deadlines run on the wall clock: replies must arrive "now".
        at_ms = int(time.time() * 1000) if case.reply else 1_795_600_000_000 + n
        return message_event("conn-1=", frame, authorizer=authorizer, at_ms=at_ms)

    def run(event: dict[str, Any]) -> object:
        response = message(event, services, router)
        if case.reply:
            if "body" in response:
                raise RuntimeError(f"{case.name}: {response['body']}")
        elif not response["body"].startswith("[3,"):
            raise RuntimeError(f"{case.name}: {response['body']}")
        return response

    return prepare, run


def _ocpp_package(case: Case) -> tuple[Callable[[int], Any], Callable[[Any], object]]:
    from ocpp import messages

    ocpp_version = "1.6" if case.version is V16 else "2.0.1"

    def prepare(n: int) -> str:
        if case.reply:
            return json.dumps([3, f"m{n}", case.payload(n)])
        return json.dumps([2, f"m{n}", case.action, case.payload(n)])

    def run(raw: str) -> object:
        if case.reply:
            # A CALLRESULT carries no action: the caller keeps it with the pending call.
            reply = messages.unpack(raw)
            reply.action = case.action
            messages._validate_payload(reply, ocpp_version)
            return reply
        call = messages.unpack(raw)
        messages._validate_payload(call, ocpp_version)
        result = messages.CallResult(call.unique_id, case.response, action=call.action)
        messages._validate_payload(result, ocpp_version)
        return result.to_json()

    return prepare, run


def _floor(case: Case) -> tuple[Callable[[int], Any], Callable[[Any], object]] | None:
    """The least any $default handler that validates both ways does for this CALL: read the
    frame from the event body, validate the request with the platform's compiled schema,
    validate a fixed answer, write the CALLRESULT. No routing, logic, storage or clock."""
    if case.reply:
        return None
    from shared.ocpp.validation import default_schemas

    registry = default_schemas()
    request = registry.validator(case.version, case.action, "request")
    response = registry.validator(case.version, case.action, "response")
    answer = case.response

    def prepare(n: int) -> dict[str, Any]:
        return {"body": json.dumps([2, f"m{n}", case.action, case.payload(n)])}

    def run(event: dict[str, Any]) -> object:
        frame = json.loads(event["body"])
        request(frame[3])
        response(answer)
        return {"statusCode": 200, "body": json.dumps([3, frame[1], answer])}

    return prepare, run


def run(iterations: int = 3000) -> dict[str, Any]:
    """{case: {"platform": {median_us, p95_us}, "ocpp_package": {...}, "ratio_median",
    "floor": {...} | None, "floor_ratio": float | None}}"""
    results: dict[str, Any] = {}
    for case in CASES:
        ours = _measure(*_platform(case), iterations)
        theirs = _measure(*_ocpp_package(case), iterations)
        floor_path = _floor(case)
        floor = _measure(*floor_path, iterations) if floor_path is not None else None
        results[case.name] = {
            "platform": ours,
            "ocpp_package": theirs,
            "ratio_median": round(ours["median_us"] / theirs["median_us"], 3),
            "floor": floor,
            "floor_ratio": (
                round(floor["median_us"] / theirs["median_us"], 3) if floor is not None else None
            ),
        }
    return results


BENCH_PASSWORD = "bench-password-0001"  # noqa: S105  (a benchmark fixture)
TASK_TOKEN = "bench-task-token"  # noqa: S105  (a Step Functions task token stand-in)


_BENCH_ADMISSION_KEY = b"bench-admission-key-" * 3


class _BenchAdmissionKey:
    def key(self) -> bytes:
        return _BENCH_ADMISSION_KEY


def _route_cases() -> dict[str, tuple[Callable[[int], Any], Callable[[Any], object], int]]:
    """Route name -> (prepare, run, share of the iterations)."""
    from shared.access.fast_check import make_verifier
    from shared.access.passwords import hash_password
    from shared.gateway.websocket import authorize, connect, disconnect
    from tests.fakes import authorizer_event, connect_event, disconnect_event

    services = memory_services(UNKNOWN_CHARGERS="reject")
    deps = services.deps
    password_hash = hash_password(BENCH_PASSWORD)
    # The authorizer's admission key (docs/adr/0027), as read from its secret.
    deps.admission_key = _BenchAdmissionKey()
    context = {"chargePointId": "", "protocol": "ocpp1.6", "validationMode": "strict"}

    def charger(n: int, **fields: Any) -> str:
        cp = f"CP{n}"
        deps.chargers.records[cp] = ChargerRecord(cp, **fields)
        return cp

    def basic(cp: str) -> str:
        import base64

        return "Basic " + base64.b64encode(f"{cp}:{BENCH_PASSWORD}".encode()).decode()

    def prepare_authorize(n: int) -> dict[str, Any]:
        # A reconnect: the verifier the first connect stored is there.
        cp = f"CP{n}"
        verifier = make_verifier(_BENCH_ADMISSION_KEY, cp, password_hash, BENCH_PASSWORD)
        charger(n, password_hash=password_hash, auth_verifier=verifier)
        return authorizer_event(cp, "ocpp1.6", basic(cp))

    def prepare_first_authorize(n: int) -> dict[str, Any]:
        # The first connect after a password change: scrypt, then the verifier is stored.
        cp = charger(n + 2_000_000, password_hash=password_hash)
        return authorizer_event(cp, "ocpp1.6", basic(cp))

    def prepare_connect(n: int) -> dict[str, Any]:
        """A reconnect: the charger's last connection closed seconds ago (ADR 0028)."""
        cp = charger(n)
        authorizer = {**context, "chargePointId": cp}
        first = connect_event(cp, "ocpp1.6", connection_id=f"c{n}=", authorizer=authorizer)
        connect(first, services)
        disconnect(disconnect_event(f"c{n}=", authorizer=authorizer), services)
        return connect_event(cp, "ocpp1.6", connection_id=f"r{n}=", authorizer=authorizer)

    def prepare_disconnect(n: int) -> dict[str, Any]:
        cp = charger(n)
        connect(
            connect_event(
                cp, "ocpp1.6", connection_id=f"c{n}=", authorizer={**context, "chargePointId": cp}
            ),
            services,
        )
        return disconnect_event(f"c{n}=", authorizer={**context, "chargePointId": cp})

    def prepare_send(n: int) -> str:
        return charger(n, protocol="ocpp1.6", connection_id=f"c{n}=")

    def prepare_other_send(n: int) -> str:
        # Other chargers than prepare_send's: their command slots are still taken.
        return prepare_send(n + 1_000_000)

    def check(response: dict[str, Any], key: str, expected: object) -> dict[str, Any]:
        if response.get(key) != expected:
            raise RuntimeError(f"unexpected route answer: {response}")
        return response

    return {
        "ws_authorize $connect (HTTP Basic)": (
            prepare_authorize,
            lambda e: check(
                authorize(e, services), "principalId", e["queryStringParameters"]["chargePointId"]
            ),
            1,
        ),
        # scrypt dominates: a few iterations say enough.
        "ws_authorize $connect (first after a password change)": (
            prepare_first_authorize,
            lambda e: check(
                authorize(e, services), "principalId", e["queryStringParameters"]["chargePointId"]
            ),
            150,
        ),
        "ws_connect $connect": (
            prepare_connect,
            lambda e: check(connect(e, services), "statusCode", 200),
            1,
        ),
        "ws_disconnect $disconnect": (
            prepare_disconnect,
            lambda e: check(disconnect(e, services), "statusCode", 200),
            1,
        ),
        "ocpp1.6 Reset send": (
            prepare_send,
            lambda cp: services.engine.send(cp, "Reset", {"type": "Soft"}),
            1,
        ),
        "ocpp1.6 RemoteStartTransaction send": (
            prepare_other_send,
            lambda cp: services.engine.send(
                cp,
                "RemoteStartTransaction",
                {"connectorId": 1, "idTag": "TAG"},
                task_token=TASK_TOKEN,
            ),
            1,
        ),
    }


def run_routes(iterations: int = 3000) -> dict[str, dict[str, float]]:
    """{route: {median_us, p95_us}} for the non-$default routes and command sends."""
    results = {}
    for name, (prepare, call, divisor) in _route_cases().items():
        results[name] = _measure(prepare, call, max(3, iterations // divisor))
    return results
