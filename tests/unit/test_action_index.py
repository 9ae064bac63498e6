"""docs/actions.md is generated from the code and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from devtools.action_index import engine_senders, render
from shared.commands.engine import CSMS_ACTIONS
from shared.ocpp.versions import OcppVersion
from tests.fakes import memory_services

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "actions.md"


def test_the_committed_action_index_matches_the_code() -> None:
    assert DOC.read_text() == render(memory_services()), (
        "docs/actions.md is stale: run `make docs` (python -m devtools.action_index)"
    )


def test_every_action_is_listed_with_the_code_behind_it() -> None:
    text = DOC.read_text()
    for version in OcppVersion:
        for action in CSMS_ACTIONS[version]:
            assert f"| {action} |" in text
    # A newcomer who greps for an action lands on the function that handles or sends it.
    start = next(line for line in text.splitlines() if line.startswith("| StartTransaction |"))
    assert "`shared/transactions/handlers.py` `TransactionHandlers.start_transaction`" in start
    remote = next(
        line for line in text.splitlines() if line.startswith("| RequestStartTransaction")
    )
    assert "`CommandEngine.send`" in remote
    assert "`simulator/command_handlers/v201.py` `request_start_201`" in remote


def test_shortcut_senders_are_found_in_the_source() -> None:
    senders = engine_senders(ROOT / "shared")
    assert senders["ReserveNow"] == [
        "`shared/commands/reservations.py` `ReservationService.reserve`"
    ]
    assert senders["SendLocalList"] == ["`shared/commands/local_list.py` `LocalListService.send`"]
    assert "Reset" not in senders  # sent through the generic route only


def test_the_overview_names_every_action_of_both_versions_with_its_direction() -> None:
    from devtools.action_index import CSMS_INITIATED
    from shared.ocpp.validation import default_schemas

    text = DOC.read_text()
    schemas = default_schemas()
    for version in OcppVersion:
        assert CSMS_ACTIONS[version] <= CSMS_INITIATED
        for action in schemas.actions(version):
            assert f"| {action} |" in text
    # Issue #16: every CSMS-initiated 2.0.1 message can be sent.
    for action in schemas.actions(OcppVersion.V201):
        if action in CSMS_INITIATED:
            row = next(
                line
                for line in text.splitlines()
                if line.startswith(f"| {action} |") and "CSMS → charger:" in line
            )
            assert row.endswith("CSMS → charger: sent |"), row
