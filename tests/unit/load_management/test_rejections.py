"""The rejection rules: every outcome, retries with backoff, the hold, the alert and the way
back."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.load_management.rejections import (
    ControlState,
    EvseRef,
    RejectionRules,
    decide,
    live_with,
    outcome_of,
    reason_of,
)
from shared.models.command import CommandRecord
from shared.models.domain_events import EVSE_CONTROL_LOST, EVSE_CONTROL_RESTORED
from shared.models.event_catalogue import CATALOGUE
from shared.smart_charging.site import EvseLive

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
EVSE = EvseRef("site-1/CP1/1", "CP1", 1)
RULES = RejectionRules(max_attempts=3, backoff_s=2, max_backoff_s=3, hold_s=600, max_hold_s=1500)


def record(status, result=None, error=None):
    return CommandRecord(
        "CP1", "m1", "SetChargingProfile", "ocpp1.6", status, "t", 0, 0, {}, result, error
    )


@pytest.mark.parametrize(
    ("command", "outcome"),
    [
        (record("answered", {"status": "Accepted"}), "accepted"),
        (record("answered", {"status": "Rejected"}), "rejected"),
        (record("answered", {"status": "NotSupported"}), "not_supported"),
        (record("error", error={"code": "InternalError"}), "error"),
        (record("invalid_response", {"status": "Maybe"}), "error"),
        (record("timeout", error={"code": "Timeout"}), "timeout"),
        (record("offline", error={"code": "ChargerOffline"}), "offline"),
    ],
)
def test_every_outcome_of_a_command(command, outcome):
    assert outcome_of(command) == outcome


def test_the_reason_names_the_answer_or_the_error():
    rejected = record(
        "answered", {"status": "Rejected", "statusInfo": {"reasonCode": "TxNotFound"}}
    )
    assert reason_of(rejected) == "answered Rejected (TxNotFound)"
    failed = record("error", error={"code": "InternalError", "description": "boom"})
    assert reason_of(failed) == "error: InternalError (boom)"


def fail_until_held(outcome):
    state, waits = ControlState(), []
    decision = decide(EVSE, state, outcome, NOW, rules=RULES)
    while decision.verdict == "retry":
        assert decision.event is None
        waits.append(decision.retry_in_s)
        decision = decide(EVSE, decision.state, outcome, NOW, rules=RULES)
    return decision, waits


@pytest.mark.parametrize("outcome", ["rejected", "error", "timeout", "offline"])
def test_failures_are_retried_with_backoff_then_the_evse_is_held_and_an_alert_raised(outcome):
    decision, waits = fail_until_held(outcome)
    # Three attempts: two retries, the second wait doubled (2 s, 4 s capped at 3 s).
    assert waits == [2.0, 3.0]
    assert decision.verdict == "hold"
    assert decision.state.until == NOW + timedelta(seconds=600)
    assert decision.state.attempts == 0 and decision.state.holds == 1
    event = decision.event
    assert event is not None and event.detail_type == EVSE_CONTROL_LOST
    assert event.charge_point_id == "CP1"
    assert event.detail["siteEvseId"] == "site-1/CP1/1"
    assert event.detail["evseId"] == 1
    assert event.detail["outcome"] == outcome
    assert event.detail["attempts"] == 3
    assert event.detail["until"] == "2026-07-01T12:10:00.000Z"
    CATALOGUE[EVSE_CONTROL_LOST].model_validate(event.full_detail())


def test_not_supported_is_held_at_once():
    decision = decide(EVSE, ControlState(), "not_supported", NOW, "answered NotSupported", RULES)
    assert decision.verdict == "hold"
    assert decision.state.reason == "answered NotSupported"
    assert decision.event is not None and decision.event.detail["attempts"] == 1


def test_a_held_evse_is_reserved_at_its_worst_case_and_comes_back_after_the_hold():
    decision, _ = fail_until_held("rejected")
    live = EvseLive(session_active=True)
    assert live_with(live, decision.state, NOW).responsive is False
    assert live_with(live, decision.state, NOW + timedelta(seconds=599)).responsive is False
    assert live_with(live, decision.state, NOW + timedelta(seconds=600)).responsive is True
    # An EVSE that is unresponsive for another reason (disconnected) stays so.
    offline = replace(live, responsive=False)
    assert live_with(offline, ControlState(), NOW).responsive is False


def test_holds_in_a_row_grow_and_raise_no_second_alert():
    first, _ = fail_until_held("rejected")
    later = NOW + timedelta(seconds=600)
    state = first.state
    for _ in range(RULES.max_attempts - 1):
        state = decide(EVSE, state, "rejected", later, rules=RULES).state
    second = decide(EVSE, state, "rejected", later, rules=RULES)
    assert second.verdict == "hold"
    assert second.state.holds == 2
    assert second.state.until == later + timedelta(seconds=1200)
    assert second.event is None
    third_state = replace(second.state, attempts=RULES.max_attempts - 1)
    third = decide(EVSE, third_state, "timeout", later, rules=RULES)
    assert third.state.until == later + timedelta(seconds=1500)  # at most max_hold_s


def test_an_accepted_profile_ends_the_episode_and_clears_the_alert():
    held, _ = fail_until_held("timeout")
    back = NOW + timedelta(seconds=700)
    decision = decide(EVSE, held.state, "accepted", back, rules=RULES)
    assert decision.verdict == "accepted"
    assert decision.state == ControlState()
    event = decision.event
    assert event is not None and event.detail_type == EVSE_CONTROL_RESTORED
    assert event.detail == {
        "siteEvseId": "site-1/CP1/1",
        "evseId": 1,
        "restoredAt": "2026-07-01T12:11:40.000Z",
        "holds": 1,
    }
    CATALOGUE[EVSE_CONTROL_RESTORED].model_validate(event.full_detail())


def test_an_accepted_profile_after_a_retry_raises_nothing():
    retry = decide(EVSE, ControlState(), "rejected", NOW, rules=RULES)
    decision = decide(EVSE, retry.state, "accepted", NOW, rules=RULES)
    assert decision.verdict == "accepted" and decision.event is None
    assert decision.state == ControlState()


def test_a_redelivered_decision_gives_the_same_event_id():
    a, _ = fail_until_held("rejected")
    b, _ = fail_until_held("rejected")
    assert a.event is not None and b.event is not None
    assert a.event.event_id == b.event.event_id


def test_the_state_survives_its_plain_form():
    held, _ = fail_until_held("error")
    assert ControlState.from_dict(held.state.to_dict()) == held.state
    assert ControlState.from_dict(ControlState().to_dict()) == ControlState()
