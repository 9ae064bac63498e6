"""The command engine: CSMS-initiated CALLs over API Gateway's @connections.

A command goes out with post_to_connection; its CALLRESULT/CALLERROR comes back later as a
separate $default invocation, matched by message id against the pending-call record. One
command per charger is in flight at a time (a slot on the charger record with a deadline); a
second one is refused with 409 rather than queued — a queue would need a worker to drain it,
and the caller (operator, workflow) is better placed to retry. Deadlines are explicit: a
command without an answer by its deadline is marked `timeout` (lazily, by whoever looks first)
and a late reply is logged and dropped.

A slot does not outlive the connection its command went out on: when the charger's new
connection is attached and a command still holds the slot, the command is settled `offline`
(error ConnectionLost) and the slot freed, so the next command goes out at once
(docs/adr/0038-command-slots.md).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from shared.access.rotation import redacted, sets_password
from shared.models.command import CommandRecord
from shared.models.domain_events import COMMAND_COMPLETED, DomainEvent
from shared.observability import count_metric
from shared.ocpp.framing import CallError, CallResult, encode_call
from shared.ocpp.validation import OcppSchemas, default_schemas
from shared.ocpp.versions import OcppVersion
from shared.ports import (
    ChargerRepository,
    ChargerSender,
    CommandStore,
    ConnectionGone,
    EventPublisher,
    TaskNotifier,
    publish_safely,
)
from shared.timeutil import from_epoch_ms, iso_utc, parse_timestamp

logger = logging.getLogger("csms.commands.engine")

DEFAULT_TIMEOUT_S = 30
MAX_TIMEOUT_S = 300
# API Gateway's integration timeout is 29 s: a synchronous API call waits at most this long.
MAX_SYNC_WAIT_S = 20
OUTCOME_RETENTION_S = 7 * 24 * 3600

# Actions the central system may send, per version (charger-initiated ones are excluded even
# though they have schemas too).
CSMS_ACTIONS: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.V16: frozenset(
        {
            "CancelReservation",
            # The security extension's certificate signing (docs/adr/0041).
            "CertificateSigned",
            "ChangeAvailability",
            "ChangeConfiguration",
            "ClearCache",
            "ClearChargingProfile",
            "DataTransfer",
            "DeleteCertificate",
            "ExtendedTriggerMessage",
            "GetCompositeSchedule",
            "GetConfiguration",
            "GetDiagnostics",
            "GetInstalledCertificateIds",
            "GetLocalListVersion",
            "GetLog",
            "InstallCertificate",
            "RemoteStartTransaction",
            "RemoteStopTransaction",
            "ReserveNow",
            "Reset",
            "SendLocalList",
            "SetChargingProfile",
            "SignedUpdateFirmware",
            "TriggerMessage",
            "UnlockConnector",
            "UpdateFirmware",
        }
    ),
    # Every CSMS-to-station message of OCPP 2.0.1 (Part 2, the messages the CSMS sends).
    OcppVersion.V201: frozenset(
        {
            "CancelReservation",
            "CertificateSigned",
            "ChangeAvailability",
            "ClearCache",
            "ClearChargingProfile",
            "ClearDisplayMessage",
            "ClearVariableMonitoring",
            "CostUpdated",
            "CustomerInformation",
            "DataTransfer",
            "DeleteCertificate",
            "GetBaseReport",
            "GetChargingProfiles",
            "GetCompositeSchedule",
            "GetDisplayMessages",
            "GetInstalledCertificateIds",
            "GetLocalListVersion",
            "GetLog",
            "GetMonitoringReport",
            "GetReport",
            "GetTransactionStatus",
            "GetVariables",
            "InstallCertificate",
            "PublishFirmware",
            "RequestStartTransaction",
            "RequestStopTransaction",
            "ReserveNow",
            "Reset",
            "SendLocalList",
            "SetChargingProfile",
            "SetDisplayMessage",
            "SetMonitoringBase",
            "SetMonitoringLevel",
            "SetNetworkProfile",
            "SetVariableMonitoring",
            "SetVariables",
            "TriggerMessage",
            "UnlockConnector",
            "UnpublishFirmware",
            "UpdateFirmware",
        }
    ),
}

# What is not sent to a Pending charger. The central system may read and change a Pending
# charger's configuration (2.0.1 B02.FR.01, 1.6 §4.2.1), but not start or stop a transaction:
# 1.6 names RemoteStart/RemoteStopTransaction "not allowed" while Pending, and a 2.0.1 station
# answers RequestStart/RequestStopTransaction Rejected (B02.FR.05). ADR 0040.
NOT_WHILE_PENDING = frozenset(
    {
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "RequestStartTransaction",
        "RequestStopTransaction",
    }
)

AnswerHook = Callable[[CommandRecord], None]


class CommandError(Exception):
    """A command that could not be sent. `status` is the HTTP status the API answers."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


