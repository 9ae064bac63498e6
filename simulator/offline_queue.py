"""Transaction messages: delivered in order, kept while offline, replayed on reconnect.

OCPP makes a charger deliver its transaction-related messages (1.6 StartTransaction,
StopTransaction and MeterValues of a transaction; 2.0.1 TransactionEvent) even when they
happen while the connection is down: they wait in a queue and go out in their original order
once the charger is back, before anything newer. Every such message passes through this queue,
online or not, which is what keeps that order.

A 1.6 StartTransaction queued offline has no transaction id yet. It gets a local placeholder
(a negative number); later messages of that session carry the placeholder, which is swapped
for the id the CSMS assigns once the queued start is answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from simulator.errors import CallErrorReceived, ConnectionLost, ResponseTimeout, SimulatorError
from simulator.protocols import authorization_status
from simulator.stats import Stats

log = logging.getLogger("simulator.queue")

CallFunction = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]

# The start_authorization() answer for a start the CSMS never acknowledged.
START_FAILED = "Failed"
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_HISTORY = 100
# Transactions whose ids and start answers are remembered, per charger (oldest forgotten).
REMEMBERED_TRANSACTIONS = 10_000


@dataclass(eq=False)
class QueuedMessage:
    action: str
    payload: dict[str, Any]
    # Created while the charger was offline (2.0.1 sends these with offline: true).
    offline: bool
    # A 1.6 StartTransaction: the placeholder id its answer resolves.
    placeholder: int | None = None
    attempts: int = 0
    # The payload as delivered (placeholders replaced) and the CSMS's answer.
    sent_payload: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    # Why the message was given up (CALLERROR, too many timeouts, start never acknowledged).
    error: SimulatorError | None = None

    @property
    def settled(self) -> bool:
        return self.response is not None or self.error is not None


@dataclass(frozen=True)
class Acknowledged:
    """A delivered transaction message, kept so it can be sent again as a duplicate."""

    action: str
    payload: dict[str, Any]
    response: dict[str, Any]


class OfflineQueue:
    """The transaction messages of one charger that are not delivered yet, oldest first.

    Iterating yields the waiting QueuedMessages; len() counts them. A timed-out message stays
    at the head and is tried again at the next flush (up to max_attempts); one answered with a
    CALLERROR is given up, since sending the same payload again gets the same answer.
    """

    def __init__(
        self,
        call: CallFunction,
        *,
        is_online: Callable[[], bool],
        stats: Stats,
        charge_point_id: str,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        history: int = DEFAULT_HISTORY,
    ) -> None:
        self._call = call
        self._is_online = is_online
        self.stats = stats
        self.charge_point_id = charge_point_id
        self.max_attempts = max_attempts
        self.pending: deque[QueuedMessage] = deque()
        self.acknowledged: deque[Acknowledged] = deque(maxlen=history)
        # 1.6: placeholder -> transaction id assigned by the CSMS, and the start's answer.
        self.id_map: dict[int, int] = {}
        self.start_responses: dict[int, dict[str, Any]] = {}
        # 2.0.1: transaction id -> idTokenInfo status of the latest answer that had one.
        self.event_statuses: dict[str, str] = {}
        self._placeholder_of: dict[int, int] = {}
        self._failed: dict[int | str, None] = {}
        self._next_placeholder = -1
        self._lock = asyncio.Lock()
        self._empty = asyncio.Event()
        self._empty.set()

    def __len__(self) -> int:
        return len(self.pending)

    def __iter__(self) -> Iterator[QueuedMessage]:
        return iter(list(self.pending))

    # ----- transaction ids --------------------------------------------------------------

    def new_placeholder(self) -> int:
        placeholder = self._next_placeholder
        self._next_placeholder -= 1
        return placeholder

    def resolve(self, transaction_id: int | str) -> int | str:
        """The CSMS's id for a 1.6 placeholder once known; any other id unchanged."""
        if isinstance(transaction_id, int):
            return self.id_map.get(transaction_id, transaction_id)
        return transaction_id

    def same_transaction(self, first: int | str, second: int | str) -> bool:
        return self.resolve(first) == self.resolve(second)

    def start_authorization(self, transaction_id: int | str) -> str | None:
        """The idTagInfo / idTokenInfo status the CSMS gave the transaction's start.

        None while the start waits in the queue (or the answer had no status), START_FAILED
        when the start was given up without an answer.
        """
        if isinstance(transaction_id, str):
            if transaction_id in self._failed:
                return START_FAILED
            return self.event_statuses.get(transaction_id)
        placeholder = self._placeholder_of.get(transaction_id, transaction_id)
        if placeholder in self._failed:
            return START_FAILED
        response = self.start_responses.get(placeholder)
        return authorization_status(response) if response is not None else None

    # ----- sending ----------------------------------------------------------------------

    async def submit(self, message: QueuedMessage) -> QueuedMessage:
        """Queue a message; when online, deliver the queue up to and including it.

        Returns the message: settled when it was delivered or given up, otherwise still
        waiting (offline, connection lost, or timed out: it goes out later).
        """
        self.pending.append(message)
        self._empty.clear()
        if message.offline:
            self.stats.queued_offline += 1
            log.info("%s queued %s while offline", self.charge_point_id, message.action)
            return message
        await self.flush()
        return message

    async def flush(self) -> None:
        """Deliver waiting messages in order while the charger is online."""
        if not self.pending or not self._is_online():
            return
        async with self._lock:
            await self._drain()

    async def wait_empty(self) -> None:
        await self._empty.wait()

    async def replay_acknowledged(self, count: int | None = 1) -> int:
        """Send the last `count` delivered messages again (every kept one when None).

        Chargers do this when a response got lost: the CSMS must answer a duplicate as it
        answered the original. A replayed StartTransaction answered with a different
        transactionId is counted as the error `duplicate_start_changed_transaction_id`.
        Returns how many duplicates got an answer.
        """
        if count is not None and count <= 0:
            return 0
        chosen = list(self.acknowledged)
        if count is not None:
            chosen = chosen[-count:]
        answered = 0
        async with self._lock:
            for original in chosen:
                if not self._is_online():
                    break
                self.stats.duplicates_sent += 1
                try:
                    response = await self._call(original.action, original.payload)
                except ConnectionLost:
                    break
                except (ResponseTimeout, CallErrorReceived):
                    continue  # counted as errors by the call itself
                answered += 1
                if original.action == "StartTransaction" and response.get(
                    "transactionId"
                ) != original.response.get("transactionId"):
                    self.stats.error(
                        "duplicate_start_changed_transaction_id",
                        self.charge_point_id,
                        f"{original.response.get('transactionId')} -> "
                        f"{response.get('transactionId')}",
                    )
        log.info("%s replayed %d acknowledged message(s)", self.charge_point_id, answered)
        return answered

    async def _drain(self) -> None:
        while self.pending and self._is_online():
            message = self.pending[0]
            payload = self._resolved(message.payload)
            if payload is None:
                self._give_up(
                    message,
                    SimulatorError("its transaction was never started at the CSMS"),
                    "orphaned_transaction_message",
                )
                continue
            try:
                response = await self._call(message.action, payload)
            except ConnectionLost:
                return
            except ResponseTimeout as exc:
                message.attempts += 1
                if message.attempts < self.max_attempts:
                    return  # try again at the next flush
                self._give_up(message, exc, "transaction_message_dropped")
                continue
            except CallErrorReceived as exc:
                self._give_up(message, exc, None)
                continue
            self.pending.popleft()
            message.sent_payload = payload
            message.response = response
            if message.offline:
                self.stats.replayed += 1
            self._acknowledged(message, payload, response)
        if not self.pending:
            self._empty.set()

    def _resolved(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The payload with a placeholder transactionId replaced; None when that transaction
        will never get an id."""
        transaction_id = payload.get("transactionId")
        if not isinstance(transaction_id, int) or transaction_id >= 0:
            return payload
        if transaction_id in self.id_map:
            return {**payload, "transactionId": self.id_map[transaction_id]}
        if transaction_id in self._failed:
            return None
        return payload

    def _give_up(self, message: QueuedMessage, error: SimulatorError, kind: str | None) -> None:
        self.pending.popleft()
        message.error = error
        if kind is not None:
            self.stats.error(kind, self.charge_point_id, f"{message.action}: {error}")
        if message.placeholder is not None:
            _remember(self._failed, message.placeholder, None)
        elif message.action == "TransactionEvent" and message.payload.get("eventType") == "Started":
            _remember(self._failed, message.payload["transactionInfo"]["transactionId"], None)
        if not self.pending:
            self._empty.set()

    def _acknowledged(
        self, message: QueuedMessage, payload: dict[str, Any], response: dict[str, Any]
    ) -> None:
        status = authorization_status(response)
        if message.action == "StartTransaction" and message.placeholder is not None:
            transaction_id = response.get("transactionId")
            if not isinstance(transaction_id, int) or isinstance(transaction_id, bool):
                self.stats.error("invalid_start_response", self.charge_point_id, response)
                _remember(self._failed, message.placeholder, None)
                return
            _remember(self.id_map, message.placeholder, transaction_id)
            _remember(self._placeholder_of, transaction_id, message.placeholder)
            _remember(self.start_responses, message.placeholder, response)
            self.stats.transactions_started += 1
            if status is not None and status != "Accepted":
                self.stats.id_tag_rejections += 1
        elif message.action == "StopTransaction":
            self.stats.transactions_stopped += 1
        elif message.action == "TransactionEvent":
            event_type = payload.get("eventType")
            if event_type == "Started":
                self.stats.transactions_started += 1
            elif event_type == "Ended":
                self.stats.transactions_stopped += 1
            transaction_id = payload["transactionInfo"]["transactionId"]
            if status is not None:
                if status != "Accepted" and self.event_statuses.get(transaction_id) in (
                    None,
                    "Accepted",
                ):
                    self.stats.id_tag_rejections += 1
                _remember(self.event_statuses, transaction_id, status)
        self.acknowledged.append(Acknowledged(message.action, payload, response))


def _remember(memory: dict[Any, Any], key: Any, value: Any) -> None:
    """Store, forgetting the oldest entries beyond REMEMBERED_TRANSACTIONS (long runs)."""
    memory.pop(key, None)
    memory[key] = value
    while len(memory) > REMEMBERED_TRANSACTIONS:
        del memory[next(iter(memory))]
