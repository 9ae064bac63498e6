"""The site model: what a valid site is, the errors an operator sees, its plain form."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.smart_charging.site import Evse, EvseLive, Node, PhaseCurrents, Site, SiteError

GRID = Node("grid", None, PhaseCurrents.uniform(63))


def evse(evse_id: str = "E1", **changes: object) -> Evse:
    fields: dict[str, object] = {
        "id": evse_id,
        "node": "grid",
        "charge_point_id": f"CP-{evse_id}",
        "evse_id": 1,
    }
    fields.update(changes)
    return Evse(**fields)  # type: ignore[arg-type]


def problems(nodes: tuple[Node, ...], evses: tuple[Evse, ...] = ()) -> list[str]:
    with pytest.raises(SiteError) as raised:
        Site("s", nodes, evses)
    return raised.value.problems


def test_a_valid_site_and_its_paths() -> None:
    site = Site(
        "s",
        (
            GRID,
            Node("board", "grid", max_power_w=22_000),
            Node("c1", "board", PhaseCurrents(16, 16, 16)),
        ),
        (evse("E1", node="c1", phases=("L2", "L3", "L1")), evse("E2", phases=("L3",))),
    )
    assert site.root.id == "grid"
    assert site.path("c1") == ("c1", "board", "grid")
    assert site.evse("E1").used_phases() == ("L2", "L3", "L1")


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        (
            Node("grid", None, PhaseCurrents(63, 0, 63)),
            Node("a", "b"),
            Node("b", "a"),
            Node("c", "nowhere", max_power_w=-1),
            Node("c", "grid"),
        ),
        (
            evse("E1", node="missing"),
            evse("E1", min_current_a=16, max_current_a=10),
            evse("E3", phases=("L1", "L1")),
            evse("E4", phases=("L4",)),
            evse("E5", phases=()),
            evse("E6", weight=0),
            evse("E7", live=EvseLive(car_phases=4, demand_a=-1)),
        ),
    )
    assert found == [
        "node 'c' is declared more than once",
        "node 'grid': every phase's current limit must be above 0 A",
        "node 'c': unknown parent 'nowhere'",
        "node 'c': the power limit must be above 0 W",
        "nodes ['a', 'b'] form a cycle: a site is a tree",
        "EVSE 'E1' is declared more than once",
        "charger 'CP-E1' EVSE 1 appears more than once",
        "EVSE 'E1': unknown node 'missing'",
        "EVSE 'E1': minimum current 16 A is above its maximum 10 A",
        "EVSE 'E3': phases ['L1', 'L1'] must be distinct grid phases L1, L2, L3",
        "EVSE 'E4': phases ['L4'] must be distinct grid phases L1, L2, L3",
        "EVSE 'E5': phases must name 1 to 3 grid phases",
        "EVSE 'E6': weight must be above 0",
        "EVSE 'E7': demand cannot be negative",
        "EVSE 'E7': a car draws on 1 to 3 phases",
    ]


def test_exactly_one_root() -> None:
    assert problems((GRID, Node("other", None))) == [
        "a site has exactly one root node (no parent); found 2"
    ]
    assert "a site has exactly one root node (no parent); found 0" in problems(
        (Node("a", "b"), Node("b", "a"))
    )


def test_minimum_and_maximum_compare_as_tenths() -> None:
    # 6.04 A is a 6.1 A minimum (never below); 6.09 A a 6.0 A maximum (never above).
    assert problems((GRID,), (evse(min_current_a=6.04, max_current_a=6.09),)) == [
        "EVSE 'E1': minimum current 6.04 A is above its maximum 6.09 A"
    ]
    Site("s", (GRID,), (evse(min_current_a=6.0, max_current_a=6.09),))


def test_the_plain_form() -> None:
    site = Site(
        "s",
        (GRID, Node("c1", "grid", PhaseCurrents(16, 20, 16), 9000.0, 240.0)),
        (
            evse(
                "E1",
                node="c1",
                phases=("L2",),
                tier=2,
                weight=1.5,
                accepts_profiles=False,
                default_limit_a=6,
                live=EvseLive(
                    session_active=True,
                    demand_a=10.5,
                    car_phases=1,
                    responsive=False,
                    measured_a=9.8,
                    session_started_at=datetime(2026, 6, 1, 8, tzinfo=UTC),
                ),
            ),
        ),
    )
    plain = site.to_dict()
    assert plain["nodes"][1] == {
        "id": "c1",
        "parent": "grid",
        "maxCurrent": {"L1": 16, "L2": 20, "L3": 16},
        "maxPowerW": 9000.0,
        "voltageV": 240.0,
    }
    assert plain["evses"][0]["live"]["sessionStartedAt"] == "2026-06-01T08:00:00+00:00"
    assert Site.from_dict(plain) == site
    # Defaults fill what an operator leaves out.
    minimal = Site.from_dict(
        {
            "id": "s",
            "nodes": [{"id": "grid", "maxCurrent": {"L1": 32, "L2": 32, "L3": 32}}],
            "evses": [{"id": "E1", "node": "grid", "chargePointId": "CP1", "evseId": 1}],
        }
    )
    assert minimal.evses[0] == evse("E1", charge_point_id="CP1")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"nodes": []}, "not a site: missing field 'id'"),
        ({"id": "s", "nodes": [{"parent": None}]}, "not a site: missing field 'id'"),
        (
            {"id": "s", "nodes": [{"id": "g", "maxCurrent": {"L1": "x", "L2": 1, "L3": 1}}]},
            "not a site: could not convert string to float: 'x'",
        ),
        ({"id": "s", "nodes": 3}, "not a site: 'int' object is not iterable"),
    ],
)
def test_a_malformed_plain_form_is_a_site_error(data: dict[str, object], message: str) -> None:
    with pytest.raises(SiteError) as raised:
        Site.from_dict(data)
    assert raised.value.problems == [message]
