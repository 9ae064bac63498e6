"""`sessions list`: the network's newest sessions without a filter, paged; the live energy of
running sessions; the window's limit as a clear error."""

from __future__ import annotations

import json

from shared.models.transaction import TransactionRecord
from tests.unit.cli.conftest import Cli


def add_session(cli: Cli, cp: str, tx: str, started: str, **fields) -> None:
    cli.world.deps.transactions.create(
        TransactionRecord(
            charge_point_id=cp,
            transaction_id=tx,
            status=fields.pop("status", "completed"),
            connector_id=1,
            id_tag="TAG",
            started_at=started,
            started_at_ms=0,
            meter_start_wh=fields.pop("meter_start_wh", 1000),
            **fields,
        )
    )


def transactions(out: str) -> list[str]:
    """The CHARGER/TRANSACTION pairs of a sessions table."""
    return [" ".join(line.split()[:2]) for line in out.splitlines()[1:] if line and " " in line]


def test_sessions_of_the_whole_network_newest_first_in_pages(cli: Cli) -> None:
    # The world's clock stands at 2030-01-01T12:00Z: the default window is the last 7 days.
    add_session(cli, "CP-1", "1", "2029-12-30T08:00:00.000Z")
    add_session(cli, "CP-2", "5", "2030-01-01T09:00:00.000Z")
    add_session(cli, "CP-1", "2", "2030-01-01T10:00:00.000Z", status="active")
    add_session(cli, "CP-3", "9", "2029-12-01T10:00:00.000Z")  # older than the window
    code, out, _ = cli("sessions", "list", "--limit", "2")
    assert code == 0, out
    first, more = out.split("\nmore: --cursor ")
    assert transactions(first) == ["CP-1 2", "CP-2 5"]
    code, out, _ = cli("sessions", "list", "--limit", "2", "--cursor", more.strip())
    assert code == 0 and transactions(out) == ["CP-1 1"]
    assert "more:" not in out
    code, out, _ = cli(
        "sessions", "list", "--from", "2029-11-30T00:00:00Z", "--to", "2029-12-02T00:00:00Z"
    )
    assert transactions(out) == ["CP-3 9"]
    code, out, _ = cli("--json", "sessions", "list", "--status", "active")
    assert [s["transactionId"] for s in json.loads(out)["items"]] == ["2"]


def test_a_network_window_over_31_days_is_refused_clearly(cli: Cli) -> None:
    code, _, err = cli("sessions", "list", "--from", "2029-10-01T00:00:00Z")
    assert code == 1
    assert err.strip().splitlines() == [
        "error: sessions of all chargers: at most 31 days per request (400 InvalidRequest)",
        "error:   query.from: at most 31 days before to (or name a charger or an id tag)",
    ]


def test_running_sessions_show_their_live_energy(cli: Cli) -> None:
    add_session(cli, "CP-1", "1", "2030-01-01T10:00:00.000Z", status="active")
    cli.world.deps.transactions.record_meter_progress("CP-1", "1", 3500, "2030-01-01T11:00:00.000Z")
    add_session(
        cli,
        "CP-1",
        "2",
        "2030-01-01T08:00:00.000Z",
        meter_stop_wh=1800,
        stopped_at="2030-01-01T09:00:00.000Z",
        energy_wh=800,
    )
    add_session(cli, "CP-1", "3", "2030-01-01T11:00:00.000Z", status="active")  # no reading yet
    code, out, _ = cli("sessions", "list", "--charger", "CP-1")
    assert code == 0
    energy = {line.split()[1]: line.split("  ")[-1].strip() for line in out.splitlines()[1:]}
    assert energy == {"1": "2500 (live)", "2": "800", "3": "-"}
