"""Starting a session from the app (docs/adr/0011): request, hold, remote start, and the sweep
that releases every hold no session claimed.

The driver API checks what it can (charger online, connector free, a payment method, a
price), stores a start request and runs the StartSession workflow synchronously. Its tasks
call `authorise` (a manual-capture hold), `send_start` (RemoteStartTransaction /
RequestStartTransaction with the driver's app token) and, when either fails, `release`. Each
is a conditional transition of the request, with the payment provider's idempotency key
derived from the request, so a retried task repeats nothing.

The sweep runs every minute over the requests that are due: a hold whose start never came
(refused, offline, never plugged in) is released; a request whose session started is claimed;
a claimed session whose running price reaches the hold is stopped, once (the cost cap).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.admin.errors import Conflict, InvalidRequest, NotFound, Unavailable
from shared.admin.tariffs import TariffAdmin
from shared.commands.engine import CommandEngine, CommandError
from shared.drivers.payment_methods import DriverPaymentMethods
from shared.drivers.sessions import DriverSessions
from shared.models.start_request import StartRequest, needs_problems, new_request_id
from shared.models.tariff import Tariff
from shared.payments.keys import start_key
from shared.ports import (
    ChargerRepository,
    ConnectorRepository,
    SessionFilter,
    StartRequestStore,
    TransactionRepository,
    WorkflowFailed,
    WorkflowRunner,
)
from shared.ports.payments import (
    AuthenticationRequired,
    PaymentDeclined,
    PaymentProvider,
    PaymentRequest,
)
from shared.pricing.ceiling import seconds_below
from shared.pricing.sessions import UsagePeriod, price_session
from shared.timeutil import from_epoch_ms, iso_utc, parse_timestamp, to_epoch_ms

logger = logging.getLogger("csms.starts")

START_SESSION = "StartSession"
# The hold placed for a session (minor units of the tariff's currency): what a long session
# can cost at most before the cost cap stops it.
DEFAULT_HOLD_MINOR = 5_000
# How long a driver has from the charger's "Accepted" to plugging in (chargers have their own
# connection timeout, typically 1-3 minutes); then an unclaimed hold is released.
START_WINDOW_S = 300
# A request stuck before its start was sent (a workflow that died) is looked at after this.
STUCK_AFTER_S = 120
# How often, at most, the sweep prices a running app session against its hold: it looks
# again once the session could have reached the hold at its EVSE's most power, no sooner
# than this, and no later than the longest wait (a session without a known power: every
# COST_CHECK_EVERY_S).
COST_CHECK_EVERY_S = 300
LONGEST_COST_CHECK_WAIT_S = 6 * 3600
# Connector statuses a new session may start on (1.6 and 2.0.1).
STARTABLE = frozenset({"Available", "Preparing"})
SWEEP_PAGE = 100
# Pages per run (a run has a minute): a backlog larger than this waits for the next run.
SWEEP_PAGES = 20
_START_COMMANDS = uuid.UUID("6f1c2a4e-5b0d-4c8e-9a37-2d61f0b8c4a1")  # namespace of start ids


@dataclass(frozen=True)
class ConnectorOffer:
    """What a charger's connector offers on its location: its tariff and its most power (W)."""

    tariff_id: str | None
    max_power_w: int | None


OfferOf = Callable[[str, int], ConnectorOffer]  # (charger, 1.6 connector / 2.0.1 EVSE id)


