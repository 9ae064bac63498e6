"""`firmware campaigns ...`: firmware campaigns of the operator API (docs/firmware.md,
"Campaigns"): create a draft, list, show progress per wave, preview or list targets, start,
pause, resume, cancel, and watch a running campaign until it ends."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from csms_cli.client import Client, quote
from csms_cli.firmware import Add
from csms_cli.tables import Printer, fields, print_page, table

FINISHED = frozenset({"halted", "cancelled", "completed", "failed"})
BASE = "/firmware/campaigns"


def _ids(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _window(text: str) -> dict[str, Any]:
    """HH:MM-HH:MM[@mon,tue]"""
    span, _, days = text.partition("@")
    start, sep, end = span.partition("-")
    if not sep:
        raise argparse.ArgumentTypeError("a window is HH:MM-HH:MM, optionally @mon,tue,...")
    return {"start": start.strip(), "end": end.strip(), "days": _ids(days)}


def _waves(text: str) -> list[int]:
    try:
        return [int(part) for part in _ids(text)]
    except ValueError:
        raise argparse.ArgumentTypeError("waves are percentages, e.g. 1,10,100") from None


def create(client: Client, args: argparse.Namespace, output: Printer) -> int:
    body: dict[str, Any] = {
        "name": args.name,
        "imageId": args.image,
        "selector": {
            "vendors": _ids(args.vendor),
            "models": _ids(args.model),
            "firmwareVersions": _ids(args.firmware_version),
            "sites": _ids(args.site),
            "chargerIds": _ids(args.chargers),
            "tags": _ids(args.tag),
        },
        "waves": args.waves,
        "failureThresholdPct": args.failure_threshold,
        "windows": args.window or [],
        "sessionPolicy": args.sessions,
        "siteConcurrency": None if args.site_concurrency == 0 else args.site_concurrency,
        "concurrency": args.concurrency,
        "chargerTimeoutS": args.charger_timeout,
        "retries": args.retries,
    }
    created = client.request("POST", BASE, body=body)
    if output.raw_json:
        output.json(created)
    else:
        output.line(f"campaign {created['campaignId']} created (draft)")
        output.line(f"preview: firmware campaigns targets {created['campaignId']}")
    return 0


def list_campaigns(client: Client, args: argparse.Namespace, output: Printer) -> int:
    body = client.request("GET", BASE, {"limit": args.limit, "cursor": args.cursor})
    columns = [
        ("ID", "campaignId"),
        ("NAME", "name"),
        ("VERSION", "imageVersion"),
        ("STATUS", "status"),
        ("TARGETS", "targetCount"),
        ("CREATED", "createdAt"),
    ]
    return print_page(output, body, columns)


def _render(view: dict[str, Any], output: Printer) -> None:
    campaign = view["campaign"]
    output.line(
        fields(
            campaign,
            [
                ("Campaign", "campaignId"),
                ("Name", "name"),
                ("Image", "imageId"),
                ("Version", "imageVersion"),
                ("Status", "status"),
                ("Halted", "haltedReason"),
                ("Targets", "targetCount"),
                ("Started", "startedAt"),
                ("Finished", "finishedAt"),
            ],
        )
    )
    rows = [
        {
            "wave": w["wave"],
            "total": w["total"],
            "failed": w["failed"],
            "rate": f"{w['failureRatePct']:.0f} %",
            "states": ", ".join(f"{k} {v}" for k, v in sorted(w["states"].items())),
        }
        for w in view.get("waves", [])
    ]
    if rows:
        output.line()
        output.line(
            table(
                rows,
                [
                    ("WAVE", "wave"),
                    ("TOTAL", "total"),
                    ("FAILED", "failed"),
                    ("RATE", "rate"),
                    ("STATES", "states"),
                ],
            )
        )


def show(client: Client, args: argparse.Namespace, output: Printer) -> int:
    view = client.request("GET", f"{BASE}/{args.campaign}")
    if output.raw_json:
        output.json(view)
    else:
        _render(view, output)
    return 0


def targets(client: Client, args: argparse.Namespace, output: Printer) -> int:
    body = client.request("GET", f"{BASE}/{args.campaign}/targets")
    if output.raw_json:
        output.json(body)
        return 0
    rows = [
        {**t, "last": (t["timeline"][-1]["at"] if t["timeline"] else None)} for t in body["targets"]
    ]
    columns = [
        ("CHARGER", "chargePointId"),
        ("WAVE", "wave"),
        ("STATE", "state"),
        ("REASON", "reason"),
        ("ATTEMPT", "attempt"),
        ("SITE", "site"),
        ("CHANGED", "last"),
    ]
    output.line(table(rows, columns) if rows else "(none)")
    return 0


def _action(name: str) -> Callable[[Client, argparse.Namespace, Printer], int]:
    def act(client: Client, args: argparse.Namespace, output: Printer) -> int:
        campaign = client.request("POST", f"{BASE}/{args.campaign}/{name}")
        if output.raw_json:
            output.json(campaign)
        else:
            output.line(f"campaign {campaign['campaignId']}: {campaign['status']}")
        return 0

    return act


def watch(
    client: Client,
    args: argparse.Namespace,
    output: Printer,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Print the progress every --every seconds until the campaign ends; exit code 0 when it
    completed, 1 when it halted, was cancelled or failed."""
    while True:
        view = client.request("GET", f"{BASE}/{args.campaign}")
        if output.raw_json:
            output.json(view)
        else:
            _render(view, output)
            output.line()
        status = view["campaign"]["status"]
        if status in FINISHED:
            return 0 if status == "completed" else 1
        sleep(args.every)


