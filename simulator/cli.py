"""Command line: `python -m simulator --chargers 100 --duration 60 ...`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import time
from typing import TextIO

from simulator.charger import DEFAULT_RESPONSE_TIMEOUT_S
from simulator.fleet import DEFAULT_URL, FleetConfig, run_fleet
from simulator.protocols import PROTOCOLS
from simulator.stats import Stats, Summary

# When stderr is not a terminal (CI logs) the progress line is printed this often instead.
NON_TTY_PROGRESS_EVERY_S = 10.0

DESCRIPTION = """\
Connect simulated OCPP chargers to a CSMS WebSocket endpoint. Each charger opens a
WebSocket offering its protocol, sends BootNotification (retrying while Pending/Rejected),
reports every connector Available with StatusNotification, then sends Heartbeats.
CSMS-initiated requests are answered with CALLERROR NotImplemented. Dropped connections
are reopened with backoff. A summary is printed at the end; the exit status is 1 when any
error occurred (timeouts, CALLERRORs, refused or failed connects, chargers never accepted).
"""

EPILOG = """\
examples:
  python -m simulator --chargers 10 --duration 60
  python -m simulator --protocol ocpp2.0.1 --chargers 200 --ramp-up 20 --heartbeat-interval 5
  python -m simulator --url wss://example.cloudfront.net/ocpp --password-template 'pw-{id}'
  python -m simulator --url wss://abc.execute-api.eu-west-1.amazonaws.com/prod --query-id --json
