"""A driver's app start and the settlement of a session over moto (the DynamoDB adapters) and the
fake payment provider, with a fault at each AWS call and at each provider call, before the call
or after it took effect, and the step then run again as its workflow would: what the provider
acknowledged is done once (one hold, one capture or charge, one remote start), what is stored is
stored once (one receipt), and no hold stays open for a request that ended without a session."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import pytest

from shared.adapters.memory.payments import FakePaymentProvider
from shared.adapters.memory.websocket import MemorySender
from shared.bootstrap import Services, build_router, build_services
from shared.drivers.sessions import app_token
from shared.drivers.starts import SessionStarts
from shared.models.charger import ChargerRecord
from shared.models.connection import ConnectorStatus
from shared.models.start_request import StartRequest
from shared.ocpp.framing import CallResult
from shared.ports.payments import PaymentError, PaymentProviderUnavailable
from shared.timeutil import from_epoch_ms, iso_utc, to_epoch_ms
from tests.fakes import Clock, InlineWorkflows, ac_tariff, site
from tests.fault_injection import Fault, NthCall, injected, nth_call_fails
from tests.faults.conftest import T0, Platform

T = TypeVar("T")
CP = "CP-APP"
DRIVER = "alice-sub"
CARD = "04A2B3C4"
TARIFF = ac_tariff(T0 - timedelta(days=1))
# 0.50 + 10 kWh x 0.40 = 4.50 excl. tax, 5.36 with 19 % tax.
ENERGY_WH = 10_000
PRICE = 536
# The provider call that takes the money: the hold's capture (app) or a charge (card).
PROVIDER_CALL = {"app": "capture", "card": "charge"}


@dataclass
class World:
    platform: Platform
    services: Services
    payments: FakePaymentProvider
    sender: MemorySender
    clock: Clock

    @property
    def now(self) -> datetime:
        return self.clock.now

    @now.setter
    def now(self, value: datetime) -> None:
        self.clock.now = value

    @property
    def starts(self) -> SessionStarts:
        return self.services.session_starts

    def later(self, minutes: int = 10) -> None:
        self.now += timedelta(minutes=minutes)
        self.services.deps.connectors.apply_status(
            ConnectorStatus(CP, 1, "Available", iso_utc(self.now), to_epoch_ms(self.now)),
            frozenset(),
        )

    def request(self, charge_point_id: str = CP) -> StartRequest:
        """A start from the app, its workflow run without faults."""
        self.later()
        return self.starts.request(DRIVER, charge_point_id, 1)

    def stored(self, request: StartRequest) -> StartRequest:
        found = self.services.deps.start_requests.get(request.charge_point_id, request.request_id)
        assert found is not None
        return found

    def charger_session(self, id_tag: str, stop: bool = True) -> str:
        """The charger starts a session with `id_tag` (and stops it 30 minutes later)."""
        self.platform.clock = self.now + timedelta(seconds=5)
        frame = self.platform.send(
            "StartTransaction",
            {"connectorId": 1, "idTag": id_tag, "meterStart": 0,
             "timestamp": iso_utc(self.now + timedelta(seconds=5))},
        )  # fmt: skip
        transaction_id = frame[2]["transactionId"]
        if stop:
            self.stop(transaction_id)
        return str(transaction_id)

    def stop(self, transaction_id: int | str) -> None:
        self.platform.send(
            "StopTransaction",
            {"transactionId": int(transaction_id), "meterStop": ENERGY_WH,
             "timestamp": iso_utc(self.now + timedelta(minutes=30, seconds=5)),
             "reason": "Local"},
        )  # fmt: skip

    def remote_starts(self, request: StartRequest) -> int:
        token = app_token(DRIVER)
        return sum(
            1
            for _, text in self.sender.sent
            if (call := json.loads(text))[2] == "RemoteStartTransaction"
            and call[3]["idTag"] == token
            and self.sent_for(call[1], request)
        )

    def sent_for(self, message_id: str, request: StartRequest) -> bool:
        command = self.services.deps.commands.get(request.charge_point_id, message_id)
        return command is not None and command.requested_by == f"start:{request.request_id}"

    def holds(self, request: StartRequest) -> list[Any]:
        ref = f"{request.charge_point_id}/{request.request_id}"
        return [
            held.intent
            for held in self.payments.intents.values()
            if held.intent.metadata.get("startRequest") == ref
        ]

    def dynamodb(self) -> list[Any]:
        return [self.platform.client("dynamodb"), self.platform.client("events")]


@pytest.fixture
def world(platform: Platform) -> World:
    payments = FakePaymentProvider()
    sender = MemorySender()
    workflows = InlineWorkflows()
    clock = Clock(T0)
    deps = replace(platform.services.deps, payments=payments, sender=sender, workflows=workflows)
    services = build_services(deps, now=clock)
    workflows.services = services
    platform.services = services
    platform.router = build_router(services)
    platform.charge_point_id = CP
    world = World(platform, services, payments, sender, clock)
    services.engine.clock_ms = lambda: to_epoch_ms(world.now)
    assert deps.locations.save(site("SITE-1", {CP: 1}, TARIFF.tariff_id), None).saved
    deps.tariffs.add_version(TARIFF)
    deps.chargers.create(
        ChargerRecord(
            charge_point_id=CP, protocol="ocpp1.6", connection_id="conn-1",
            connected_at=iso_utc(T0), connected_at_ms=to_epoch_ms(T0),
        )
    )  # fmt: skip
    customer = payments.create_customer(DRIVER, "", idempotency_key="customer")
    payments.add_payment_method(customer, "pm_card_visa")
    deps.drivers.set_customer(DRIVER, customer)
    deps.drivers.set_default_payment_method(DRIVER, "pm_card_visa")
    services.driver_cards.register(DRIVER, CARD)
    return world


# --- 1. settlement ----------------------------------------------------------------------------


def settleable(world: World, kind: str) -> tuple[str, StartRequest | None]:
    """A stopped session to settle: an app start (sent, claimed by the sweep) or a card's."""
    if kind == "card":
        world.later()
        return world.charger_session(CARD), None
    request = world.request()
    assert request.status == "sent", request
    transaction_id = world.charger_session(app_token(DRIVER), stop=False)
    world.now += timedelta(minutes=6)
    world.starts.sweep()
    assert world.stored(request).status == "claimed"
    world.stop(transaction_id)
    return transaction_id, request


