"""`python -m local` (what `make run` runs): the whole platform plus one demo charger.

Ctrl-C or SIGTERM closes the WebSockets with 1001, stops moto and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from csms_cli.client import DEFAULT_URL as DEFAULT_API_URL
from local.demo_site import APP_CHARGER
from local.identity.provider import DRIVER_APP_CLIENT
from local.memory_store import STORES
from local.platform import LocalPlatform
from local.settings import LocalSettings
from shared.config import DEFAULT_HEARTBEAT_INTERVAL_S, UNKNOWN_CHARGER_POLICIES, ConfigError

DEMO_CHARGER_ID = "DEMO-CP-1"
# Git-ignored, beside the code: `make run` keeps its data like a development database.
DEFAULT_STATE_DIR = Path(__file__).resolve().parents[1] / ".local" / "state"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local",
        description="Run the CSMS locally: API Gateway stand-in, Lambda handlers, moto.",
    )
    parser.add_argument("--host", help="gateway address (default 127.0.0.1, env LOCAL_HOST)")
    parser.add_argument("--port", type=int, help="gateway port (default 8080, env LOCAL_PORT)")
    parser.add_argument(
        "--moto-port", type=int, help="moto port (default 4566, env LOCAL_MOTO_PORT)"
    )
    parser.add_argument(
        "--unknown-chargers",
        choices=UNKNOWN_CHARGER_POLICIES,
        help="what to do with chargers that are not provisioned (default accept)",
    )
    parser.add_argument(
        "--heartbeat-interval",
        type=int,
        help="heartbeat interval handed to chargers, seconds "
        f"(default {DEFAULT_HEARTBEAT_INTERVAL_S})",
    )
    parser.add_argument(
        "--store",
        choices=STORES,
        help="where the handlers keep their tables: moto (default) or this process's memory "
        "(for load runs; env LOCAL_STORE)",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="where chargers, id tags, sessions, ... are kept between runs "
        f"(default {DEFAULT_STATE_DIR}, env LOCAL_STATE_DIR)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="forget the kept data and start with empty tables"
    )
    parser.add_argument(
        "--console-dir",
        metavar="DIR",
        help="the built operator console served at /console/ "
        "(default console/dist, built by `make console`; env LOCAL_CONSOLE_DIR)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        default=None,
        help="also serve chargers over wss:// with a local CA's certificate (security profile "
        "2; env LOCAL_TLS=1)",
    )
    parser.add_argument(
        "--tls-port", type=int, help="the wss:// port (default 8443, env LOCAL_TLS_PORT)"
    )
    parser.add_argument("--no-demo", action="store_true", help="do not start the demo charger")
    parser.add_argument(
        "--no-stripe",
        action="store_true",
        help="do not start the local Stripe server (payments then fail at once)",
    )
    parser.add_argument(
        "--receipt-email-sender",
        metavar="ADDRESS",
        help="e-mail receipts to drivers from ADDRESS, as the stack setting receiptEmailSender "
        "(verified in moto's SES, which records the messages; default off)",
    )
    parser.add_argument(
        "--log-level", default="INFO", help="log level of the platform (default INFO)"
    )
    return parser.parse_args(argv)


def settings_from_args(args: argparse.Namespace) -> LocalSettings:
    from_env = LocalSettings.from_env()
    store = args.store or from_env.store
    # Kept like a development database by default; the memory store is for load runs.
    default_state_dir = str(DEFAULT_STATE_DIR) if store == "moto" else None
    return from_env.replace(
        state_dir=args.state_dir or from_env.state_dir or default_state_dir,
        fresh=args.fresh or None,
        host=args.host,
        port=args.port,
        moto_port=args.moto_port,
        unknown_chargers=args.unknown_chargers,
        heartbeat_interval_s=args.heartbeat_interval,
        store=args.store,
        stripe=not args.no_stripe,
        receipt_email_sender=args.receipt_email_sender,
        console_dir=args.console_dir,
        tls=args.tls,
        tls_port=args.tls_port,
    )


def _tls_lines(platform: LocalPlatform) -> list[str]:
    if not platform.settings.tls or platform.tls is None:
        return []
    return [
        f"    over TLS        : {platform.wss_url}/{{chargePointId}} (security profile 2)",
        f"    its CA          : {platform.tls.ca_file}",
        f"    simulator       : python -m simulator --url {platform.wss_url} "
        f"--ca-file {platform.tls.ca_file}",
    ]


def banner(platform: LocalPlatform) -> str:
    s = platform.settings
    base = platform.http_url.removesuffix("/api")
    elsewhere = platform.http_url != DEFAULT_API_URL
    cli = "python -m csms_cli" + (f" --url {platform.http_url}" if elsewhere else "")
    return "\n".join(
        [
            "",
            "Local CSMS platform is up",
            f"  Start here        : {base}/ (where everything is)",
            f"  Operator console  : {base}/console/{_console_note(s)}",
            f"    sign in as      : {s.operator_email} / {s.operator_password} "
            '(or "Continue as the development operator")',
            f"  API docs          : {platform.http_url}/docs (operator), "
            f"{platform.driver_url}/docs (driver)",
            f"  Charger WebSocket : {platform.ws_url}/{{chargePointId}}",
            *_tls_lines(platform),
            f"  Operator HTTP API : {platform.http_url}",
            f"    dev token       : Authorization: Bearer {s.operator_dev_token}",
            f"  Driver HTTP API   : {platform.driver_url}",
            f"    identity (IdP)  : {platform.identity_url} (sign-up, tokens, JWKS)",
            f"    demo driver     : {DEMO_DRIVER_EMAIL} / {DEMO_DRIVER_PASSWORD}",
            # --url is the CLI's own option: it goes before the command.
            f"    its token       : {cli} drivers token "
            f"--email {DEMO_DRIVER_EMAIL} --password {DEMO_DRIVER_PASSWORD}",
            "    driver journey  : python -m local.journey"
            + (f" --url {base}" if elsewhere else ""),
            f"  Operator CLI      : {cli} chargers list",
            "    elsewhere       : --url URL or CSMS_API_URL=URL (token: --token or CSMS_TOKEN)",
            f"  Simulator         : python -m simulator --url {platform.ws_url} --chargers 5",
            f"  Stripe (local)    : {_stripe_line(platform)}",
            f"  @connections API  : {platform.management_endpoint}",
            f"  moto (AWS) API    : {platform.moto_endpoint}",
            f"  tables            : {_store_line(s.store)}",
            f"  kept data         : {_state_line(platform)}",
            f"  unknown chargers  : {s.unknown_chargers}",
            f"  heartbeat interval: {s.heartbeat_interval_s} s",
            f"  receipt e-mails   : {_receipt_email_line(platform)}",
            *_delivery_lines(platform),
            *_workflow_lines(platform),
            "Press Ctrl-C to stop.",
            "",
        ]
    )


def _console_note(settings: LocalSettings) -> str:
    from local.console import DEFAULT_CONSOLE_DIR

    directory = Path(settings.console_dir) if settings.console_dir else DEFAULT_CONSOLE_DIR
    if (directory / "index.html").is_file():
        return ""
    return f" (not built in {directory}: run `make console`)"


def _stripe_line(platform: LocalPlatform) -> str:
    if platform.stripe is None:
        return "off (--no-stripe): payments fail at once"
    return f"{platform.stripe.api_base} (localstripe; webhooks to /webhooks/stripe)"


def _receipt_email_line(platform: LocalPlatform) -> str:
    mail = platform.receipt_email
    if mail is None:
        return "off (--receipt-email-sender ADDRESS turns them on)"
    return f"from {mail.sender} (moto's SES keeps them; the function logs each message id)"


def _state_line(platform: LocalPlatform) -> str:
    if platform.state is None:
        return "nothing is kept: everything is gone at stop"
    fresh = " (started fresh)" if platform.settings.fresh else ""
    return f"{platform.state.path}{fresh}; --fresh starts empty"


def _store_line(store: str) -> str:
    if store == "memory":
        return "in this process's memory (--store memory); streams and events on moto"
    return "moto"


def _delivery_lines(platform: LocalPlatform) -> list[str]:
    """Which streams and event rules feed which functions (local/delivery)."""
    described = platform.delivery.describe() or ["nothing"]
    return [f"  {'Consumers' if i == 0 else '':<18}: {line}" for i, line in enumerate(described)]


def _workflow_lines(platform: LocalPlatform) -> list[str]:
    """The state machines moto runs (local/workflows.py), if the catalog has any."""
    return [
        f"  {'Workflows' if i == 0 else '':<18}: {arn}"
        for i, arn in enumerate(platform.state_machines.values())
    ]


DEMO_HEARTBEAT_S = 60


DEMO_ID_TAG = "DEMO-TAG"
# Signed up at every start (the identity provider keeps users in memory).
DEMO_DRIVER_EMAIL = "driver@demo.example"
DEMO_DRIVER_PASSWORD = "demo-driver"  # noqa: S105 - local only, printed in the banner


def _seed_demo_id_tag(platform: LocalPlatform) -> None:
    """An Accepted id tag for the demo charger's sessions (unknown tags are Invalid)."""
    from shared.models.transaction import IdTagRecord

    platform.id_tags().put(IdTagRecord(DEMO_ID_TAG, "Accepted"))


