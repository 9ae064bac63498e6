"""`make bench` reports progress and leaves the tracked BENCHMARKS.md alone unless --publish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import __main__ as bench

ORIGINAL = "# Benchmarks\n\nthe published numbers\n"


def _results(machine: str) -> dict[str, object]:
    return {"date": "2026-12-06", "machine": machine, "quick": False, "elapsed_s": 1.0}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "BENCHMARKS.md").write_text(ORIGINAL)
    published = tmp_path / "benchmarks/results/latest.json"
    published.parent.mkdir(parents=True)
    published.write_text(json.dumps(_results("published machine")))
    return tmp_path


@pytest.fixture
def measured(monkeypatch):
    """A full run that measures nothing: the results of a machine called 'this laptop'."""
    monkeypatch.setattr(bench, "collect", lambda *_a, **_kw: _results("this laptop"))


def test_a_run_writes_its_results_under_benchmarks_results_and_not_the_tracked_files(
    root, measured, capsys
):
    published_json = (root / "benchmarks/results/latest.json").read_text()
    assert bench.main([], root=root) == 0
    assert (root / "BENCHMARKS.md").read_text() == ORIGINAL
    assert (root / "benchmarks/results/latest.json").read_text() == published_json
    run = root / "benchmarks/results/last-run"
    assert json.loads((run / "latest.json").read_text())["machine"] == "this laptop"
    report = (run / "BENCHMARKS.md").read_text()
    assert "this laptop" in report
    assert "Machine-readable: benchmarks/results/last-run/latest.json" in report
    assert "BENCHMARKS.md unchanged (--publish updates it)" in capsys.readouterr().out


def test_publish_writes_the_tracked_report_and_its_data(root, measured):
    assert bench.main(["--publish"], root=root) == 0
    report = (root / "BENCHMARKS.md").read_text()
    assert "this laptop" in report
    assert "Machine-readable: benchmarks/results/latest.json." in report
    published = json.loads((root / "benchmarks/results/latest.json").read_text())
    assert published["machine"] == "this laptop"


def test_the_last_run_is_published_later_without_measuring_again(root, measured, monkeypatch):
    bench.main([], root=root)
    monkeypatch.setattr(bench, "collect", lambda *_a, **_kw: pytest.fail("measured again"))
    bench.main(["--report-only", "--publish"], root=root)
    assert "this laptop" in (root / "BENCHMARKS.md").read_text()


def test_report_only_without_a_run_renders_the_published_results_aside(root):
    bench.main(["--report-only"], root=root)
    assert (root / "BENCHMARKS.md").read_text() == ORIGINAL
    last = root / "benchmarks/results/last-run/BENCHMARKS.md"
    assert "published machine" in last.read_text()


@pytest.mark.parametrize("partial", ["--quick", "--skip-load"])
def test_a_partial_run_cannot_be_published(partial, capsys):
    with pytest.raises(SystemExit) as exited:
        bench.parse_args([partial, "--publish"])
    assert exited.value.code == 2
    assert "--publish takes a full run" in capsys.readouterr().err


def test_each_section_says_when_it_starts_and_how_long_it_took(capsys):
    section = bench._timed("cost model", lambda: {"usd": 0.05})
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "[bench] cost model ..."
    assert err[1] == f"[bench] cost model: {section['elapsed_s']:.1f} s"
    assert section["usd"] == 0.05
