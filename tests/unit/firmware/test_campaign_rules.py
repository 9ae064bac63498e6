"""The campaign rules (shared/firmware/campaigns.py): selection, waves, windows, the target's
transitions and the halt rule."""

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.firmware.campaigns import (
    WaveCounts,
    assign_waves,
    halt_reason,
    on_boot,
    on_status,
    request_id_for,
    seconds_until_open,
    selects,
)
from shared.models.firmware_campaign import (
    FAILED,
    PROGRESS_RANK,
    SUCCEEDED,
    TERMINAL,
    Campaign,
    CampaignError,
    ChargerFacts,
    Move,
    Selector,
    StatusEvent,
    Target,
    Window,
)

REPORTS = [
    "Idle",
    "DownloadScheduled",
    "Downloading",
    "Downloaded",
    "DownloadFailed",
    "DownloadPaused",
    "SignatureVerified",
    "InvalidSignature",
    "InstallScheduled",
    "Installing",
    "InstallRebooting",
    "Installed",
    "InstallationFailed",
    "InstallVerificationFailed",
]


def facts(cp="CP1", vendor="ACME", model="X1", version="1.0", site="S1"):
    return ChargerFacts(cp, vendor, model, version, site)


def test_selection_ands_criteria_and_ors_values():
    selector = Selector(vendors=("ACME",), firmware_versions=("1.0", "1.1"))
    assert selects(selector, facts())
    assert selects(selector, facts(version="1.1"))
    assert not selects(selector, facts(version="2.0"))
    assert not selects(selector, facts(vendor="Other"))
    assert selects(Selector(sites=("S1",)), facts())
    assert not selects(Selector(sites=("S1",)), facts(site=None))
    assert selects(Selector(charger_ids=("CP1",), models=("X1",)), facts())


def test_a_tag_selector_picks_chargers_with_any_of_its_tags_and_ands_with_the_rest():
    pilot = ChargerFacts("CP1", "ACME", "X1", "1.0", "S1", tags=frozenset({"pilot", "north"}))
    selector = Selector(tags=("pilot", "canary"))
    assert not selector.empty()
    assert selects(selector, pilot)
    assert selects(Selector(tags=("canary", "north")), pilot)
    assert not selects(selector, facts())  # no tags at all
    assert not selects(Selector(tags=("pilot-2",)), pilot)  # a tag is matched whole
    assert selects(Selector(tags=("pilot",), vendors=("ACME",)), pilot)
    assert not selects(Selector(tags=("pilot",), vendors=("Other",)), pilot)
    assert selects(Selector(vendors=("ACME",)), pilot)  # no tag criterion: tags do not matter


def test_a_campaign_needs_a_selector_and_increasing_waves():
    def campaign(**kw):
        args: dict[str, Any] = {
            "campaign_id": "c",
            "name": "n",
            "image_id": "i",
            "image_version": "2.0",
            "selector": Selector(models=("X1",)),
            "created_at": "2026-01-01T00:00:00Z",
        }
        args.update(kw)
        return Campaign(**args)

    assert campaign().waves == (1, 10, 100)
    with pytest.raises(CampaignError):
        campaign(selector=Selector())
    with pytest.raises(CampaignError):
        campaign(waves=(10, 5, 100))
    with pytest.raises(CampaignError):
        campaign(waves=(10, 50))
    with pytest.raises(CampaignError):
        campaign(failure_threshold_pct=101)


def test_waves_are_cumulative_with_a_stable_canary():
    ids = [f"CP{i:02d}" for i in range(30)]
    waves = assign_waves("camp-1", ids, (10, 50, 100))
    counts = [sum(1 for w in waves.values() if w == n) for n in (1, 2, 3)]
    assert counts == [3, 12, 15]
    # The same campaign assigns the same way whatever the input order; another does not.
    assert assign_waves("camp-1", reversed(ids), (10, 50, 100)) == waves
    assert assign_waves("camp-2", ids, (10, 50, 100)) != waves


@given(st.integers(0, 300), st.lists(st.integers(1, 99), max_size=3, unique=True))
def test_every_charger_gets_exactly_one_wave(n, middle):
    waves = (*tuple(sorted(middle)), 100)
    ids = [f"CP{i}" for i in range(n)]
    assigned = assign_waves("c", ids, waves)
    assert set(assigned) == set(ids)
    if n:
        assert min(assigned.values()) == 1  # the canary is never empty


def test_a_tiny_canary_still_holds_one_charger():
    assigned = assign_waves("c", [f"CP{i}" for i in range(30)], (1, 10, 100))
    assert [sum(1 for w in assigned.values() if w == n) for n in (1, 2, 3)] == [1, 2, 27]


