"""`sites grid show`, `sites grid schedule show|put|delete` and `sites grid sources
show|put|delete` (docs/smart-charging.md, "Grid signals"): a location's grid limit now, the
operator's schedule of limits and the sources polled for it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from csms_cli.client import Client, quote
from csms_cli.outcomes import OK, USAGE
from csms_cli.tables import Output, fields, table

GRID_FIELDS = [
    ("Location", "locationId"),
    ("At", "at"),
    ("Limited", "limited"),
    ("Limit now", "limit"),
    ("Allocated under", "allocatorLimit"),
    ("Source", "source"),
    ("Drop at", "upcomingAt"),
    ("Next change", "nextChange"),
]
SIGNAL_COLUMNS = [
    ("Source", "source"),
    ("Kind", "kind"),
    ("Start", "start"),
    ("End", "end"),
    ("Max A", "amps"),
    ("Max W", "maxPowerW"),
    ("Group", "group"),
]
STEP_COLUMNS = [("Start", "start"), ("End", "end"), ("Value", "value"),
                ("Currency", "currency"), ("Source", "source")]  # fmt: skip
WINDOW_COLUMNS = [("Date", "date"), ("Days", "days"), ("Start", "start"), ("End", "end"),
                  ("Max A", "amps"), ("Max W", "maxPowerW")]  # fmt: skip
# What `show --json` prints beside the document: dropped from a file given to `put`, so that
# show, edit, put round-trips.
_VIEW_ONLY = ("locationId", "updatedAt")

Handler = Callable[[Client, argparse.Namespace, Any], int]
Add = Callable[[Any, str, Handler, str], argparse.ArgumentParser]


def _path(location: str, leaf: str = "") -> str:
    return f"/locations/{quote(location)}/grid" + (f"/{leaf}" if leaf else "")


def _amps(limit: Mapping[str, Any] | float | None) -> str | None:
    """`40` for an equal limit on every phase, `30/31/32` otherwise, `-` when unlimited."""
    if limit is None:
        return None
    if not isinstance(limit, Mapping):
        return f"{limit:g}"
    values = [limit.get(p) for p in ("L1", "L2", "L3")]
    text = ["-" if v is None else f"{v:g}" for v in values]
    return text[0] if len(set(text)) == 1 else "/".join(text)


def show(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.get(_path(args.location))
    if output.raw_json:
        output.json(body)
        return OK
    summary = {**body, "limit": _amps(body["limitA"]),
               "allocatorLimit": _amps(body["allocatorLimitA"])}  # fmt: skip
    output.line(fields(summary, GRID_FIELDS))
    signals = [{**s, "amps": _amps(s["maxCurrent"])} for s in body["signals"]]
    output.line("\n" + (table(signals, SIGNAL_COLUMNS) if signals else "(no limits ahead)"))
    output.line("\n" + (table(body["prices"], STEP_COLUMNS) if body["prices"] else "(no prices)"))
    return OK


def read_document(file: str) -> dict[str, Any]:
    """The JSON object in FILE ('-': standard input), without what only `show` adds;
    ValueError if it is not a JSON object."""
    text = sys.stdin.read() if file == "-" else Path(file).read_text()
    body = json.loads(text)
    if not isinstance(body, dict):
        raise ValueError("the file must hold a JSON object")
    return {k: v for k, v in body.items() if k not in _VIEW_ONLY}


def _show_schedule(output: Output, schedule: dict[str, Any]) -> int:
    if output.raw_json:
        output.json(schedule)
        return OK
    output.line(fields(schedule, [("Location", "locationId"), ("Time zone", "timeZone"),
                                  ("Updated", "updatedAt")]))  # fmt: skip

    def rows(windows: list[dict[str, Any]], day: str) -> list[dict[str, Any]]:
        return [{**w, "date": day, "days": ",".join(w.get("days", [])),
                 "amps": _amps(w.get("maxCurrent"))} for w in windows]  # fmt: skip

    found = rows(schedule["windows"], "every week")
    for exception in schedule["exceptions"]:
        found += rows(exception["windows"], exception["date"]) or [
            {"date": exception["date"], "days": "(no limit)"}
        ]
    output.line("\n" + (table(found, WINDOW_COLUMNS) if found else "(no windows)"))
    return OK


def _show_sources(output: Output, sources: dict[str, Any]) -> int:
    if output.raw_json:
        output.json(sources)
        return OK
    output.line(fields(sources, [("Location", "locationId"), ("Updated", "updatedAt")]))
    openadr, entsoe = sources.get("openadr"), sources.get("entsoe")
    if openadr:
        programs = ", ".join(openadr["programIds"])
        output.line(
            f"OpenADR VTN:  {openadr['vtnUrl']} programs {programs} as {openadr['clientId']}"
            f" (secret {openadr['clientSecretName']})"
        )
    if entsoe:
        output.line(f"Prices:       ENTSO-E {entsoe['biddingZone']} "
                    f"(secret {entsoe['tokenSecretName']})")  # fmt: skip
    return OK


def _document_commands(
    leaf: str, shown: Callable[[Output, dict[str, Any]], int]
) -> dict[str, Handler]:
    def show_document(client: Client, args: argparse.Namespace, output: Output) -> int:
        return shown(output, client.get(_path(args.location, leaf)))

    def put_document(client: Client, args: argparse.Namespace, output: Output) -> int:
        try:
            body = read_document(args.file)
        except (OSError, ValueError) as exc:
            output.error(f"cannot read {args.file}: {exc}")
            return USAGE
        return shown(output, client.request("PUT", _path(args.location, leaf), body=body))

    def delete_document(client: Client, args: argparse.Namespace, output: Output) -> int:
        client.request("DELETE", _path(args.location, leaf))
        if output.raw_json:
            output.json({"deleted": args.location})
        else:
            output.line(f"grid {leaf} of {args.location} deleted")
        return OK

    return {"show": show_document, "put": put_document, "delete": delete_document}


def add_parsers(sites: Any, add: Add) -> None:
    """`sites grid ...` under the `sites` group's subjects."""
    grid = sites.add_parser(
        "grid", help="a location's grid: limit now, schedule of limits, sources polled"
    ).add_subparsers(dest="grid_subject", required=True, metavar="SUBJECT")
    p = add(grid, "show", show, "the grid limit now, its source, next change, limits ahead")
    p.add_argument("location", metavar="LOCATION", help="the location id")
    for leaf, shown, what, example in (
        ("schedule", _show_schedule, "schedule of grid limits", "timeZone, windows, exceptions"),
        ("sources", _show_sources, "grid sources (OpenADR VTN, ENTSO-E zone)", "openadr, entsoe"),
    ):
        handlers = _document_commands(leaf, shown)
        sub = grid.add_parser(leaf, help=f"a location's {what}").add_subparsers(
            dest="action", required=True, metavar="ACTION"
        )
        p = add(sub, "show", handlers["show"], f"show a location's {what}")
        p.add_argument("location", metavar="LOCATION", help="the location id")
        p = add(sub, "put", handlers["put"], f"replace (or create) a location's {what}")
        p.add_argument("location", metavar="LOCATION", help="the location id")
        p.add_argument("file", metavar="FILE", help=f"JSON ({example}; '-': standard input); "
                       f"what `--json sites grid {leaf} show` prints works as is")  # fmt: skip
        p = add(sub, "delete", handlers["delete"], f"delete a location's {what}")
        p.add_argument("location", metavar="LOCATION", help="the location id")
