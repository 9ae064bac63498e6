"""The operator console's first load, gzipped, against its budget (docs/adr/0033).

The first load is what a browser fetches before the first page renders: `index.html`, the
entry script, the chunks it preloads (`<link rel="modulepreload">`) and the style sheets it
links. Pages loaded later (lazy chunks) are listed apart. Sizes are gzip level 9, as a
CDN or the local gateway would compress them; map tiles are not part of the console.
"""

from __future__ import annotations

import gzip
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

BUDGET_KB = 300.0
DIST = Path(__file__).resolve().parent.parent / "console" / "dist"
# Vite writes the app under this base (vite.config.ts `base`), the dist folder is its root.
BASE = "/console/"
FIRST_LOAD_LINKS = {"stylesheet", "modulepreload"}


class _FirstLoadAssets(HTMLParser):
    """The files index.html makes the browser fetch at once, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        fetched_at_once = tag == "script" or attributes.get("rel") in FIRST_LOAD_LINKS
        url = attributes.get("src" if tag == "script" else "href")
        if tag in {"script", "link"} and fetched_at_once and url:
            self.paths.append(url)


def gzipped_kb(data: bytes) -> float:
    return len(gzip.compress(data, compresslevel=9, mtime=0)) / 1024


def _local(dist: Path, url: str) -> Path | None:
    # Only files of the build itself: an absolute URL to another host is not ours to size.
    if url.startswith(("http:", "https:", "//")):
        return None
    relative = url.removeprefix(BASE).lstrip("/")
    return dist / relative


def first_load_files(dist: Path) -> list[Path]:
    parser = _FirstLoadAssets()
    parser.feed((dist / "index.html").read_text())
    files = [dist / "index.html"]
    for url in parser.paths:
        path = _local(dist, url)
        if path is not None and path not in files:
            files.append(path)
    return files


def measure(dist: Path = DIST) -> dict[str, Any]:
    """First-load and lazy sizes of a built console; a note instead when it is not built."""
    if not (dist / "index.html").is_file():
        return {"note": f"not built ({dist} has no index.html): run `make console`"}
    first = first_load_files(dist)
    missing = [str(p.relative_to(dist)) for p in first if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"index.html names files the build lacks: {missing}")
    files = {str(p.relative_to(dist)): gzipped_kb(p.read_bytes()) for p in first}
    lazy = {
        str(p.relative_to(dist)): gzipped_kb(p.read_bytes())
        for p in sorted(dist.rglob("*"))
        if p.is_file() and p.suffix in {".js", ".css"} and p not in first
    }
    total = sum(files.values())
    return {
        "budget_kb": BUDGET_KB,
        "first_load_kb": round(total, 1),
        "within_budget": total <= BUDGET_KB,
        "first_load_files": {name: round(kb, 1) for name, kb in files.items()},
        "lazy_kb": round(sum(lazy.values()), 1),
        "lazy_files": len(lazy),
    }
