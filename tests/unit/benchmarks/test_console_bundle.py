"""The console's first load is sized from what index.html makes the browser fetch at once."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest

from benchmarks.console_bundle import BUDGET_KB, first_load_files, gzipped_kb, measure
from benchmarks.report import markdown

INDEX = """<!doctype html><html><head>
<script type="module" crossorigin src="/console/assets/index-abc.js"></script>
<link rel="modulepreload" crossorigin href="/console/assets/react-def.js">
<link rel="stylesheet" crossorigin href="/console/assets/index-ghi.css">
<link rel="icon" href="/console/favicon.svg">
<script src="https://example.invalid/analytics.js"></script>
</head><body><div id="root"></div></body></html>"""


def _dist(tmp_path: Path, sizes: dict[str, int]) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    for name, size in sizes.items():
        # Random bytes do not compress, so the gzipped size tracks the raw size.
        (tmp_path / name).write_bytes(random.Random(name).randbytes(size))
    return tmp_path


def test_the_first_load_is_the_entry_its_preloads_and_style_sheets_not_icons_or_lazy_pages(
    tmp_path: Path,
) -> None:
    dist = _dist(
        tmp_path,
        {
            "assets/index-abc.js": 4000,
            "assets/react-def.js": 3000,
            "assets/index-ghi.css": 1000,
            "assets/ChargerDetail-lazy.js": 5000,
        },
    )
    names = [p.relative_to(dist).as_posix() for p in first_load_files(dist)]
    assert names == [
        "index.html",
        "assets/index-abc.js",
        "assets/react-def.js",
        "assets/index-ghi.css",
    ]
    result = measure(dist)
    expected = sum(gzipped_kb((dist / n).read_bytes()) for n in names)
    assert result["first_load_kb"] == round(expected, 1)
    assert result["lazy_files"] == 1
    assert result["lazy_kb"] == round(
        gzipped_kb((dist / "assets/ChargerDetail-lazy.js").read_bytes()), 1
    )
    assert result["within_budget"] is True


def test_a_first_load_over_the_budget_says_so_in_the_report(tmp_path: Path) -> None:
    big = int((BUDGET_KB + 20) * 1024)
    dist = _dist(
        tmp_path,
        {"assets/index-abc.js": big, "assets/react-def.js": 10, "assets/index-ghi.css": 10},
    )
    result = measure(dist)
    assert result["within_budget"] is False
    assert len(gzip.compress((dist / "assets/index-abc.js").read_bytes())) > BUDGET_KB * 1024
    report = markdown(
        {"date": "2026-12-06", "machine": "m", "elapsed_s": 1, "console_bundle": result}
    )
    assert f"OVER the {BUDGET_KB:.0f} KB budget" in report


def test_an_index_naming_a_file_the_build_lacks_is_an_error(tmp_path: Path) -> None:
    dist = _dist(tmp_path, {"assets/index-abc.js": 10, "assets/index-ghi.css": 10})
    with pytest.raises(FileNotFoundError, match=r"react-def\.js"):
        measure(dist)


def test_an_unbuilt_console_is_reported_not_measured(tmp_path: Path) -> None:
    result = measure(tmp_path)
    assert "make console" in result["note"]
    report = markdown(
        {"date": "2026-12-06", "machine": "m", "elapsed_s": 1, "console_bundle": result}
    )
    assert "## Operator console bundle" in report and "make console" in report