def test_windows_in_the_sites_time_zone():
    night = (Window("22:00", "05:00"),)
    # 21:30 UTC is 22:30 in Berlin (winter): open; in UTC it opens in 30 minutes.
    at = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)
    assert seconds_until_open(night, "Europe/Berlin", at) == 0
    assert seconds_until_open(night, "UTC", at) == 30 * 60
    # 04:59 Berlin is still inside the window that opened the evening before.
    assert seconds_until_open(night, "Europe/Berlin", datetime(2026, 1, 15, 3, 59, tzinfo=UTC)) == 0
    assert seconds_until_open((), "Europe/Berlin", at) == 0
    weekend = (Window("00:00", "00:00", days=("sat", "sun")),)
    thursday = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert seconds_until_open(weekend, "UTC", thursday) == (36 * 3600)
    with pytest.raises(CampaignError):
        Window("25:00", "03:00")


def sent(state="sent"):
    return Target("c", "CP1", 1, state=state, attempt=1, task_token="tok")


def test_reports_move_a_target_forward_only():
    assert on_status(sent(), "Downloading") == Move("sent", "Downloading")
    assert on_status(sent("Downloaded"), "Downloading") is None
    assert on_status(sent("Downloaded"), "Downloaded") is None
    assert on_status(sent(), "Idle") is None
    assert on_status(sent("Installing"), "InstallationFailed") == Move(
        "Installing", FAILED, "InstallationFailed"
    )
    assert on_status(sent("pending"), "Downloading") is None  # no command sent yet
    assert on_status(sent(SUCCEEDED), "DownloadFailed") is None


def test_success_is_the_new_version_at_boot():
    assert on_boot(sent("Installed"), "2.0", "2.0") == Move("Installed", SUCCEEDED)
    assert on_boot(sent("Installed"), "1.0", "2.0") == Move(
        "Installed", FAILED, "WrongVersionAfterBoot"
    )
    assert on_boot(sent("InstallRebooting"), "1.0", "2.0").state == FAILED
    # A reboot while downloading is not a failure; a boot before any command is nothing.
    assert on_boot(sent("Downloading"), "1.0", "2.0") is None
    assert on_boot(sent("ready"), "2.0", "2.0") is None
    # Reports lost on the way: the version alone says it worked.
    assert on_boot(sent("Downloading"), "2.0", "2.0") == Move("Downloading", SUCCEEDED)


def run(events, image="2.0"):
    """Apply reports and boots as the service does (each move conditional on what was read)."""
    target = sent()
    for kind, value in events:
        move = on_status(target, value) if kind == "status" else on_boot(target, value, image)
        if move is not None:
            assert move.expected == target.state
            target = Target(
                "c",
                "CP1",
                1,
                state=move.state,
                attempt=1,
                reason=move.reason,
                timeline=(*target.timeline, StatusEvent(move.state, "t")),
            )
    return target


EVENTS = st.one_of(
    st.tuples(st.just("status"), st.sampled_from(REPORTS)),
    st.tuples(st.just("boot"), st.sampled_from(["1.0", "2.0"])),
)


@given(st.lists(EVENTS, max_size=12))
def test_duplicated_events_change_nothing(events):
    doubled = [e for event in events for e in (event, event)]
    assert run(doubled).state == run(events).state


@given(st.lists(EVENTS, max_size=12))
def test_states_only_advance_and_terminal_states_stay(events):
    target = run(events)
    ranks = [PROGRESS_RANK.get(e.status) for e in target.timeline]
    progress = [r for r in ranks if r is not None]
    assert progress == sorted(set(progress))
    terminal = [e.status for e in target.timeline if e.status in TERMINAL]
    assert len(terminal) <= 1 and (not terminal or target.timeline[-1].status in TERMINAL)


@given(st.permutations(["Downloading", "Downloaded", "Installing", "Installed"]))
def test_a_reordered_happy_path_succeeds_at_boot(order):
    assert run([("status", s) for s in order] + [("boot", "2.0")]).state == SUCCEEDED


def test_the_halt_rule_is_a_rate_above_the_threshold():
    assert halt_reason(WaveCounts(2, {"succeeded": 4, "failed": 1}), 20) is None
    reason = halt_reason(WaveCounts(2, {"succeeded": 3, "failed": 2}), 20)
    assert reason is not None and "wave 2: 2 of 5" in reason
    # Skipped and cancelled chargers do not count.
    assert halt_reason(WaveCounts(1, {"skipped": 9, "failed": 0, "succeeded": 1}), 0) is None
    assert halt_reason(WaveCounts(1, {}), 0) is None


def test_request_ids_are_derived_per_attempt():
    assert request_id_for("c", "CP1", 1) == request_id_for("c", "CP1", 1)
    assert request_id_for("c", "CP1", 1) != request_id_for("c", "CP1", 2)
    assert 0 < request_id_for("c", "CP1", 1) < 2**31
