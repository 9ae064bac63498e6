"""E-mailing a receipt, over the in-memory adapters: once per receipt, to the driver's verified
address as the directory has it, with the receipt's amounts; skips and errors as documented."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.memory.receipt_mail import (
    MemoryDriverDirectory,
    MemoryMailSender,
    MemoryReceiptEmailLog,
)
from shared.adapters.memory.receipts import MemoryReceiptStore
from shared.drivers.receipt_mail import (
    CLAIM_LEASE_MS,
    ReceiptMailBusy,
    ReceiptMailer,
    ReceiptNotFound,
    receipt_subject,
)
from shared.ports.receipt_mail import DriverContact, OutgoingMail
from tests.fakes import Clock, a_receipt

T0 = datetime(2025, 3, 1, 10, 31, tzinfo=UTC)
DRIVER = "driver-sub-1"
ADDRESS = "alice@example.com"


@dataclass
class World:
    receipts: MemoryReceiptStore = field(default_factory=MemoryReceiptStore)
    directory: MemoryDriverDirectory = field(default_factory=MemoryDriverDirectory)
    mail: MemoryMailSender = field(default_factory=MemoryMailSender)
    clock: Clock = field(default_factory=lambda: Clock(T0))

    def __post_init__(self) -> None:
        self.log = MemoryReceiptEmailLog(self.receipts)
        self.mailer = ReceiptMailer(
            receipts=self.receipts,
            log=self.log,
            directory=self.directory,
            mail=self.mail,
            now=self.clock,
        )

    def issue(self, verified: bool = True) -> None:
        self.receipts.create(a_receipt(DRIVER))
        self.directory.contacts[DRIVER] = DriverContact(ADDRESS, verified)


@pytest.fixture
def world() -> World:
    return World()


def test_the_receipt_goes_to_the_drivers_address_once_with_its_amounts(world):
    world.issue()

    assert world.mailer.on_receipt_issued("CP-1", "17") == "sent"

    (mail,) = world.mail.sent
    assert mail.to == ADDRESS
    assert mail.subject == "Your charging receipt \N{EM DASH} CP-1 \N{EM DASH} 5.36 EUR"
    assert "Total: 5.36 EUR" in mail.text
    assert "Tax (19 %): 0.86 EUR" in mail.text
    assert "Energy: 10.000 kWh at 0.40 EUR / kWh = 4.00 EUR" in mail.text
    assert "Paid from the amount held on your payment method: 5.36 EUR paid." in mail.text
    assert "<h1>Charging receipt</h1>" in mail.html and "5.36 EUR" in mail.html
    state = world.log.states[("CP-1", "17")]
    assert (state.status, state.message_id) == ("sent", "message-1")


def test_a_replayed_event_sends_nothing_more(world):
    world.issue()
    world.mailer.on_receipt_issued("CP-1", "17")
    world.clock.now += timedelta(hours=1)

    assert world.mailer.on_receipt_issued("CP-1", "17") == "sent"
    assert len(world.mail.sent) == 1


def test_an_unverified_address_is_skipped_with_a_log_and_for_good(world, caplog):
    world.issue(verified=False)

    with caplog.at_level(logging.INFO, "csms.receipt_mail"):
        assert world.mailer.on_receipt_issued("CP-1", "17") == "skipped"

    assert world.mail.sent == []
    assert "CP-1/17 not e-mailed: e-mail address not verified" in caplog.text
    # Verifying the address later does not e-mail an old receipt on a replay.
    world.directory.contacts[DRIVER] = DriverContact(ADDRESS, True)
    assert world.mailer.on_receipt_issued("CP-1", "17") == "skipped"
    assert world.mail.sent == []


def test_an_unknown_driver_is_skipped_with_a_log(world, caplog):
    world.receipts.create(a_receipt(DRIVER))

    with caplog.at_level(logging.INFO, "csms.receipt_mail"):
        assert world.mailer.on_receipt_issued("CP-1", "17") == "skipped"

    assert world.mail.sent == []
    assert "CP-1/17 not e-mailed: no such user" in caplog.text
    assert world.log.states[("CP-1", "17")].reason == "no such user"


def test_a_receipt_that_is_not_stored_raises_a_clear_error(world):
    with pytest.raises(ReceiptNotFound, match="no receipt for session CP-1/404"):
        world.mailer.on_receipt_issued("CP-1", "404")


def test_a_claim_held_by_a_live_attempt_asks_for_a_retry(world):
    world.issue()
    world.log.claim("CP-1", "17", "other", int(world.clock.now.timestamp() * 1000), 0)

    with pytest.raises(ReceiptMailBusy):
        world.mailer.on_receipt_issued("CP-1", "17")
    assert world.mail.sent == []


def test_a_claim_older_than_the_lease_is_taken_over_and_sent(world):
    world.issue()
    claimed_at = int(world.clock.now.timestamp() * 1000)
    world.log.claim("CP-1", "17", "died", claimed_at, 0)
    world.clock.now += timedelta(milliseconds=CLAIM_LEASE_MS + 1)

    assert world.mailer.on_receipt_issued("CP-1", "17") == "sent"
    assert len(world.mail.sent) == 1


class Unavailable(Exception):
    pass


class FailingSender(MemoryMailSender):
    def send(self, mail: OutgoingMail) -> str:
        raise Unavailable("the mail service refused")


def test_a_failed_send_releases_the_claim_and_raises(world):
    world.issue()
    world.mailer.mail = FailingSender()

    with pytest.raises(Unavailable):
        world.mailer.on_receipt_issued("CP-1", "17")
    assert ("CP-1", "17") not in world.log.states

    world.mailer.mail = world.mail
    assert world.mailer.on_receipt_issued("CP-1", "17") == "sent"
    assert len(world.mail.sent) == 1


def test_the_subject_shows_the_total_in_minor_units_formatted_like_the_page():
    receipt = a_receipt()
    assert receipt_subject(receipt).endswith("\N{EM DASH} 5.36 EUR")