def attempt(call: Callable[[], T]) -> tuple[T | None, Exception | None]:
    """One run of a workflow's task: its result, or the error the workflow sees."""
    try:
        return call(), None
    except Exception as exc:
        return None, exc


def settle_until_done(world: World, transaction_id: str) -> dict[str, Any]:
    """SettleSession: its task retried on any error (Retry on States.ALL, 4 attempts)."""
    errors = []
    for _ in range(4):
        result, error = attempt(partial(world.services.settlement.settle, CP, transaction_id))
        if result is not None:
            return result
        errors.append(error)
    raise AssertionError(f"settlement never finished: {errors}")


def assert_settled_once(
    world: World, transaction_id: str, request: StartRequest | None, result: dict[str, Any]
) -> None:
    assert result["status"] == "settled" and result["total"] == PRICE, result
    receipt = world.services.deps.receipts.get(CP, transaction_id)
    assert receipt is not None and receipt.paid_minor == PRICE
    assert receipt.outstanding_minor == 0
    paid = [world.payments.intents[pid].intent for pid in receipt.payment_ids]
    assert sum(intent.captured_minor for intent in paid) == PRICE
    session_ref = f"{CP}/{transaction_id}"
    if request is None:
        assert receipt.outcome == "charged"
        charges = [
            held.intent
            for held in world.payments.intents.values()
            if held.intent.metadata.get("session") == session_ref
        ]
        assert [c.captured_minor for c in charges] == [PRICE]  # one charge, exactly the price
    else:
        assert receipt.outcome == "captured"
        (hold,) = world.holds(request)
        assert (hold.status, hold.captured_minor) == ("succeeded", PRICE)
        assert [i.payment_intent_id for i in paid] == [hold.payment_intent_id]
        assert not any(
            held.intent.metadata.get("session") == session_ref
            for held in world.payments.intents.values()
        )  # nothing charged on top of the capture
        ended = world.stored(request)
        assert (ended.status, ended.captured_minor) == ("settled", PRICE)
        assert ended.due_at_ms is None
    issued = [
        e
        for e in world.platform.published.of_type("ReceiptIssued")
        if e["transactionId"] == transaction_id
    ]
    assert issued and len({e["eventId"] for e in issued}) == 1
    assert {e["paidMinor"] for e in issued} == {PRICE}


