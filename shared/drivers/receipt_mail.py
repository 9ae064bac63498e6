"""E-mailing a driver their receipt when it is issued (the `ReceiptIssued` rule; docs/drivers.md,
"Receipt e-mails").

Once per receipt, as far as the mail service lets us know: an attempt first claims the
receipt's e-mail (a conditional write on the receipt's item), then looks the driver's address
up in the user directory (at send time: the platform does not keep it), sends, and marks the
receipt `sent` with the mail service's message id.

    no receipt                        -> ReceiptNotFound (raised: retried, then dead-lettered)
    already sent or skipped           -> nothing (a replayed or duplicated event)
    claimed by a live attempt         -> ReceiptMailBusy (raised: retried after it finished)
    claimed longer than CLAIM_LEASE_MS -> claimed again: that attempt died
    no user, or address not verified  -> marked `skipped`, logged, nothing sent
    directory or mail service fails   -> claim released, error raised: the retry sends once
    SES's answer lost                 -> as a failure: the retry sends a second copy
    the `sent` mark fails after SES answered -> logged, not raised (a retry would send again);
        the claim lapses, so only a replay of the event after the lease sends a second copy

Where SES took a message the platform did not learn about or record, delivery is at least
once (SES has no idempotency key); never silently none.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from shared.drivers.receipt_page import money, receipt_html, receipt_text
from shared.models.receipt import Receipt
from shared.ports import ReceiptStore
from shared.ports.receipt_mail import (
    DriverDirectory,
    MailSender,
    OutgoingMail,
    ReceiptEmailLog,
)
from shared.timeutil import to_epoch_ms

logger = logging.getLogger("csms.receipt_mail")

# An attempt runs at most the function's timeout (30 s): a claim older than this belongs to an
# attempt that died (between Lambda's retries of one event, about 1 and 3 minutes later).
CLAIM_LEASE_MS = 120_000


class ReceiptNotFound(Exception):
    """ReceiptIssued names a receipt the Receipts table does not hold."""


class ReceiptMailBusy(Exception):
    """Another attempt is sending this receipt right now: try again later."""


def receipt_subject(receipt: Receipt) -> str:
    total = money(receipt.total_incl_tax, receipt.currency)
    return f"Your charging receipt \N{EM DASH} {receipt.charge_point_id} \N{EM DASH} {total}"


def receipt_mail(receipt: Receipt, to: str) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        subject=receipt_subject(receipt),
        text=receipt_text(receipt),
        html=receipt_html(receipt),
    )


@dataclass
class ReceiptMailer:
    receipts: ReceiptStore
    log: ReceiptEmailLog
    directory: DriverDirectory
    mail: MailSender
    now: Callable[[], datetime]
    new_claim_id: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)

    def on_receipt_issued(self, charge_point_id: str, transaction_id: str) -> str:
        """E-mails the receipt unless that was done; what happened ("sent", "skipped", ...)."""
        cp, tx = charge_point_id, transaction_id
        receipt = self.receipts.get(cp, tx)
        if receipt is None:
            raise ReceiptNotFound(f"no receipt for session {cp}/{tx}")
        now_ms = to_epoch_ms(self.now())
        claim = self.log.claim(cp, tx, self.new_claim_id(), now_ms, now_ms - CLAIM_LEASE_MS)
        if claim.outcome == "missing":
            raise ReceiptNotFound(f"no receipt for session {cp}/{tx}")
        if claim.outcome == "busy":
            raise ReceiptMailBusy(f"receipt {cp}/{tx} is being e-mailed by another attempt")
        if claim.outcome != "claimed" or claim.claim_id is None:
            return claim.outcome  # sent or skipped before: a replay
        claim_id = claim.claim_id
        try:
            contact = self.directory.contact(receipt.driver_id)
            if contact is None or not contact.email_verified:
                reason = "no such user" if contact is None else "e-mail address not verified"
                logger.info("receipt %s/%s not e-mailed: %s", cp, tx, reason)
                self.log.mark_skipped(cp, tx, claim_id, reason)
                return "skipped"
            message_id = self.mail.send(receipt_mail(receipt, contact.email))
        except Exception:
            self._release(cp, tx, claim_id)
            raise
        try:
            self.log.mark_sent(cp, tx, claim_id, message_id, to_epoch_ms(self.now()))
        except Exception:
            # The mail went out: a retry would send it again. Leave the claim to lapse.
            logger.exception(
                "receipt %s/%s e-mailed (message %s) but not marked sent: "
                "a replay of its event after the claim lapses sends it again",
                cp,
                tx,
                message_id,
            )
            return "sent-unmarked"
        logger.info("receipt %s/%s e-mailed (message %s)", cp, tx, message_id)
        return "sent"

    def _release(self, cp: str, tx: str, claim_id: str) -> None:
        try:
            self.log.release(cp, tx, claim_id)
        except Exception:
            # The claim lapses after CLAIM_LEASE_MS instead; the original error is what matters.
            logger.warning("could not release the e-mail claim of %s/%s", cp, tx, exc_info=True)
