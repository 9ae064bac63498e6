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

from simulator.charger import DEFAULT_POWER_KW, DEFAULT_RESPONSE_TIMEOUT_S
from simulator.diagnosis import problems
from simulator.fleet import DEFAULT_URL, FleetConfig, run_fleet
from simulator.job_faults import JobFaults
from simulator.protocols import PROTOCOLS
from simulator.session_plan import DEFAULT_ID_TAG_TEMPLATE, SessionPlan
from simulator.stats import Stats, Summary

# When stderr is not a terminal (CI logs) the progress line is printed this often instead.
NON_TTY_PROGRESS_EVERY_S = 10.0

DESCRIPTION = """\
Connect simulated OCPP chargers to a CSMS WebSocket endpoint. Each charger opens a
WebSocket offering its protocol, sends BootNotification (retrying while Pending/Rejected),
reports every connector Available with StatusNotification, then sends Heartbeats.
With --sessions / --sessions-per-hour the chargers also charge: Authorize, StartTransaction,
MeterValues, StopTransaction (2.0.1: TransactionEvent Started/Updated/Ended), with a meter
register per connector that only grows. Transaction messages created while offline are
queued and replayed in order on reconnect (--drop-every forces disconnects).
CSMS commands are answered like a real charger (remote start/stop, reset, configuration,
triggers, local lists, reservations, firmware, diagnostics, charging profiles). Dropped connections
are reopened with backoff. A summary is printed at the end, with what failed, why and what
to try; the exit status is 1 when any error occurred (timeouts, CALLERRORs, refused or failed
connects, chargers never accepted, transaction messages given up, answers the ocpp package
rejects) or when the CSMS refused sessions and none completed.
"""