@dataclass
class SessionStarts:
    requests: StartRequestStore
    chargers: ChargerRepository
    connectors: ConnectorRepository
    transactions: TransactionRepository
    sessions: DriverSessions
    payment_methods: DriverPaymentMethods
    provider: PaymentProvider
    tariffs: TariffAdmin
    offer_of: OfferOf
    engine: CommandEngine
    workflows: WorkflowRunner
    now: Callable[[], datetime]
    hold_minor: int = DEFAULT_HOLD_MINOR

    # --- the driver API -------------------------------------------------------------------

    def request(
        self,
        driver_id: str,
        charge_point_id: str,
        connector_id: int,
        needs: tuple[datetime, int] | None = None,
    ) -> StartRequest:
        """Check, store the request, run StartSession; the request as it ended. `needs`: the
        driver's departure time and energy need (Wh), stored with the request for the
        scheduler (ADR 0054); InvalidRequest, before anything is held, when they cannot be."""
        charger = self.chargers.get(charge_point_id)
        if charger is None:
            raise NotFound(f"no charger {charge_point_id!r}")
        if charger.connection_id is None or charger.protocol is None:
            raise Unavailable(f"charger {charge_point_id!r} is offline")
        status = self._connector_status(charge_point_id, connector_id)
        if status not in STARTABLE:
            raise Conflict(f"connector {connector_id} is {status or 'unknown'}")
        profile = self.payment_methods.profile(driver_id)
        offer = self.offer_of(charge_point_id, connector_id)
        if offer.tariff_id is None:
            raise Conflict(f"charger {charge_point_id!r} has no price: it takes no app starts")
        now = self.now()
        if needs is not None and (problems := needs_problems(needs[0], needs[1], now)):
            raise InvalidRequest("; ".join(problems))
        tariff = self.tariffs.valid_at(offer.tariff_id, now)
        now_ms = to_epoch_ms(now)
        for other in self.requests.by_charger(charge_point_id, now_ms - START_WINDOW_S * 1000):
            if other.open and other.connector_id == connector_id and other.status != "claimed":
                raise Conflict(f"connector {connector_id} is being started by someone")
        request = StartRequest(
            charge_point_id=charge_point_id,
            request_id=new_request_id(now_ms),
            driver_id=driver_id,
            id_tag=self.sessions.ensure_app_token(driver_id),
            connector_id=connector_id,
            evse_id=connector_id if charger.protocol != "ocpp1.6" else None,
            remote_start_id=secrets.randbelow(2**31 - 1) + 1,
            status="authorising",
            requested_at_ms=now_ms,
            currency=tariff.currency,
            hold_minor=self.hold_minor,
            tariff_id=tariff.tariff_id,
            tariff_version=tariff.version,
            max_power_w=offer.max_power_w,
            protocol=charger.protocol,
            customer_id=profile.customer_id,
            payment_method_id=profile.payment_method_id,
            departure_at_ms=None if needs is None else to_epoch_ms(needs[0]),
            energy_needed_wh=None if needs is None else needs[1],
            # Until its start is sent, the sweep looks after it if the workflow dies.
            due_at_ms=now_ms + STUCK_AFTER_S * 1000,
        )
        if not self.requests.create(request):
            raise Conflict("start request id taken: try again")
        payload = {"chargePointId": charge_point_id, "requestId": request.request_id}
        try:
            self.workflows.run_sync(START_SESSION, payload)
        except WorkflowFailed as exc:
            logger.info("start %s ended %s: %s", request.request_id, exc.error, exc.cause)
        ended = self.requests.get(charge_point_id, request.request_id)
        assert ended is not None
        return ended

    def status(self, driver_id: str, charge_point_id: str, request_id: str) -> StartRequest:
        request = self.requests.get(charge_point_id, request_id)
        if request is None or request.driver_id != driver_id:
            raise NotFound("no such start request")
        return request

    # --- StartSession's tasks -------------------------------------------------------------

    def authorise(self, charge_point_id: str, request_id: str) -> dict[str, Any]:
        request = self._get(charge_point_id, request_id)
        if request.status != "authorising":
            return {"status": request.status}  # a retried task: done before
        payment = _hold(request)
        key = start_key(charge_point_id, request.connector_id, request_id, "authorise")
        try:
            intent = self.provider.authorise(payment, idempotency_key=key)
        except (PaymentDeclined, AuthenticationRequired) as exc:
            self.requests.transition(
                request,
                frozenset({"authorising"}),
                {"status": "declined", "reason": exc.code or exc.message, "due_at_ms": None},
            )
            return {"status": "declined", "reason": exc.code}
        # A provider outage raises: the workflow retries with the same key.
        self.requests.transition(
            request,
            frozenset({"authorising"}),
            {"status": "authorised", "payment_intent_id": intent.payment_intent_id},
        )
        return {"status": "authorised"}

    def send_start(self, charge_point_id: str, request_id: str) -> dict[str, Any]:
        request = self._get(charge_point_id, request_id)
        if request.status != "authorised":
            return {"status": request.status}
        if request.protocol == "ocpp1.6":
            action = "RemoteStartTransaction"
            payload: dict[str, Any] = {
                "connectorId": request.connector_id,
                "idTag": request.id_tag,
            }
        else:
            action = "RequestStartTransaction"
            payload = {
                "evseId": request.evse_id or request.connector_id,
                "remoteStartId": request.remote_start_id,
                "idToken": {"idToken": request.id_tag, "type": "Central"},
            }
        # The command's id is the request's: a retried task (its response lost after the
        # start went out) finds the command it sent instead of sending a second start.
        message_id = start_command_id(charge_point_id, request_id)
        command = self.engine.commands.get(charge_point_id, message_id)
        if command is not None and command.status == "offline":
            raise StartNotSent("ChargerOffline", f"charger {charge_point_id!r} is offline")
        if command is None:
            try:
                command = self.engine.send(
                    charge_point_id,
                    action,
                    payload,
                    requested_by=f"start:{request_id}",
                    message_id=message_id,
                )
            except CommandError as exc:
                raise StartNotSent(exc.code, exc.message) from None
        window_ms = to_epoch_ms(self.now()) + START_WINDOW_S * 1000
        self.requests.transition(
            request,
            frozenset({"authorised"}),
            {"status": "sent", "command_id": command.message_id, "due_at_ms": window_ms},
        )
        return {"status": "sent", "commandId": command.message_id}

    def release(self, charge_point_id: str, request_id: str, reason: str) -> dict[str, Any]:
        """Release the hold of a request no session will claim (idempotent)."""
        request = self._get(charge_point_id, request_id)
        if request.status not in ("authorising", "authorised", "sent"):
            return {"status": request.status}
        self._cancel_hold(request)
        ended = "released" if request.status != "authorising" else "failed"
        self.requests.transition(
            request,
            frozenset({request.status}),
            {"status": ended, "reason": reason, "due_at_ms": None},
        )
        return {"status": ended}

    def command_completed(self, detail: dict[str, Any]) -> None:
        """A remote start the charger did not accept releases its hold at once."""
        requested_by = str(detail.get("requestedBy") or "")
        if not requested_by.startswith("start:"):
            return
        result = detail.get("result") or {}
        if detail.get("status") == "answered" and result.get("status") == "Accepted":
            return  # the sweep claims or releases it once the start window has passed
        outcome = result.get("status") or detail.get("status")
        self.release(
            str(detail["chargePointId"]),
            requested_by.removeprefix("start:"),
            f"the charger did not start: {outcome}",
        )

    # --- the sweep ------------------------------------------------------------------------

    def sweep(self) -> int:
        """Look after every due request, a page at a time; how many were looked at."""
        now_ms = to_epoch_ms(self.now())
        seen: set[str] = set()
        from_ms: int | None = None
        for _ in range(SWEEP_PAGES):
            page = self.requests.due(now_ms, SWEEP_PAGE, from_ms)
            # The next page starts at this one's last due time: a request met twice (the
            # same time, or an index entry not yet moved on) is looked at once a run.
            fresh = [r for r in page if f"{r.charge_point_id}/{r.request_id}" not in seen]
            for request in fresh:
                seen.add(f"{request.charge_point_id}/{request.request_id}")
                try:
                    self._sweep_one(request, now_ms)
                except Exception:  # one bad request must not hold up the others
                    logger.exception("sweep of %s/%s failed", request.charge_point_id,
                                     request.request_id)  # fmt: skip
            if len(page) < SWEEP_PAGE or not fresh:
                break
            from_ms = page[-1].due_at_ms
        return len(seen)

    def _sweep_one(self, request: StartRequest, now_ms: int) -> None:
        if request.status == "claimed":
            self._check_cost(request, now_ms)
            return
        session = self.claimable_session(request)
        if session is not None and request.status == "sent":
            self.requests.transition(
                request,
                frozenset({"sent"}),
                {
                    "status": "claimed",
                    "transaction_id": session.transaction_id,
                    "due_at_ms": now_ms + self._cost_check_wait_ms(request, session, now_ms),
                },
            )
            return
        reason = {
            "authorising": "the start workflow did not finish",
            "authorised": "the start workflow did not finish",
            "sent": "no session started in time",
        }.get(request.status, "ended")
        self.release(request.charge_point_id, request.request_id, reason)

    def claimable_session(self, request: StartRequest) -> Any:
        """The session the request started: the driver's app token on this charger, started
        after the request (1.6 has no remote-start id; 2.0.1 carries it too)."""
        since = from_epoch_ms(request.requested_at_ms - 60_000)
        where = SessionFilter(started_from=iso_utc(since), charge_point_id=request.charge_point_id)
        for session in self.transactions.by_id_tag(request.id_tag, where, 10, None).items:
            if session.remote_start_id not in (None, request.remote_start_id):
                continue
            return self.transactions.get(session.charge_point_id, session.transaction_id)
        return None

    def _check_cost(self, request: StartRequest, now_ms: int) -> None:
        session = self.transactions.get(request.charge_point_id, request.transaction_id or "")
        if session is None or session.stopped:
            # Settled (or about to be) by SettleSession: the sweep is done with it.
            self.requests.transition(request, frozenset({"claimed"}), {"due_at_ms": None})
            return
        tariff = self.tariffs.version(request.tariff_id, request.tariff_version)
        wait_ms = self._cost_check_wait_ms(request, session, now_ms, tariff)
        next_check: dict[str, Any] = {"due_at_ms": now_ms + wait_ms}
        if not request.cost_cap_stop_sent and self._running_price(
            request, session, now_ms, tariff
        ) >= (request.hold_minor):
            stopped = self._stop(request, session)
            next_check["cost_cap_stop_sent"] = stopped
        self.requests.transition(request, frozenset({"claimed"}), next_check)

    def _cost_check_wait_ms(
        self, request: StartRequest, session: Any, now_ms: int, tariff: Tariff | None = None
    ) -> int:
        """How long (ms) the session surely stays below its hold (docs/adr/0025): its energy
        so far (the last meter reading, or none) grows at most at the EVSE's most power."""
        if request.max_power_w is None:
            return COST_CHECK_EVERY_S * 1000
        if tariff is None:
            tariff = self.tariffs.version(request.tariff_id, request.tariff_version)
        started_ms = min(now_ms, session.started_at_ms or request.requested_at_ms)
        energy_wh, read_ms = 0, started_ms
        read_at = parse_timestamp(session.last_meter_at)
        if session.last_meter_wh is not None and read_at is not None:
            # A charger's clock may run ahead: a reading is never taken as later than now.
            read_ms = min(now_ms, max(started_ms, to_epoch_ms(read_at)))
            energy_wh = max(0, session.last_meter_wh - (session.meter_start_wh or 0))
        return cost_check_wait_ms(
            tariff, request.hold_minor, request.max_power_w, started_ms, now_ms, energy_wh, read_ms
        )

    def _running_price(
        self, request: StartRequest, session: Any, now_ms: int, tariff: Tariff
    ) -> int:
        started_ms = session.started_at_ms or request.requested_at_ms
        energy = max(0, (session.last_meter_wh or 0) - (session.meter_start_wh or 0))
        period = UsagePeriod(
            start=from_epoch_ms(started_ms),
            duration_s=max(0, (now_ms - started_ms) // 1000),
            energy_wh=energy,
        )
        return price_session(tariff, [period]).total_incl_tax

    def _stop(self, request: StartRequest, session: Any) -> bool:
        if request.protocol == "ocpp1.6":
            action, payload = (
                "RemoteStopTransaction",
                {"transactionId": int(session.transaction_id)},
            )
        else:
            action, payload = "RequestStopTransaction", {"transactionId": session.transaction_id}
        try:
            self.engine.send(
                request.charge_point_id,
                action,
                payload,
                requested_by=f"costcap:{request.request_id}",
            )
        except CommandError as exc:
            logger.warning("cost cap stop of %s not sent: %s", request.request_id, exc.message)
            return False
        logger.info("cost cap reached: stopping %s", request.request_id)
        return True

    def _cancel_hold(self, request: StartRequest) -> None:
        if request.status == "authorising":
            # The workflow died around the hold: replaying the authorisation with its key
            # returns the hold if one was placed (and places one otherwise, released next).
            key = start_key(
                request.charge_point_id, request.connector_id, request.request_id, "authorise"
            )
            try:
                intent = self.provider.authorise(_hold(request), idempotency_key=key)
            except (PaymentDeclined, AuthenticationRequired):
                return  # no hold exists
            intent_id = intent.payment_intent_id
        else:
            intent_id = request.payment_intent_id or ""
        if intent_id:
            key = start_key(
                request.charge_point_id, request.connector_id, request.request_id, "cancel"
            )
            self.provider.cancel(intent_id, idempotency_key=key)

    def _connector_status(self, charge_point_id: str, connector_id: int) -> str | None:
        for status in self.connectors.list_for(charge_point_id):
            if connector_id in (status.connector_id, status.evse_id):
                return status.status
        return None

    def _get(self, charge_point_id: str, request_id: str) -> StartRequest:
        request = self.requests.get(charge_point_id, request_id)
        if request is None:
            raise NotFound(f"no start request {charge_point_id}/{request_id}")
        return request


def cost_check_wait_ms(
    tariff: Tariff,
    hold_minor: int,
    max_power_w: int,
    started_ms: int,
    now_ms: int,
    energy_wh: int,
    read_ms: int,
) -> int:
    """How long until a running session's price may reach its hold: `energy_wh` was read at
    `read_ms` and grows at most at `max_power_w` (since the reading, too). At least
    COST_CHECK_EVERY_S, at most LONGEST_COST_CHECK_WAIT_S."""
    unread_wh = max_power_w * (now_ms - read_ms) // 3_600_000 + 1
    wait_s = seconds_below(
        tariff,
        hold_minor,
        energy_wh + unread_wh,
        (now_ms - started_ms) // 1000,
        max_power_w,
        LONGEST_COST_CHECK_WAIT_S,
    )
    return max(COST_CHECK_EVERY_S, wait_s) * 1000


class StartNotSent(Exception):
    """The remote start could not be sent (offline, busy): the workflow releases the hold."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def start_command_id(charge_point_id: str, request_id: str) -> str:
    """The id of a request's remote start (a UUID: 36 characters, as OCPP allows)."""
    return str(uuid.uuid5(_START_COMMANDS, f"{charge_point_id}/{request_id}"))


def _hold(request: StartRequest) -> PaymentRequest:
    """The hold of a request: the same request every time, so its key always matches."""
    if request.customer_id is None or request.payment_method_id is None:
        raise ValueError(f"start request {request.request_id} has no payment method")
    return PaymentRequest(
        amount_minor=request.hold_minor,
        currency=request.currency,
        customer_id=request.customer_id,
        payment_method_id=request.payment_method_id,
        metadata={"driverId": request.driver_id, "startRequest": _ref(request)},
    )


def _ref(request: StartRequest) -> str:
    return f"{request.charge_point_id}/{request.request_id}"
