from simulator.diagnosis import problems
from simulator.stats import Stats


def _summary(stats: Stats):
    return stats.summary(url="ws://x/ocpp", protocol="ocpp1.6", chargers=2, duration_s=1.0)


def test_chargers_never_accepted_are_explained_by_their_boot_answers():
    stats = Stats()
    stats.boot_responses.update({"Rejected": 4, "Accepted": 1})
    stats.errors["never_accepted"] += 2
    assert problems(_summary(stats)) == [
        "2 chargers never accepted (BootNotification answered Rejected 4):"
        " register them with `python -m csms_cli chargers register ID`"
    ]


def test_a_refused_handshake_names_the_likely_cause():
    stats = Stats()
    stats.error("handshake_refused.401", "CP1", "handshake refused with HTTP 401")
    stats.error("handshake_refused.502", "CP2", "handshake refused with HTTP 502: Bad Gateway")
    assert problems(_summary(stats)) == [
        "1 connect refused with HTTP 401: wrong or missing password"
        " (--password / --password-template)",
        "1 connect refused with HTTP 502: handshake refused with HTTP 502: Bad Gateway",
    ]


def test_other_errors_carry_the_first_detail_logged():
    stats = Stats()
    stats.error("timeout", "CP1", "Heartbeat")
    stats.error("timeout", "CP2", "Authorize")
    summary = _summary(stats)
    assert summary.error_details == {"timeout": "Heartbeat"}
    assert problems(summary) == ["timeout 2: Heartbeat"]


def test_session_refusals_by_status_and_a_clean_run_has_no_problems():
    stats = Stats()
    assert problems(_summary(stats)) == []
    stats.sessions_refused.update({"Blocked": 1, "Weird": 3})
    assert problems(_summary(stats)) == [
        "1 session refused with status Blocked: id tag blocked"
        " — unblock it with `python -m csms_cli id-tags put TAG --status Accepted`",
        "3 sessions refused with status Weird: the CSMS did not accept the id tag",
    ]
    assert not _summary(stats).ok
    stats.sessions_completed = 1
    assert _summary(stats).ok