@pytest.mark.parametrize("kind", ["app", "card"])
def test_settlement_with_a_fault_at_each_aws_call_settles_once(world, kind):
    failed: list[str] = []
    for after in (False, True):
        n = 0
        while True:
            n += 1
            transaction_id, request = settleable(world, kind)
            with nth_call_fails(world.dynamodb(), NthCall(n, after=after)) as fault:
                settle = partial(world.services.settlement.settle, CP, transaction_id)
                first, error = attempt(settle)
            assert error is None or "injected" in str(error), error
            result = settle_until_done(world, transaction_id)
            if first is not None:
                assert first == result
            assert_settled_once(world, transaction_id, request, result)
            if fault.failed is None:
                break  # past the last call
            failed.append(f"{fault.failed}{'+after' if after else ''}")
    assert any("PutItem" in call for call in failed)  # the receipt's write was among them
    assert any("PutEvents" in call for call in failed)


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("kind", ["app", "card"])
def test_settlement_with_a_provider_fault_settles_once(world, kind, after):
    operation = PROVIDER_CALL[kind]
    transaction_id, request = settleable(world, kind)
    world.payments.fail_next(operation, PaymentProviderUnavailable("injected"), after=after)
    with pytest.raises(PaymentError):
        world.services.settlement.settle(CP, transaction_id)
    assert world.services.deps.receipts.get(CP, transaction_id) is None
    result = settle_until_done(world, transaction_id)
    assert_settled_once(world, transaction_id, request, result)
    # Settled again later (a duplicate TransactionStopped): nothing changes.
    assert world.services.settlement.settle(CP, transaction_id) == result
    assert_settled_once(world, transaction_id, request, result)


# --- 2. StartSession's tasks ------------------------------------------------------------------


