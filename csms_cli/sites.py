"""`sites electrical show|put|delete` and `sites allocation` (docs/smart-charging.md, "Sites
and circuits"): a location's electrical model and its last allocation."""

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

MODEL_FIELDS = [("Location", "locationId"), ("Revision", "revision"), ("Updated", "updatedAt")]
NODE_COLUMNS = [
    ("Node", "id"),
    ("Parent", "parent"),
    ("Max L1", "L1"),
    ("Max L2", "L2"),
    ("Max L3", "L3"),
    ("Max W", "maxPowerW"),
    ("V", "voltageV"),
]
EVSE_COLUMNS = [
    ("EVSE", "id"),
    ("Node", "node"),
    ("Charger", "chargePointId"),
    ("No.", "evseId"),
    ("Phases", "phases"),
    ("Min A", "minCurrentA"),
    ("Max A", "maxCurrentA"),
    ("Tier", "tier"),
    ("Weight", "weight"),
    ("Profiles", "acceptsProfiles"),
    ("Default A", "defaultLimitA"),
]
ALLOCATION_FIELDS = [
    ("Location", "locationId"),
    ("At", "at"),
    ("Model revision", "modelRevision"),
    ("Overloaded", "overloaded"),
]
LIMIT_COLUMNS = [
    ("EVSE", "id"),
    ("Charger", "chargePointId"),
    ("No.", "evseId"),
    ("Node", "node"),
    ("Kind", "kind"),
    ("Limit A", "limitA"),
    ("Changed", "changedAt"),
    ("Running since", "runningSince"),
]
LOAD_COLUMNS = [
    ("Node", "id"),
    ("Load L1", "loadL1"),
    ("Load L2", "loadL2"),
    ("Load L3", "loadL3"),
    ("Max L1", "L1"),
    ("Max L2", "L2"),
    ("Max L3", "L3"),
    ("Max W", "maxPowerW"),
]
# What `show --json` prints beside the model: dropped from a file given to `put`, so that
# show, edit, put round-trips (the file's `revision` is the one the edit replaces).
_VIEW_ONLY = ("locationId", "updatedAt")


Handler = Callable[[Client, argparse.Namespace, Any], int]
Add = Callable[[Any, str, Handler, str], argparse.ArgumentParser]


def _path(location: str, leaf: str) -> str:
    return f"/locations/{quote(location)}/{leaf}"


def _limits(values: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(values) if values else {}


def _show_model(output: Output, model: dict[str, Any]) -> int:
    if output.raw_json:
        output.json(model)
        return OK
    output.line(fields(model, MODEL_FIELDS))
    nodes = [{**node, **_limits(node.get("maxCurrent"))} for node in model["nodes"]]
    output.line("\n" + table(nodes, NODE_COLUMNS))
    evses = [{**evse, "phases": ",".join(evse["phases"])} for evse in model["evses"]]
    output.line("\n" + (table(evses, EVSE_COLUMNS) if evses else "(no EVSEs)"))
    return OK


def electrical_show(client: Client, args: argparse.Namespace, output: Output) -> int:
    return _show_model(output, client.get(_path(args.location, "electrical")))


def read_model(file: str) -> dict[str, Any]:
    """The model in FILE ('-': standard input) as the API takes it; ValueError if it is not
    a JSON object."""
    text = sys.stdin.read() if file == "-" else Path(file).read_text()
    body = json.loads(text)
    if not isinstance(body, dict):
        raise ValueError("the file must hold a JSON object with nodes and evses")
    return {k: v for k, v in body.items() if k not in _VIEW_ONLY}


def electrical_put(client: Client, args: argparse.Namespace, output: Output) -> int:
    try:
        body = read_model(args.file)
    except (OSError, ValueError) as exc:
        output.error(f"cannot read {args.file}: {exc}")
        return USAGE
    if args.revision is not None:
        body["revision"] = args.revision
    stored = client.request("PUT", _path(args.location, "electrical"), body=body)
    return _show_model(output, stored)


def electrical_delete(client: Client, args: argparse.Namespace, output: Output) -> int:
    query = {"revision": args.revision} if args.revision is not None else None
    client.request("DELETE", _path(args.location, "electrical"), query)
    if output.raw_json:
        output.json({"deleted": args.location})
    else:
        output.line(f"electrical model of {args.location} deleted")
    return OK


def allocation(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.get(_path(args.location, "allocation"))
    if output.raw_json:
        output.json(body)
        return OK
    output.line(
        fields({**body, "overloaded": ", ".join(body["overloaded"]) or None}, ALLOCATION_FIELDS)
    )
    output.line("\n" + (table(body["evses"], LIMIT_COLUMNS) if body["evses"] else "(no EVSEs)"))
    loads = [
        {
            **node,
            **_limits(node.get("maxCurrent")),
            **{f"load{phase}": amps for phase, amps in node["loadA"].items()},
        }
        for node in body["nodes"]
    ]
    output.line("\n" + table(loads, LOAD_COLUMNS))
    return OK


def add_parsers(commands: Any, add: Add) -> Any:
    """The `sites` command group; `add(sub, name, handler, help)` is the CLI's helper. Returns
    the group's subjects (more are added beside electrical and allocation)."""
    sites = commands.add_parser(
        "sites", help="sites' electrical models and allocations (load management)"
    ).add_subparsers(dest="subject", required=True, metavar="SUBJECT")
    electrical = sites.add_parser(
        "electrical", help="a location's electrical model: circuits, limits, EVSE wiring"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add(electrical, "show", electrical_show, "show a location's electrical model")
    p.add_argument("location", metavar="LOCATION", help="the location id")
    p = add(electrical, "put", electrical_put, "replace (or create) a location's model")
    p.add_argument("location", metavar="LOCATION", help="the location id")
    p.add_argument(
        "file",
        metavar="FILE",
        help="the model as JSON (nodes, evses; '-': standard input); what "
        "`--json sites electrical show` prints works as is, its revision included",
    )
    p.add_argument(
        "--revision", type=int, help="the revision this replaces (refused if another edit won)"
    )
    p = add(electrical, "delete", electrical_delete, "delete a location's electrical model")
    p.add_argument("location", metavar="LOCATION", help="the location id")
    p.add_argument("--revision", type=int, help="the revision this deletes (refused if stale)")
    p = add(sites, "allocation", allocation, "a location's last allocation and node loads")
    p.add_argument("location", metavar="LOCATION", help="the location id")
    return sites
