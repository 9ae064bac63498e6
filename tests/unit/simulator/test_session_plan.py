import random

import pytest

from simulator import FleetConfig, SessionPlan


def test_id_tags_come_from_the_template_per_charger_connector_and_session():
    plan = SessionPlan(sessions=1, id_tag_template="{id}/{index}/{connector}/{session}")
    assert plan.id_tag(charge_point_id="CP", index=3, connector=2, session=7) == "CP/3/2/7"
    default = SessionPlan(sessions=1)
    assert default.id_tag(charge_point_id="CP", index=3, connector=2, session=7) == "TAG-00003-2"


def test_a_tag_list_is_used_in_turn_starting_at_a_different_tag_per_charger():
    plan = SessionPlan(sessions=3, id_tags=("A", "B", "C"))
    tags = [
        [plan.id_tag(charge_point_id="x", index=i, connector=1, session=s) for s in (1, 2, 3, 4)]
        for i in (1, 2)
    ]
    assert tags == [["A", "B", "C", "A"], ["B", "C", "A", "B"]]


def test_plans_are_checked_with_the_fleet():
    with pytest.raises(ValueError, match="needs sessions or sessions_per_hour"):
        FleetConfig(session_plan=SessionPlan()).validate()
    too_long = SessionPlan(sessions=1, id_tag_template="{id}-{session:020d}")
    with pytest.raises(ValueError, match=r"longer than the 20 characters ocpp1\.6 allows"):
        FleetConfig(session_plan=too_long).validate()
    with pytest.raises(ValueError, match="does not format"):
        FleetConfig(session_plan=SessionPlan(sessions=1, id_tag_template="{nope}")).validate()
    with pytest.raises(ValueError, match="authorize_share"):
        FleetConfig(session_plan=SessionPlan(sessions=1, authorize_share=2)).validate()
    # 2.0.1 id tokens may be longer.
    longer = SessionPlan(sessions=1, id_tag_template="{id}-" + "x" * 25)
    FleetConfig(protocol="ocpp2.0.1", session_plan=longer).validate()


def test_back_to_back_sessions_wait_only_the_gap():
    plan = SessionPlan(sessions=2, gap_s=3.0)
    assert plan.gap_before_session(2, first=True) == 0.0
    assert plan.gap_before_session(2, first=False) == 3.0


def test_a_session_rate_spreads_arrivals_over_the_connectors():
    random.seed(7)
    plan = SessionPlan(sessions_per_hour=6, duration_s=100)
    # 6 an hour on 2 connectors: one every 1200 s per connector, 1100 s of it idle.
    gaps = [plan.gap_before_session(2, first=False) for _ in range(4000)]
    assert sum(gaps) / len(gaps) == pytest.approx(1100, rel=0.08)
    saturated = SessionPlan(sessions_per_hour=100, duration_s=3600)
    assert saturated.gap_before_session(1, first=False) == 0.0