def _seed_demo_site(platform: LocalPlatform) -> None:
    """The demo site, tariff and the demo driver's card (local/demo_site.py)."""
    from local.demo_site import seed_demo_card, seed_demo_site
    from local.stripe_server import API_KEY

    seed_demo_site(platform.http_url, platform.settings.operator_dev_token)
    if platform.stripe is None:
        return
    identity = platform.gateway.identity
    user = identity.ensure_user(DEMO_DRIVER_EMAIL, DEMO_DRIVER_PASSWORD)
    token = identity.access_token(user, DRIVER_APP_CLIENT)
    seed_demo_card(platform.driver_url, token, platform.stripe.api_base, API_KEY)


def _demo_session_plan() -> Any:
    from simulator import SessionPlan

    # A two-minute session right away, then one every five minutes, for as long as it runs.
    return SessionPlan(
        sessions=100_000, duration_s=120, meter_interval_s=15, gap_s=180, id_tags=(DEMO_ID_TAG,)
    )


def _demo_runner() -> Callable[..., Coroutine[Any, Any, None]] | None:
    try:
        from simulator import run_demo_charger
    except ImportError as exc:
        logging.getLogger("local").warning("no demo charger (simulator not available: %s)", exc)
        return None
    return run_demo_charger


async def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def request_stop() -> None:
        stop.set()
        # A second Ctrl-C during shutdown interrupts it the hard way.
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, request_stop)
    async with LocalPlatform(settings) as platform:
        platform.gateway.identity.ensure_user(DEMO_DRIVER_EMAIL, DEMO_DRIVER_PASSWORD)
        print(banner(platform), flush=True)
        demo_stop = asyncio.Event()
        demo: asyncio.Task[None] | None = None
        run_demo = None if args.no_demo else _demo_runner()
        if run_demo is not None:
            await asyncio.to_thread(_seed_demo_id_tag, platform)
            await asyncio.to_thread(_seed_demo_site, platform)
            # The second demo charger waits for starts from the app (python -m local.journey).
            app_charger = asyncio.create_task(
                run_demo(
                    platform.ws_url,
                    APP_CHARGER,
                    "ocpp1.6",
                    demo_stop,
                    heartbeat_interval_s=DEMO_HEARTBEAT_S,
                )
            )
            demo = asyncio.create_task(
                # The demo heartbeats every minute and charges a short session every few
                # minutes, so there is something to watch; real chargers follow the interval
                # their BootNotification answer gives.
                run_demo(
                    platform.ws_url,
                    DEMO_CHARGER_ID,
                    "ocpp1.6",
                    demo_stop,
                    heartbeat_interval_s=DEMO_HEARTBEAT_S,
                    session_plan=_demo_session_plan(),
                )
            )
        await stop.wait()
        logging.getLogger("local").info("stopping")
        if demo is not None:
            demo_stop.set()
            await asyncio.wait({app_charger}, timeout=5.0)
            done, _ = await asyncio.wait({demo}, timeout=5.0)
            if not done:
                demo.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await demo
            elif demo.exception() is not None:
                logging.getLogger("local").warning("demo charger failed: %r", demo.exception())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # The handlers' lines (shared/observability.py, text locally) go to stdout: the platform's
    # own go there too, in the same shape, so the console reads as one story.
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stdout,
    )
    # botocore announces every client's credentials and endpoint at INFO.
    logging.getLogger("botocore").setLevel(logging.WARNING)
    try:
        return asyncio.run(run(args))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