class Deferred:
    """A workflow runner that only records: the test runs StartSession's tasks itself."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []

    def run_sync(self, workflow: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.runs.append(payload)
        return payload


def answer_pending(world: World) -> None:
    """The charger answers every command it got (Accepted): its slot is free again."""
    for _, text in list(world.sender.sent):
        message_id = json.loads(text)[1]
        command = world.services.deps.commands.get(CP, message_id)
        if command is not None and not command.done:
            world.services.engine.on_reply(
                CP, CallResult(message_id, {"status": "Accepted"}), lenient=False
            )


def task(world: World, step: Callable[[], dict[str, Any]], retried: tuple[type, ...]) -> str:
    """One task of the state machine: run, retried once after an error it retries (the charger
    answering in between), the error raised for the Catch otherwise."""
    result, error = attempt(step)
    if error is not None and isinstance(error, retried):
        answer_pending(world)
        result, error = attempt(step)
    if error is not None:
        raise error
    assert result is not None
    return str(result["status"])


def start_session(world: World, request: StartRequest) -> None:
    """StartSession as infra/workflows/start_session.asl.json runs it: Authorise (retried on a
    provider outage and Lambda's errors), SendStart (retried on Lambda's errors), any other
    error caught to Release (retried on every error). A Lambda error is modelled by any error:
    a task that timed out after its effect is retried like one that failed before."""
    starts = world.starts
    cp, rid = request.charge_point_id, request.request_id
    try:
        status = task(world, partial(starts.authorise, cp, rid), (Exception,))
        if status == "authorised":
            task(world, partial(starts.send_start, cp, rid), (Exception,))
    except Exception as exc:
        for _ in range(4):
            _, error = attempt(partial(starts.release, cp, rid, f"{type(exc).__name__}"))
            if error is None:
                break


def a_request(world: World) -> StartRequest:
    """A stored start request whose workflow has not run yet."""
    runner = world.starts.workflows
    world.starts.workflows = Deferred()
    try:
        request = world.request()
    finally:
        world.starts.workflows = runner
    assert request.status == "authorising"
    return request


def assert_no_hold_left_behind(world: World, request: StartRequest) -> StartRequest:
    """After StartSession and the sweep past the start window (no session started)."""
    world.now += timedelta(minutes=6)
    world.starts.sweep()
    ended = world.stored(request)
    holds = world.holds(request)
    assert len(holds) <= 1, holds  # never two holds for one request
    assert world.remote_starts(request) <= 1  # never two remote starts for one request
    assert ended.status in ("released", "failed", "declined"), ended
    assert ended.due_at_ms is None  # out of the sweep's index
    # Canceled, or never held (a declined card's payment).
    assert all(hold.status in ("canceled", "requires_payment_method") for hold in holds), holds
    return ended


@pytest.mark.parametrize("card", ["pm_card_visa", "pm_card_chargeDeclined"])
def test_start_tasks_with_a_fault_at_each_aws_call(world, card):
    declined = card != "pm_card_visa"
    if declined:
        customer = world.services.deps.drivers.get(DRIVER).customer_id
        world.payments.add_payment_method(customer, card)
        world.services.deps.drivers.set_default_payment_method(DRIVER, card)
    outcomes: set[str] = set()
    for after in (False, True):
        n = 0
        while True:
            n += 1
            request = a_request(world)
            with nth_call_fails(world.dynamodb(), NthCall(n, after=after)) as fault:
                start_session(world, request)
            outcomes.add(world.stored(request).status)
            ended = assert_no_hold_left_behind(world, request)
            if fault.failed is None:
                break
    if declined:
        assert world.sender.sent == []  # a declined card never starts a session
        assert ended.status == "declined"
        assert outcomes <= {"declined", "failed"}
    else:
        assert world.remote_starts(request) == 1 and ended.status == "released"
        assert "sent" in outcomes  # some runs sent the start despite a fault


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("operation", ["authorise", "cancel"])
def test_start_tasks_with_a_provider_fault(world, operation, after):
    request = a_request(world)
    if operation == "cancel":
        world.sender.gone.add("conn-1")  # the start cannot be sent: the hold is released
    world.payments.fail_next(operation, PaymentProviderUnavailable("injected"), after=after)
    start_session(world, request)
    ended = assert_no_hold_left_behind(world, request)
    if operation == "authorise":
        assert world.remote_starts(request) == 1
        assert ended.reason == "no session started in time"


def test_a_start_retried_after_its_remote_start_went_out_sends_it_once(world):
    """send_start sent the RemoteStartTransaction, then the request's update failed: the retry
    (the charger has answered by then) must not send a second one."""
    request = a_request(world)
    assert world.starts.authorise(CP, request.request_id)["status"] == "authorised"
    update = Fault("UpdateItem", first=2)  # 1: the charger's command slot, 2: the request
    with injected(world.platform.client("dynamodb"), update):
        _, error = attempt(partial(world.starts.send_start, CP, request.request_id))
    assert update.raised == 1 and error is not None
    answer_pending(world)
    world.starts.send_start(CP, request.request_id)
    assert world.remote_starts(request) == 1
    assert world.stored(request).status == "sent"


# --- 3. the sweep -----------------------------------------------------------------------------


def due_request(world: World, kind: str) -> tuple[StartRequest, str | None]:
    """A request the sweep must look after now: a start that went out and no session came
    (released), one whose session started (claimed), or one whose workflow died after the hold
    was placed but before it was recorded (released: its hold found by its key)."""
    if kind == "stuck":
        request = a_request(world)
        lost = Fault("UpdateItem")  # the hold is placed, the request's update lost
        with injected(world.platform.client("dynamodb"), lost):
            _, error = attempt(partial(world.starts.authorise, CP, request.request_id))
        assert error is not None and world.stored(request).status == "authorising"
        world.now += timedelta(minutes=3)
        return request, None
    request = world.request()
    assert request.status == "sent"
    answer_pending(world)
    transaction_id = None
    if kind == "claimed":
        transaction_id = world.charger_session(app_token(DRIVER), stop=False)
    world.now += timedelta(minutes=6)
    return request, transaction_id


def assert_swept_once(
    world: World, kind: str, request: StartRequest, transaction_id: str | None
) -> None:
    ended = world.stored(request)
    (hold,) = world.holds(request)
    cancels = {
        key
        for op, key in world.payments.calls
        if op == "cancel" and key is not None and request.request_id in key
    }
    if kind == "claimed":
        assert (ended.status, ended.transaction_id) == ("claimed", transaction_id)
        assert hold.status == "requires_capture"  # the session pays from it
        assert cancels == set()
        assert ended.due_at_ms is not None  # the cost cap keeps looking
    else:
        assert ended.status == ("failed" if kind == "stuck" else "released"), ended
        assert hold.status == "canceled"
        assert len(cancels) == 1  # one cancellation (its retries carry its key)
        assert ended.due_at_ms is None


@pytest.mark.parametrize("kind", ["released", "claimed", "stuck"])
def test_the_sweep_with_a_fault_at_each_call_looks_after_a_request_once(world, kind):
    failed: list[str] = []
    for after in (False, True):
        n = 0
        while True:
            n += 1
            request, transaction_id = due_request(world, kind)
            with nth_call_fails(world.dynamodb(), NthCall(n, after=after)) as fault:
                attempt(world.starts.sweep)  # a failed run: the schedule runs it again
            world.now += timedelta(minutes=1)
            world.starts.sweep()
            assert_swept_once(world, kind, request, transaction_id)
            if transaction_id is not None:  # the session ends: the sweep lets the request go
                world.stop(transaction_id)
                # when it next prices the session (it may wait hours: docs/adr/0025)
                due_at_ms = world.stored(request).due_at_ms
                assert due_at_ms is not None
                world.now = max(world.now, from_epoch_ms(due_at_ms))
                world.starts.sweep()
                assert world.stored(request).due_at_ms is None
            if fault.failed is None:
                break
            failed.append(fault.failed)
    assert "dynamodb:Query" in failed and "dynamodb:UpdateItem" in failed


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("kind", ["released", "stuck"])
def test_the_sweep_with_a_provider_fault_releases_the_hold_once(world, kind, after):
    request, _ = due_request(world, kind)
    world.payments.fail_next("cancel", PaymentProviderUnavailable("injected"), after=after)
    world.starts.sweep()
    # The provider was down (or its answer lost): the request waits for the next run.
    assert world.stored(request).status == ("sent" if kind == "released" else "authorising")
    world.now += timedelta(minutes=1)
    world.starts.sweep()
    assert_swept_once(world, kind, request, None)


@pytest.mark.parametrize("kind", ["app", "card"])
def test_a_receipt_the_bus_did_not_take_is_published_by_the_retry(world, kind):
    """EventBridge refuses every attempt of one run: the receipt is stored, so the run must fail
    for SettleSession to run it again (nothing else publishes ReceiptIssued later)."""
    transaction_id, request = settleable(world, kind)
    down = Fault("PutEvents", code="InternalException", times=3)  # each of the publisher's tries
    with injected(world.platform.client("events"), down):
        _, error = attempt(partial(world.services.settlement.settle, CP, transaction_id))
    assert down.raised == 3
    assert error is not None  # not reported as done: the workflow retries
    assert not world.platform.published.of_type("ReceiptIssued")
    result = settle_until_done(world, transaction_id)
    assert_settled_once(world, transaction_id, request, result)