"""


def interval_arg(text: str) -> float | None:
    """'auto' -> None (use the CSMS's interval); a positive number of seconds otherwise."""
    if text == "auto":
        return None
    return positive_float(text)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = parser.add_argument_group("target")
    target.add_argument(
        "--url",
        default=DEFAULT_URL,
        help="CSMS WebSocket URL without the charger id (default: %(default)s)",
    )
    target.add_argument(
        "--query-id",
        action="store_true",
        help="send the id as ?chargePointId={id} (raw API Gateway URL) instead of {url}/{id}",
    )
    target.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        default="ocpp1.6",
        help="OCPP version, offered as the only WebSocket subprotocol (default: %(default)s)",
    )
    auth = target.add_mutually_exclusive_group()
    auth.add_argument(
        "--password",
        help="HTTP Basic password for every charger (security profile 1/2; user = charger id)",
    )
    auth.add_argument(
        "--password-template",
        metavar="TEMPLATE",
        help="per-charger password, a Python format string with {id} and {index}, "
        "e.g. 'secret-{index:05d}'",
    )

    fleet = parser.add_argument_group("fleet")
    fleet.add_argument(
        "-n", "--chargers", type=positive_int, default=1, help="number of chargers (default: 1)"
    )
    fleet.add_argument(
        "--id-prefix", default="SIM-", help="charger ids are {prefix}{index:05d} (default: SIM-)"
    )
    fleet.add_argument(
        "--first-index",
        type=int,
        default=1,
        help="index of the first charger, for disjoint ranges across runs (default: 1)",
    )
    fleet.add_argument(
        "--connectors",
        type=positive_int,
        default=1,
        help="connectors per charger; 2.0.1 models one EVSE per connector (default: 1)",
    )
    fleet.add_argument(
        "--ramp-up",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="spread the connects evenly over this many seconds (default: 0, all at once)",
    )

    timing = parser.add_argument_group("timing")
    timing.add_argument(
        "--duration",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="run time; 0 runs until Ctrl-C (default: 60)",
    )
    timing.add_argument(
        "--heartbeat-interval",
        type=interval_arg,
        default=None,
        metavar="auto|SECONDS",
        help="'auto' uses the interval from the BootNotification response; a number "
        "overrides it for accelerated runs (default: auto)",
    )
    timing.add_argument(
        "--boot-retry-interval",
        type=interval_arg,
        default=None,
        metavar="auto|SECONDS",
        help="wait before re-booting after Pending/Rejected; 'auto' uses the response's "
        "interval (default: auto)",
    )
    timing.add_argument(
        "--response-timeout",
        type=positive_float,
        default=DEFAULT_RESPONSE_TIMEOUT_S,
        metavar="SECONDS",
        help="how long to wait for each CALLRESULT before counting a timeout "
        "(default: %(default)g)",
    )

    output = parser.add_argument_group("output")
    output.add_argument("-q", "--quiet", action="store_true", help="no progress line on stderr")
    output.add_argument("--json", action="store_true", help="print the summary as JSON")
    output.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="-v logs each charger's steps, -vv every frame (stderr)",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> FleetConfig:
    return FleetConfig(
        url=args.url,
        chargers=args.chargers,
        protocol=args.protocol,
        duration_s=args.duration or None,
        heartbeat_interval_s=args.heartbeat_interval,
        id_prefix=args.id_prefix,
        connectors=args.connectors,
        password=args.password,
        ramp_up_s=args.ramp_up,
        query_id=args.query_id,
        response_timeout_s=args.response_timeout,
        password_template=args.password_template,
        boot_retry_interval_s=args.boot_retry_interval,
        first_index=args.first_index,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    config = config_from_args(args)
    try:
        config.validate()
    except ValueError as exc:
        parser.error(str(exc))
    _configure_logging(args.verbose)
    summary = asyncio.run(_run(config, progress=not args.quiet))
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(render_summary(summary))
    return 0 if summary.ok else 1


async def _run(config: FleetConfig, *, progress: bool) -> Summary:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    stats = Stats()
    reporter = (
        asyncio.create_task(_report_progress(stats, config.chargers, sys.stderr))
        if progress
        else None
    )
    try:
        return await run_fleet(config, stop, stats=stats)
    finally:
        if reporter is not None:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
            if sys.stderr.isatty():
                sys.stderr.write("\n")


def progress_line(stats: Stats, chargers: int, elapsed_s: float) -> str:
    return (
        f"[{elapsed_s:7.1f}s] connected {stats.connected}/{chargers}"
        f"  accepted {len(stats.accepted)}"
        f"  sent {stats.messages_sent}  received {stats.messages_received}"
        f"  errors {stats.error_count}  reconnects {stats.reconnects}"
    )


async def _report_progress(stats: Stats, chargers: int, out: TextIO) -> None:
    started = time.perf_counter()
    tty = out.isatty()
    last_printed = 0.0
    while True:
        await asyncio.sleep(1.0)
        elapsed = time.perf_counter() - started
        line = progress_line(stats, chargers, elapsed)
        if tty:
            out.write(f"\r{line}\x1b[K")
        elif elapsed - last_printed >= NON_TTY_PROGRESS_EVERY_S:
            out.write(line + "\n")
            last_printed = elapsed
        out.flush()


def render_summary(summary: Summary) -> str:
    rt = summary.round_trip

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f} ms"

    def counts(values: dict[str, int]) -> str:
        return ", ".join(f"{key} {count}" for key, count in values.items()) or "none"

    errors = f"{summary.error_count} ({counts(summary.errors)})" if summary.error_count else "none"
    lines = [
        f"{summary.chargers} {summary.protocol} chargers -> {summary.url}"
        f" for {summary.duration_s:.1f} s",
        f"  chargers     started {summary.started}, accepted {summary.accepted},"
        f" connected at end {summary.connected}, peak {summary.peak_connected}",
        f"  messages     sent {summary.messages_sent}, received {summary.messages_received},"
        f" {summary.messages_per_s:.1f} sent/s",
        f"  round trip   p50 {ms(rt.p50_ms)}  p95 {ms(rt.p95_ms)}  p99 {ms(rt.p99_ms)}"
        f"  max {ms(rt.max_ms)}  ({rt.count} answered calls)",
        f"  boot         {counts(summary.boot_responses)}",
        f"  CSMS calls   {counts(summary.csms_calls)}",
        f"  reconnects   {summary.reconnects}",
        f"  errors       {errors}",
    ]
    return "\n".join(lines)


def _configure_logging(verbosity: int) -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    # aiohttp's own debug output is noise next to our frames.
    logging.getLogger("aiohttp").setLevel(max(level, logging.INFO))
