"""CPU time per inbound message through the $default route with in-memory adapters, side by
side with the `ocpp` package's own path (unpack, validate, build and validate the CallResult).

Each iteration is a fresh, realistic message: a StartTransaction starts a new session (on its
own charger, so nothing is replaced), a StopTransaction stops a session started untimed
before it, meter values carry a new reading.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.frames import FRAMES, TIMESTAMP
from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord, TransactionRecord
from shared.ocpp.versions import OcppVersion
from shared.websocket import message
from shared.wiring import build_router
from tests.fakes import memory_deps, message_event

V16, V201 = OcppVersion.V16, OcppVersion.V201


@dataclass(frozen=True)
class Case:
    name: str
    version: OcppVersion
    action: str
    payload: Callable[[int], dict[str, Any]]
    response: dict[str, Any]
    setup: Callable[[Any, int], None] | None = None


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


def _active_session(deps: Any, n: int) -> None:
    deps.transactions.create(
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


TIME_OK = {"currentTime": "2026-11-25T10:00:00.000Z"}
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
    deps = memory_deps()
    deps.id_tags.put(IdTagRecord("TAG", "Accepted"))
    router = build_router(deps)

    def prepare(n: int) -> dict[str, Any]:
        cp = f"CP{n}"
        if case.action == "BootNotification":
            deps.chargers.records.setdefault(cp, ChargerRecord(cp))
        if case.setup is not None:
            case.setup(deps, n)
        authorizer = {
            "chargePointId": cp,
            "protocol": case.version.value,
            "validationMode": "strict",
        }
        frame = json.dumps([2, f"m{n}", case.action, case.payload(n)])
        return message_event("conn-1=", frame, authorizer=authorizer, at_ms=1_795_600_000_000 + n)

    def run(event: dict[str, Any]) -> object:
        response = message(event, deps, router)
        if not response["body"].startswith("[3,"):
            raise RuntimeError(f"{case.name}: {response['body']}")
        return response

    return prepare, run


def _ocpp_package(case: Case) -> tuple[Callable[[int], Any], Callable[[Any], object]]:
    from ocpp import messages

    ocpp_version = "1.6" if case.version is V16 else "2.0.1"

    def prepare(n: int) -> str:
        return json.dumps([2, f"m{n}", case.action, case.payload(n)])

    def run(raw: str) -> object:
        call = messages.unpack(raw)
        messages._validate_payload(call, ocpp_version)
        result = messages.CallResult(call.unique_id, case.response, action=call.action)
        messages._validate_payload(result, ocpp_version)
        return result.to_json()

    return prepare, run


def run(iterations: int = 3000) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for case in CASES:
        ours = _measure(*_platform(case), iterations)
        theirs = _measure(*_ocpp_package(case), iterations)
        results[case.name] = {
            "platform": ours,
            "ocpp_package": theirs,
            "ratio_median": round(ours["median_us"] / theirs["median_us"], 3),
        }
    return results
