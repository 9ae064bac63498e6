"""A driver's session from the app, measured step by step through the real handlers over moto
(benchmarks.aws_calls' recorder): the driver API's start, StartSession's two tasks, the
charger's answer and the CommandCompleted rule, the sweep's claim and one cost check, the
app's reads, a stop from the app, the charger's stop and SettleSession's task, the receipt.

Step Functions itself is not run here: moto has no StartSyncExecution, so that call is
answered by the meter (still counted) and the tasks the state machines run are invoked as
steps of their own, as Lambda would run them. The payment provider is the in-memory fake;
its calls are counted per operation as "stripe:<operation>" (each an HTTPS request to Stripe
on AWS). The scenario runs twice and keeps the second, warm run: lazily created clients and
caches belong to a container's first invocation, not to every session.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

from benchmarks.metering import STUBBED

DRIVER = "bench-driver-sub"
LOCATION = "BENCH-SITE"
TARIFF_ID = "BENCH-AC"
# Steps of the scenario, in order (benchmarks.aws_calls names them so in its results).
START = "driver_api POST /driver/sessions"
AUTHORISE = "session_workflow StartSession authorise"
SEND_START = "session_workflow StartSession send_start"
START_REPLY = "ocpp1.6 app RemoteStartTransaction reply"
START_COMPLETED = "session_workflow CommandCompleted (accepted start)"
START_STATUS = "driver_api GET /driver/starts/{id}"
APP_START_TRANSACTION = "ocpp1.6 app StartTransaction"
SWEEP_CLAIM = "start_sweep claim"
SWEEP_COST_CHECK = "start_sweep cost check"
SWEEP_EMPTY = "start_sweep nothing due"
WATCH = "driver_api GET /driver/sessions/{id}"
APP_STOP = "driver_api POST /driver/sessions/{id}/stop"
STOP_REPLY = "ocpp1.6 app RemoteStopTransaction reply"
APP_STOP_TRANSACTION = "ocpp1.6 app StopTransaction"
SETTLE_APP = "session_workflow SettleSession settle (app session)"
SETTLE_CARD = "session_workflow SettleSession settle (not a driver's)"
RECEIPT = "driver_api GET /driver/sessions/{id}/receipt"
HISTORY = "driver_api GET /driver/sessions"
NEARBY = "driver_api GET /driver/locations/nearby"
LOCATION_PAGE = "driver_api GET /driver/locations/{id}"

# The fake provider's operations, each one Stripe API request on AWS.
PROVIDER_OPERATIONS = (
    "create_customer",
    "create_setup_intent",
    "list_payment_methods",
    "detach_payment_method",
    "authorise",
    "charge",
    "capture",
    "cancel",
    "refund",
    "get_payment_intent",
)


class CountedProvider:
    """The fake payment provider, counting each operation into `calls`."""

    def __init__(self, inner: Any, calls: Counter[str]) -> None:
        self._inner = inner
        self._calls = calls

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name not in PROVIDER_OPERATIONS:
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._calls[f"stripe:{name}"] += 1
            return attribute(*args, **kwargs)

        return counted


# moto has no StartSyncExecution: the meter answers it (and counts it) as a success.
SYNC_EXECUTION = "stepfunctions:StartSyncExecution"
STUBBED_SYNC = {SYNC_EXECUTION: {"status": "SUCCEEDED", "output": "{}"}}


def stub_sync_execution() -> None:
    STUBBED.update(STUBBED_SYNC)


def seed(handlers: dict[str, ModuleType], charge_point_id: str) -> None:
    """A site with a priced AC connector on the charger, and a driver with a card."""
    from tests.fakes import ac_tariff, site

    deps = handlers["driver_api"].services.deps
    deps.tariffs.add_version(ac_tariff(datetime.now(UTC) - timedelta(days=1), TARIFF_ID))
    if not deps.locations.save(site(LOCATION, {charge_point_id: 1}, TARIFF_ID), None).saved:
        raise RuntimeError("the benchmark site was not saved")


def _http(
    method: str, path: str, body: Any = None, query: dict[str, Any] | None = None
) -> dict[str, Any]:
    from tests.unit.api.apiclient import http_event
    from tests.unit.api.driver_client import driver_claims

    event = http_event(method, path, query, body=body, claims=driver_claims(DRIVER))
    event["routeKey"] = event["requestContext"]["routeKey"] = "ANY /driver/{proxy+}"
    return event


class AppSession:
    """One app session through the handlers; `record(name, function, call)` measures a step."""

    def __init__(
        self,
        handlers: dict[str, ModuleType],
        record: Callable[[str, str, Callable[[], Any]], Any],
        context: Callable[[str], Any],
        message: Callable[[str, dict[str, Any]], dict[str, Any]],
        charge_point_id: str,
    ) -> None:
        self._handlers = handlers
        self._record = record
        self._context = context
        self._message = message
        self._cp = charge_point_id

    def driver(
        self,
        step: str,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        measured: bool = True,
    ) -> dict[str, Any]:
        event = _http(method, path, body, query)

        def call() -> Any:
            return self._handlers["driver_api"].handler(event, self._context("driver_api"))

        response = self._record(step, "driver_api", call) if measured else call()
        if response["statusCode"] >= 400:
            raise RuntimeError(f"{method} {path}: {response['statusCode']} {response['body']}")
        answer: dict[str, Any] = json.loads(response["body"])
        return answer

    def task(self, step: str, payload: dict[str, Any]) -> dict[str, Any]:
        handler = self._handlers["session_workflow"].handler
        result: dict[str, Any] = self._record(
            step, "session_workflow", lambda: handler(payload, self._context("session_workflow"))
        )
        return result

    def charger(self, step: str, frame: list[Any]) -> dict[str, Any]:
        event = self._message(json.dumps(frame), {})
        response: dict[str, Any] = self._record(
            step,
            "ws_default",
            lambda: self._handlers["ws_default"].handler(event, self._context("ws_default")),
        )
        return response

    def sweep(self, step: str, at: datetime) -> int:
        services = self._handlers["start_sweep"].services
        services.session_starts.now = lambda: at
        response = self._record(
            step,
            "start_sweep",
            lambda: self._handlers["start_sweep"].handler({}, self._context("start_sweep")),
        )
        return int(response["looked_at"])

    def run(self, published: Callable[[str], list[dict[str, Any]]], lap: int) -> None:
        """One session; each `lap` starts its session an hour after the one before (a charger
        repeating a StartTransaction in the same second is a retry, answered the same).
        `published(step)`: the CommandCompleted events a step published, as the rule
        delivers them."""
        from shared.api.driver_routes.starts import start_key
        from shared.drivers.sessions import app_token
        from shared.drivers.starts import START_WINDOW_S
        from shared.timeutil import from_epoch_ms

        self.driver(NEARBY, "GET", "/driver/locations/nearby", query={"lat": 52.52, "lon": 13.405})
        self.driver(LOCATION_PAGE, "GET", f"/driver/locations/{LOCATION}")
        requested = datetime.now(UTC)
        started = self.driver(START, "POST", "/driver/sessions", {"chargePointId": self._cp,
                                                                  "connectorId": 1})  # fmt: skip
        cp, request_id = start_key(started["startId"])
        key = {"chargePointId": cp, "requestId": request_id}
        if self.task(AUTHORISE, {"step": "authorise", **key})["status"] != "authorised":
            raise RuntimeError("the hold was not placed")
        sent = self.task(SEND_START, {"step": "send_start", **key})
        reply = self.charger(START_REPLY, [3, sent["commandId"], {"status": "Accepted"}])
        if "body" in reply:
            raise RuntimeError(f"the remote start's reply was answered: {reply}")
        (completed,) = published(START_REPLY)
        self.task(START_COMPLETED, completed)
        at = requested + timedelta(hours=lap, seconds=5)
        answer = self.charger(
            APP_START_TRANSACTION,
            [2, "app-st", "StartTransaction", {"connectorId": 1, "idTag": app_token(DRIVER),
                                               "meterStart": 2000, "timestamp": _iso(at)}],
        )  # fmt: skip
        transaction_id = json.loads(answer["body"])[2]["transactionId"]
        start = self.driver(START_STATUS, "GET", f"/driver/starts/{started['startId']}")
        if start["sessionId"] is None:
            raise RuntimeError(f"the start found no session: {start}")
        # Counted from now, not from the request: on a loaded machine the steps in between
        # may take longer than the one second of margin.
        window = datetime.now(UTC) + timedelta(seconds=START_WINDOW_S + 1)
        if self.sweep(SWEEP_CLAIM, window) != 1:
            raise RuntimeError("the sweep did not look at the request")
        claimed = self._handlers["start_sweep"].services.deps.start_requests.get(cp, request_id)
        if claimed is None or claimed.status != "claimed" or claimed.due_at_ms is None:
            raise RuntimeError(f"the sweep did not claim the request: {claimed}")
        if self.sweep(SWEEP_COST_CHECK, from_epoch_ms(claimed.due_at_ms)) != 1:
            raise RuntimeError("the sweep did not check the session's cost")
        session = self.driver(WATCH, "GET", f"/driver/sessions/{start['sessionId']}")
        stop = self.driver(APP_STOP, "POST", f"/driver/sessions/{session['sessionId']}/stop")
        self.charger(STOP_REPLY, [3, stop["commandId"], {"status": "Accepted"}])
        self.charger(
            APP_STOP_TRANSACTION,
            [2, "app-sp", "StopTransaction", {"transactionId": transaction_id, "meterStop": 9400,
                                              "timestamp": _iso(at + timedelta(minutes=40)),
                                              "reason": "Remote"}],
        )  # fmt: skip
        settled = self.task(
            SETTLE_APP,
            {"step": "settle", "chargePointId": self._cp, "transactionId": str(transaction_id)},
        )
        if settled["status"] != "settled":
            raise RuntimeError(f"the app session was not settled: {settled}")
        self.driver(RECEIPT, "GET", f"/driver/sessions/{session['sessionId']}/receipt")
        self.driver(HISTORY, "GET", "/driver/sessions")
        if self.sweep(SWEEP_EMPTY, from_epoch_ms(claimed.due_at_ms) + timedelta(hours=1)) != 0:
            raise RuntimeError("the settled request is still due")


def settle_card_session(session: AppSession, charge_point_id: str, transaction_id: str) -> None:
    """SettleSession on a session whose id tag is no driver's (the operator's own cards)."""
    settled = session.task(
        SETTLE_CARD,
        {"step": "settle", "chargePointId": charge_point_id, "transactionId": transaction_id},
    )
    if settled["status"] != "not-a-driver-session":
        raise RuntimeError(f"unexpected settlement: {settled}")


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")