def add_parsers(firmware: Any, add: Any) -> None:
    """`campaigns` in the `firmware` command group (`firmware`: its subcommands);
    `add(sub, name, handler, help)` is the CLI's helper."""
    campaigns = firmware.add_parser(
        "campaigns", help="roll an image out over the fleet in waves"
    ).add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
    p = add(campaigns, "create", create, "create a campaign (a draft: nothing is sent)")
    p.add_argument("--name", required=True, help="what the operators call it")
    p.add_argument("--image", required=True, help="an available image's id")
    for flag, what in (
        ("--vendor", "vendors"),
        ("--model", "models"),
        ("--firmware-version", "current firmware versions"),
        ("--site", "location ids"),
        ("--chargers", "charger ids"),
        ("--tag", "charger tags"),
    ):
        p.add_argument(flag, help=f"{what}, comma-separated (any of)")
    p.add_argument("--waves", type=_waves, default=[1, 10, 100], help="cumulative %% (1,10,100)")
    p.add_argument("--failure-threshold", type=int, default=20, help="%% per wave (20)")
    p.add_argument(
        "--window",
        type=_window,
        action="append",
        help="maintenance window in the site's time, HH:MM-HH:MM[@mon,tue] (repeatable)",
    )
    p.add_argument(
        "--sessions",
        choices=["wait", "skip"],
        default="wait",
        help="a charger in a session: wait for its end, or skip it (wait)",
    )
    p.add_argument("--site-concurrency", type=int, default=1, help="per site (0: unbounded)")
    p.add_argument("--concurrency", type=int, default=10, help="chargers of a wave at once")
    p.add_argument("--charger-timeout", type=int, default=3600, help="seconds per attempt")
    p.add_argument("--retries", type=int, default=1, help="attempts after a failed one (1)")
    p = add(campaigns, "list", list_campaigns, "list campaigns, newest first")
    p.add_argument("--limit", type=int, default=None, help="page size (1-100)")
    p.add_argument("--cursor", default=None, help="the cursor printed by the previous page")
    for name, handler, help_text in (
        ("show", show, "a campaign and its progress per wave"),
        ("targets", targets, "the targets: a draft's preview, then their states"),
        ("start", _action("start"), "start a draft"),
        ("pause", _action("pause"), "pause: no new chargers start"),
        ("resume", _action("resume"), "resume a paused campaign"),
        ("cancel", _action("cancel"), "cancel: stop the execution"),
    ):
        add(campaigns, name, handler, help_text).add_argument(
            "campaign", metavar="CAMPAIGN", help="the campaign's id"
        )
    p = add(campaigns, "watch", watch, "print the progress until the campaign ends")
    p.add_argument("campaign", metavar="CAMPAIGN", help="the campaign's id")
    p.add_argument("--every", type=float, default=5.0, help="seconds between looks (5)")


def charger_firmware(client: Client, args: argparse.Namespace, output: Printer) -> int:
    """`chargers firmware CP`: the version, the last status, and every campaign that
    targeted the charger with the target's state and timeline."""
    body = client.request("GET", f"/chargers/{quote(args.charger)}/firmware")
    if output.raw_json:
        output.json(body)
        return 0
    output.line(
        fields(
            body,
            [
                ("Charger", "chargePointId"),
                ("Firmware", "firmwareVersion"),
                ("Firmware status", "firmwareStatus"),
            ],
        )
    )
    for entry in body["campaigns"]:
        target = entry["target"]
        output.line()
        output.line(
            f"{entry['campaignId']}  {entry['name']}  -> {entry['imageVersion']}  "
            f"({entry['campaignStatus']}): {target['state']}"
            + (f" ({target['reason']})" if target.get("reason") else "")
            + f", wave {target['wave']}, attempt {target['attempt']}"
        )
        for step in target["timeline"]:
            output.line(f"  {step['at']}  {step['status']}")
    if not body["campaigns"]:
        output.line("(no campaign has targeted it)")
    return 0


def add_charger_parser(chargers: Any, add: Add) -> None:
    """`chargers firmware CP`: `add(sub, name, handler, help)` adds the CP argument."""
    add(chargers, "firmware", charger_firmware, "a charger's firmware and its campaigns", True)
