"""`drivers sign-up` and `drivers token`: driver accounts of the local development identity
provider (Cognito's stand-in in `make run`), and access tokens for the driver API.

On AWS drivers sign up in the app, through Cognito (docs/drivers.md); these commands talk to
the local platform's identity provider at <gateway>/local-idp.
"""

from __future__ import annotations

import argparse
import os
import urllib.parse
from typing import Any

from csms_cli.client import Client
from csms_cli.tables import Printer

DRIVER_APP_CLIENT = "local-driver-app"  # the local user pool's app client of the driver app


def identity_url(args: argparse.Namespace) -> str:
    """--identity-url, CSMS_IDENTITY_URL, or /local-idp on the operator API's host."""
    if args.identity_url:
        return str(args.identity_url).rstrip("/")
    parts = urllib.parse.urlsplit(args.url)
    return f"{parts.scheme}://{parts.netloc}/local-idp"


def sign_up(_client: Client, args: argparse.Namespace, output: Printer) -> int:
    user = Client(identity_url(args), None).request(
        "POST", "/users", body={"email": args.email, "password": args.password, "group": "drivers"}
    )
    if output.raw_json:
        output.json(user)
    else:
        output.line(f"driver {user['email']} signed up: driverId {user['sub']}")
    return 0


def token(_client: Client, args: argparse.Namespace, output: Printer) -> int:
    answer = Client(identity_url(args), None).request(
        "POST",
        "/oauth2/token",
        body={
            "grant_type": "password",
            "username": args.email,
            "password": args.password,
            "client_id": DRIVER_APP_CLIENT,
        },
    )
    if output.raw_json:
        output.json(answer)
    else:
        # The token alone, so that `TOKEN=$(python -m csms_cli drivers token ...)` works.
        output.line(str(answer["access_token"]))
    return 0


def add_parsers(commands: Any, add: Any) -> None:
    """The `drivers` command group; `add(sub, name, handler, help)` is the CLI's helper."""
    drivers = commands.add_parser(
        "drivers", help="driver accounts of the local identity provider"
    ).add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
    for name, handler, help_text in (
        ("sign-up", sign_up, "create a driver account (local platform)"),
        ("token", token, "print an access token for the driver API (valid 1 h)"),
    ):
        p = add(drivers, name, handler, help_text)
        p.add_argument("--email", required=True, help="the driver's e-mail address")
        p.add_argument("--password", required=True, help="at least 8 characters locally")
        p.add_argument(
            "--identity-url",
            default=os.environ.get("CSMS_IDENTITY_URL"),
            help="identity provider (env CSMS_IDENTITY_URL; default: /local-idp on --url's host)",
        )