def _outcome_summary(result: dict[str, Any] | None, error: dict[str, Any] | None) -> str:
    """`Accepted`, or the error code: the part of an answer a log line needs."""
    if error:
        return str(error.get("code"))
    status = (result or {}).get("status")
    return str(status) if status is not None else "answered"


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class CommandEngine:
    chargers: ChargerRepository
    commands: CommandStore
    sender: ChargerSender
    publisher: EventPublisher
    tasks: TaskNotifier
    schemas: OcppSchemas = field(default_factory=default_schemas)
    clock_ms: Callable[[], int] = _now_ms
    sleep: Callable[[float], None] = time.sleep
    # Domain follow-ups when a command is finished (e.g. a reservation becomes active); hooks
    # see every final status and decide for themselves.
    answer_hooks: dict[str, list[AnswerHook]] = field(default_factory=dict)
    # Follow-ups that may send the charger's next command: they run once the outcome is stored
    # and the slot is free, and only for whoever stored the outcome.
    next_hooks: dict[str, list[AnswerHook]] = field(default_factory=dict)
    # Answers that came after the command was settled (timeout, lost connection): dropped
    # for the command's record, but some changes happened on the charger all the same (a
    # password it took). The hook gets the settled record with the late answer as `result`.
    late_hooks: dict[str, list[AnswerHook]] = field(default_factory=dict)

    def on_answer(self, action: str, hook: AnswerHook) -> None:
        self.answer_hooks.setdefault(action, []).append(hook)

    def then(self, action: str, hook: AnswerHook) -> None:
        self.next_hooks.setdefault(action, []).append(hook)

    def on_late_answer(self, action: str, hook: AnswerHook) -> None:
        self.late_hooks.setdefault(action, []).append(hook)

    @staticmethod
    def actions(version: OcppVersion) -> list[str]:
        return sorted(CSMS_ACTIONS[version])

    # Sending

    def send(
        self,
        charge_point_id: str,
        action: str,
        payload: dict[str, Any],
        *,
        timeout_s: int = DEFAULT_TIMEOUT_S,
        task_token: str | None = None,
        requested_by: str | None = None,
        message_id: str | None = None,
        sets_charger_password: bool = False,
    ) -> CommandRecord:
        """Send `action`; `message_id` is the caller's when it must know the command's id before
        sending (to find it again after a lost response), a new one otherwise. Only the
        password rotation (`sets_charger_password`) may change the charger's password."""
        charger = self.chargers.get(charge_point_id)
        if charger is None:
            raise CommandError(404, "NotFound", f"charger {charge_point_id!r} is not registered")
        if charger.connection_id is None or charger.protocol is None:
            raise CommandError(503, "ChargerOffline", f"charger {charge_point_id!r} is offline")
        if charger.registration_status == "Rejected":
            # OCPP 2.0.1 B03.FR.03 (1.6 likewise): the central system sends nothing to a charger
            # it rejected. An operator who accepts it sees its next boot accepted (ADR 0040).
            raise CommandError(
                409,
                "ChargerRejected",
                f"charger {charge_point_id!r} is Rejected: accept it before sending commands",
            )
        if charger.registration_status == "Pending" and action in NOT_WHILE_PENDING:
            # The charger would answer Rejected: said before a slot is taken.
            raise CommandError(
                409,
                "ChargerPending",
                f"charger {charge_point_id!r} is Pending: {action} is sent once it is accepted",
            )
        version = OcppVersion(charger.protocol)
        if action not in CSMS_ACTIONS[version]:
            raise CommandError(
                400,
                "UnsupportedCommand",
                f"{action} is not a command of OCPP {version.value}",
                {"supported": self.actions(version)},
            )
        if sets_password(action, payload) and not sets_charger_password:
            raise CommandError(
                400,
                "PasswordNotSettable",
                "the charger's password is changed by POST "
                f"/api/chargers/{charge_point_id}/password/rotate, which keeps the CSMS's copy",
            )
        violation = self.schemas.check(version, action, payload, "request")
        if violation is not None:
            raise CommandError(
                400,
                "InvalidCommand",
                f"{action}: {violation.message}",
                {"path": violation.path, "constraint": violation.rule},
            )
        timeout_s = max(1, min(timeout_s, MAX_TIMEOUT_S))
        now_ms = self.clock_ms()
        message_id = message_id or str(uuid.uuid4())
        frame = encode_call(message_id, action, payload)
        try:
            frame.encode("utf-8")
        except UnicodeEncodeError:
            # Checked before the slot is taken: a frame that cannot be sent never holds it.
            raise CommandError(
                400,
                "InvalidCommand",
                f"{action}: the payload holds an unpaired UTF-16 surrogate",
            ) from None
        deadline_ms = now_ms + timeout_s * 1000
        if not self.commands.acquire_slot(charge_point_id, message_id, deadline_ms, now_ms):
            holder = self.commands.slot_holder(charge_point_id)
            raise CommandError(
                409,
                "CommandInFlight",
                f"charger {charge_point_id!r} is still answering another command",
                {
                    "commandId": holder[0] if holder else None,
                    "retryAfterMs": max(0, holder[1] - now_ms) if holder else 0,
                },
            )
        record = CommandRecord(
            charge_point_id=charge_point_id,
            message_id=message_id,
            action=action,
            protocol=version.value,
            status="pending",
            created_at=iso_utc(from_epoch_ms(now_ms)),
            deadline_ms=deadline_ms,
            expires_at=now_ms // 1000 + OUTCOME_RETENTION_S,
            # A password goes to the charger only: the stored request shows it redacted.
            payload=redacted(action, payload),
            task_token=task_token,
            requested_by=requested_by,
        )
        self.commands.create(record)
        try:
            self.sender.send(charger.connection_id, frame)
        except ConnectionGone:
            # API Gateway no longer knows the connection: the charger is gone, whatever the
            # charger record said. Mark it offline so nobody else tries.
            self.chargers.detach_connection(
                charge_point_id,
                charger.connection_id,
                from_epoch_ms(now_ms),
                "connection gone when a command was sent",
            )
            self._finish(
                record,
                "offline",
                error={"code": "ChargerOffline", "description": "connection is gone"},
            )
            raise CommandError(
                503, "ChargerOffline", f"charger {charge_point_id!r} is offline"
            ) from None
        logger.info(
            "command %s sent",
            action,
            extra={"chargePointId": charge_point_id, "messageId": message_id},
        )
        return record

    # Outcomes

    def get(self, charge_point_id: str, message_id: str) -> CommandRecord | None:
        """The command, marked `timeout` first if its deadline passed without an answer."""
        record = self.commands.get(charge_point_id, message_id)
        if record is not None and not record.done and self.clock_ms() > record.deadline_ms:
            return self._finish(
                record,
                "timeout",
                error={"code": "Timeout", "description": "the charger did not answer in time"},
            )
        return record

    def wait(self, charge_point_id: str, message_id: str, wait_s: float) -> CommandRecord | None:
        """Poll the outcome until it is final or `wait_s` (at most 20 s) has passed."""
        give_up = self.clock_ms() + int(min(wait_s, MAX_SYNC_WAIT_S) * 1000)
        # Chargers answer in tens of milliseconds: poll fast first, then back off (each poll is
        # one strongly consistent read).
        delay = 0.02
        while True:
            record = self.get(charge_point_id, message_id)
            if record is None or record.done or self.clock_ms() >= give_up:
                return record
            self.sleep(delay)
            delay = min(delay * 1.5, 0.5)

    def connection_lost(self, charge_point_id: str, message_id: str) -> CommandRecord | None:
        """The charger has a new connection while `message_id` holds its slot: the command
        went out on an earlier connection and its answer cannot come back. Settle it (once:
        the outcome is a conditional write) and free the slot."""
        record = self.commands.get(charge_point_id, message_id)
        if record is None or record.done:
            # An outcome is stored (or the record is gone): only the slot is left to free.
            self.commands.release_slot(charge_point_id, message_id)
            return record
        if self.clock_ms() > record.deadline_ms:
            return self._finish(
                record,
                "timeout",
                error={"code": "Timeout", "description": "the charger did not answer in time"},
            )
        return self._finish(
            record,
            "offline",
            error={
                "code": "ConnectionLost",
                "description": "the charger reconnected before answering: the command went out "
                "on its previous connection and cannot be answered; send it again",
            },
        )

    def on_reply(
        self, charge_point_id: str, reply: CallResult | CallError, lenient: bool = False
    ) -> None:
        """A CALLRESULT/CALLERROR from a charger ($default): match it to its command. A lenient
        charger's answer that breaks its schema still counts as answered."""
        record = self.commands.get(charge_point_id, reply.message_id)
        if record is None:
            logger.warning(
                "reply for an unknown message id dropped",
                extra={"chargePointId": charge_point_id, "messageId": reply.message_id},
            )
            return
        if record.done:
            self._late_answer(record, reply)
            logger.warning(
                "reply for a finished command dropped",
                extra={
                    "chargePointId": charge_point_id,
                    "messageId": reply.message_id,
                    "status": record.status,
                },
            )
            return
        if self.clock_ms() > record.deadline_ms:
            self._finish(
                record,
                "timeout",
                error={"code": "Timeout", "description": "the charger answered after the deadline"},
            )
            self._late_answer(self.commands.get(charge_point_id, reply.message_id) or record, reply)
            logger.warning(
                "late reply dropped; command timed out",
                extra={"chargePointId": charge_point_id, "messageId": reply.message_id},
            )
            return
        if isinstance(reply, CallError):
            self._finish(
                record,
                "error",
                error={
                    "code": reply.code,
                    "description": reply.description,
                    "details": reply.details,
                },
            )
            return
        violation = self.schemas.check(
            OcppVersion(record.protocol), record.action, reply.payload, "response"
        )
        if violation is not None and not lenient:
            self._finish(
                record,
                "invalid_response",
                result=reply.payload,
                error={
                    "code": violation.kind.value,
                    "description": violation.message,
                    "details": {"path": violation.path, "constraint": violation.rule},
                },
            )
            return
        self._finish(record, "answered", result=reply.payload)

    def _finish(
        self,
        record: CommandRecord,
        status: str,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> CommandRecord:
        finished_at = from_epoch_ms(self.clock_ms())
        at = iso_utc(finished_at)
        # Follow-ups first: whoever sees the command finished (an API call waiting on it) must
        # also see their effect (a reservation accepted). They are conditional updates, so
        # running them again for a competing outcome changes nothing.
        hooks = self.answer_hooks.get(record.action)
        if hooks:
            finished = replace(record, status=status, result=result, error=error, completed_at=at)  # type: ignore[arg-type]
            self._run_hooks(hooks, finished)
        # The slot is freed before the outcome is stored: whoever sees the command finished may
        # send the next one at once. (A conditional release: a newer command's slot stays.)
        self.commands.release_slot(record.charge_point_id, record.message_id)
        updated = self.commands.complete(
            record.charge_point_id,
            record.message_id,
            status,
            at,
            result=result,
            error=error,
            unpublished=frozenset({COMMAND_COMPLETED}),
        )
        if updated is None:  # someone else recorded the outcome first
            return self.commands.get(record.charge_point_id, record.message_id) or record
        self.publish_pending(updated)
        logger.info(
            "command %s %s%s",
            record.action,
            status,
            f": {_outcome_summary(result, error)}" if result or error else "",
            extra={"chargePointId": record.charge_point_id, "messageId": record.message_id},
        )
        if status == "timeout":
            count_metric("CommandTimeouts", {"Action": record.action})
        if updated.task_token:
            self._notify_task(updated)
        then = self.next_hooks.get(record.action)
        if then:
            self._run_hooks(then, updated)
        return updated

    # The outbox: an outcome is stored with CommandCompleted marked unpublished; the event is
    # built from the stored command alone (same detail, same id, whoever publishes it).

    def publish_pending(self, record: CommandRecord) -> None:
        if COMMAND_COMPLETED not in record.unpublished:
            return
        at = parse_timestamp(record.completed_at) or from_epoch_ms(self.clock_ms())
        event = DomainEvent(
            COMMAND_COMPLETED,
            record.charge_point_id,
            at,
            {k: v for k, v in record.summary().items() if k != "chargePointId"},
        )
        if publish_safely(self.publisher, event):
            self.commands.mark_published(
                record.charge_point_id, record.message_id, COMMAND_COMPLETED
            )
        else:  # left for the outbox relay
            self.commands.mark_for_relay(record.charge_point_id, record.message_id)

    def republish_marked(self, marked_before_ms: int, now: datetime) -> int:
        """The outbox relay's turn: publish the outcomes whose event was left behind."""
        waiting = self.commands.marked(marked_before_ms)
        for record in waiting:
            self.publish_pending(record)
        return len(waiting)

    def _late_answer(self, record: CommandRecord, reply: CallResult | CallError) -> None:
        hooks = self.late_hooks.get(record.action)
        if hooks and isinstance(reply, CallResult) and record.status in ("timeout", "offline"):
            self._run_hooks(hooks, replace(record, result=reply.payload))

    @staticmethod
    def _run_hooks(hooks: list[AnswerHook], finished: CommandRecord) -> None:
        for hook in hooks:
            try:
                hook(finished)
            except Exception:
                logger.exception(
                    "follow-up of a finished command failed",
                    extra={"action": finished.action, "messageId": finished.message_id},
                )

    def _notify_task(self, record: CommandRecord) -> None:
        assert record.task_token is not None
        try:
            if record.status == "answered":
                self.tasks.succeed(record.task_token, record.summary())
            else:
                error = record.error or {}
                self.tasks.fail(
                    record.task_token,
                    f"Command.{record.status}",
                    f"{error.get('code', '')}: {error.get('description', '')}"[:256],
                )
        except Exception:
            # The workflow's own task timeout catches what we could not report.
            logger.exception("task token not notified", extra={"messageId": record.message_id})