EPILOG = """\
examples:
  python -m simulator --chargers 10 --duration 60
  python -m simulator --protocol ocpp2.0.1 --chargers 200 --ramp-up 20 --heartbeat-interval 5
  python -m simulator --url wss://example.cloudfront.net/ocpp --password-template 'pw-{id}'
  python -m simulator --url wss://abc.execute-api.eu-west-1.amazonaws.com/prod --query-id --json
  python -m simulator -n 50 --sessions 3 --session-duration 20 --meter-interval 5 --time-scale 60
  python -m simulator -n 20 --sessions-per-hour 4 --power-kw 150 --duration 0 --id-tag TAG-A
  python -m simulator --sessions 2 --drop-every 15 --offline-for 5 --replay-duplicates
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


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {text!r}")
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

    target.add_argument(
        "--ca-file",
        metavar="PEM",
        help="trust this CA for wss:// (e.g. the one `python -m local --tls` prints)",
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

    _add_session_arguments(parser)
    _add_job_fault_arguments(parser)

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


def _add_session_arguments(parser: argparse.ArgumentParser) -> None:
    sessions = parser.add_argument_group(
        "charging sessions (enabled by --sessions or --sessions-per-hour)"
    )
    sessions.add_argument(
        "--sessions",
        type=positive_int,
        metavar="N",
        help="sessions per charger, spread over its connectors; the run ends once every "
        "charger is done and has delivered its queued messages (or at --duration)",
    )
    sessions.add_argument(
        "--sessions-per-hour",
        type=positive_float,
        metavar="RATE",
        help="mean session arrival rate per charger (random gaps); without it sessions run "
        "back to back",
    )
    sessions.add_argument(
        "--session-duration",
        type=positive_float,
        default=60.0,
        metavar="SECONDS",
        help="how long each session charges (default: %(default)g)",
    )
    sessions.add_argument(
        "--meter-interval",
        type=positive_float,
        default=10.0,
        metavar="SECONDS",
        help="MeterValues (2.0.1: TransactionEvent Updated) interval (default: %(default)g)",
    )
    sessions.add_argument(
        "--session-gap",
        type=non_negative_float,
        default=0.0,
        metavar="SECONDS",
        help="pause between back-to-back sessions on a connector (default: 0)",
    )
    tags = sessions.add_mutually_exclusive_group()
    tags.add_argument(
        "--id-tag",
        action="append",
        metavar="TAG",
        help="id tag to charge with; repeat for several, used in turn",
    )
    tags.add_argument(
        "--id-tag-template",
        default=DEFAULT_ID_TAG_TEMPLATE,
        metavar="TEMPLATE",
        help="per-session id tag, a format string with {id}, {index}, {connector} and "
        "{session} (default: %(default)s)",
    )
    sessions.add_argument(
        "--authorize-share",
        type=share,
        default=1.0,
        metavar="FRACTION",
        help="share of sessions that send Authorize before starting (RFID); the others "
        "start right away (default: 1)",
    )
    sessions.add_argument(
        "--power-kw",
        type=positive_float,
        default=DEFAULT_POWER_KW,
        metavar="KW",
        help="charging power; above 22 kW the meters report DC values with SoC "
        "(default: %(default)g)",
    )
    sessions.add_argument(
        "--time-scale",
        type=positive_float,
        default=1.0,
        metavar="FACTOR",
        help="accelerate energy: with 60 one real second delivers a minute's kWh (default: 1)",
    )

    offline = parser.add_argument_group("offline behaviour")
    offline.add_argument(
        "--drop-every",
        type=positive_float,
        metavar="SECONDS",
        help="cut each charger's connection about this often (transaction messages queue up "
        "and are replayed in order on reconnect)",
    )
    offline.add_argument(
        "--offline-for",
        type=non_negative_float,
        default=0.0,
        metavar="SECONDS",
        help="how long a charger stays offline after a forced drop (default: 0, reconnect "
        "after the usual backoff)",
    )
    offline.add_argument(
        "--replay-duplicates",
        type=non_negative_int,
        nargs="?",
        const=1,
        default=0,
        metavar="N",
        help="after each reconnect re-send the last N acknowledged transaction messages, as "
        "chargers do when a response was lost, to test the CSMS's idempotency (default N: 1)",
    )


def _add_job_fault_arguments(parser: argparse.ArgumentParser) -> None:
    jobs = parser.add_argument_group(
        "firmware updates and uploads (probabilities per job, 0..1; default 0)"
    )
    for name, what in (
        ("download-failed", "the download fails (DownloadFailed)"),
        ("install-failed", "the installation fails (InstallationFailed)"),
        ("invalid-signature", "a signed image does not verify (InvalidSignature)"),
        ("never-reports", "the update is accepted, then nothing is ever reported"),
        ("old-version", "Installed, but the charger boots with its old version"),
        ("upload-failed", "a diagnostics/log upload fails (UploadFailed / UploadFailure)"),
    ):
        jobs.add_argument(f"--{name}", type=share, default=0.0, metavar="P", help=what)
    jobs.add_argument(
        "--job-step",
        type=non_negative_float,
        metavar="SECONDS",
        help="pause before each firmware/upload status report (default: 0.05)",
    )
    jobs.add_argument(
        "--reboot-offline",
        type=non_negative_float,
        default=0.0,
        metavar="SECONDS",
        help="how long a charger stays offline rebooting into new firmware (default: 0)",
    )
    jobs.add_argument(
        "--faults-seed", type=int, default=0, help="seed of the job outcomes (default: 0)"
    )
    jobs.add_argument(
        "--faults-on",
        type=index_set,
        metavar="INDEXES",
        help="apply the failure probabilities only to these chargers, e.g. '3,7-9' "
        "(the others install and upload normally; default: every charger)",
    )


def index_set(text: str) -> frozenset[int]:
    indexes: set[int] = set()
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            indexes.update(range(int(low), int(high or low) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of indexes like 3,7-9: {text!r}") from None
    return frozenset(indexes)


def job_faults_from_args(args: argparse.Namespace) -> JobFaults:
    return JobFaults(
        download_failed=args.download_failed,
        install_failed=args.install_failed,
        invalid_signature=args.invalid_signature,
        never_reports=args.never_reports,
        old_version=args.old_version,
        upload_failed=args.upload_failed,
        step_s=args.job_step,
        reboot_s=args.reboot_offline,
        seed=args.faults_seed,
    )


def session_plan_from_args(args: argparse.Namespace) -> SessionPlan | None:
    if args.sessions is None and args.sessions_per_hour is None:
        return None
    return SessionPlan(
        sessions=args.sessions,
        sessions_per_hour=args.sessions_per_hour,
        duration_s=args.session_duration,
        meter_interval_s=args.meter_interval,
        gap_s=args.session_gap,
        id_tags=tuple(args.id_tag or ()),
        id_tag_template=args.id_tag_template,
        authorize_share=args.authorize_share,
    )


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
        ca_file=args.ca_file,
        boot_retry_interval_s=args.boot_retry_interval,
        first_index=args.first_index,
        session_plan=session_plan_from_args(args),
        power_kw=args.power_kw,
        time_scale=args.time_scale,
        drop_every_s=args.drop_every,
        offline_s=args.offline_for,
        replay_duplicates=args.replay_duplicates,
        job_faults=job_faults_from_args(args),
        job_faults_on=args.faults_on,
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
    line = (
        f"[{elapsed_s:7.1f}s] connected {stats.connected}/{chargers}"
        f"  accepted {len(stats.accepted)}"
        f"  sent {stats.messages_sent}  received {stats.messages_received}"
        f"  errors {stats.error_count}  reconnects {stats.reconnects}"
    )
    if stats.sessions_started:
        line += (
            f"  sessions {stats.sessions_completed + stats.sessions_failed}"
            f"/{stats.sessions_started}  {stats.energy_wh / 1000:.1f} kWh"
        )
    return line


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
        *_session_lines(summary),
        f"  errors       {errors}",
    ]
    found = problems(summary)
    lines.append("  result       " + ("ok" if summary.ok else "FAILED"))
    lines += [f"  - {sentence}" for sentence in found]
    return "\n".join(lines)


def _session_lines(summary: Summary) -> list[str]:
    totals = summary.sessions
    lines = []
    if totals.sessions_started or totals.transactions_started:
        lines += [
            f"  sessions     started {totals.sessions_started},"
            f" completed {totals.sessions_completed}, failed {totals.sessions_failed},"
            f" energy {totals.energy_kwh:.3f} kWh",
            f"  transactions started {totals.transactions_started},"
            f" stopped {totals.transactions_stopped} (acknowledged);"
            f" idTag rejections {totals.id_tag_rejections},"
            f" deauthorized stops {totals.deauthorized_stops}",
        ]
    if totals.refused:
        refused = ", ".join(f"{status} {count}" for status, count in totals.refused.items())
        lines.append(f"  refused      sessions by status: {refused}")
    if totals.drops or totals.queued_offline or totals.duplicates_sent or totals.still_queued:
        lines.append(
            f"  offline      drops {totals.drops}, queued {totals.queued_offline},"
            f" replayed {totals.replayed}, duplicates sent {totals.duplicates_sent},"
            f" still queued at the end {totals.still_queued}"
        )
    return lines


def _configure_logging(verbosity: int) -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    # aiohttp's own debug output is noise next to our frames.
    logging.getLogger("aiohttp").setLevel(max(level, logging.INFO))
    # The ocpp package logs every frame at INFO and every CALLERROR as a warning; the run
    # counts those, so its own lines only show with -vv.
    logging.getLogger("simulator.ocpp").setLevel(logging.DEBUG if verbosity >= 2 else logging.ERROR)
