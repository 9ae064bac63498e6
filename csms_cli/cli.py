"""Argument parsing and the commands. Exit codes (csms_cli/outcomes.py): 0 ok, 1 an error
(API, network, a charger that did not answer), 2 usage, 3 the charger refused."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from csms_cli import configuration, drivers, firmware, firmware_campaigns, grid, ocpp, sites
from csms_cli.client import DEFAULT_URL, LOCAL_DEV_TOKEN, ApiError, Client, Unreachable, quote
from csms_cli.outcomes import ERROR as API_ERROR
from csms_cli.outcomes import OK, USAGE, exit_code
from csms_cli.tables import fields, print_page, table

CHARGER_COLUMNS = [
    ("CHARGER", "chargePointId"),
    ("REGISTRATION", "registrationStatus"),
    ("ONLINE", "online"),
    ("PROTOCOL", "protocol"),
    ("VENDOR", "vendor"),
    ("MODEL", "model"),
    ("FIRMWARE", "firmwareVersion"),
    ("LAST BOOT", "lastBootAt"),
]
CHARGER_FIELDS = [
    ("Charger", "chargePointId"),
    ("Registration", "registrationStatus"),
    ("Validation", "validationMode"),
    ("Password", "hasPassword"),
    ("Online", "online"),
    ("Protocol", "protocol"),
    ("Vendor", "vendor"),
    ("Model", "model"),
    ("Serial", "serialNumber"),
    ("Firmware", "firmwareVersion"),
    ("Tags", "tags"),
    ("Last boot", "lastBootAt"),
    ("Connected at", "connectedAt"),
    ("Last active", "lastActiveAt"),
    ("Disconnected at", "disconnectedAt"),
    ("Firmware status", "firmwareStatus"),
    ("Firmware status at", "firmwareStatusAt"),
    ("Diagnostics status", "diagnosticsStatus"),
    ("Diagnostics at", "diagnosticsStatusAt"),
    ("Cost profile", "costProfile"),
    ("Cost profile at", "costProfileAppliedAt"),
]
CONNECTOR_COLUMNS = [
    ("EVSE", "evseId"),
    ("CONNECTOR", "connectorId"),
    ("STATUS", "status"),
    ("ERROR", "errorCode"),
    ("SINCE", "timestamp"),
]
ID_TAG_COLUMNS = [
    ("ID TAG", "idTag"),
    ("STATUS", "status"),
    ("EXPIRY", "expiryDate"),
    ("PARENT", "parentIdTag"),
    ("OWNER", "ownerId"),
]
SESSION_COLUMNS = [
    ("CHARGER", "chargePointId"),
    ("TRANSACTION", "transactionId"),
    ("STATUS", "status"),
    ("ID TAG", "idTag"),
    ("CONNECTOR", "connectorId"),
    ("STARTED", "startedAt"),
    ("STOPPED", "stoppedAt"),
    ("ENERGY WH", "energy"),
]
ENERGY_COLUMNS = [("DAY", "day"), ("ENERGY WH", "energyWh"), ("SESSIONS", "sessions")]
COST_PROFILE_COLUMNS = [
    ("PROFILE", "name"),
    ("METER VALUES", "interval"),
    ("MEASURANDS", "measurands"),
    ("CLOCK-ALIGNED", "aligned"),
    ("HEARTBEAT", "heartbeat"),
]
APPLY_COLUMNS = [
    ("CHARGER", "chargePointId"),
    ("PROTOCOL", "protocol"),
    ("STATUS", "status"),
    ("COMMANDS / REFUSAL", "detail"),
]
RESERVATION_FIELDS = [
    ("Reservation", "reservationId"),
    ("Status", "status"),
    ("Connector", "connectorId"),
    ("Id tag", "idTag"),
    ("Expires", "expiryDate"),
    ("Charger said", "chargerStatus"),
]


class Output:
    def __init__(self, raw_json: bool, out: TextIO, err: TextIO) -> None:
        self.raw_json = raw_json
        self.out = out
        self.err = err

    def line(self, text: str = "") -> None:
        print(text, file=self.out)

    def json(self, value: Any) -> None:
        print(json.dumps(value, indent=2, sort_keys=True), file=self.out)

    def error(self, text: str) -> None:
        print(f"error: {text}", file=self.err)


Handler = Callable[[Client, argparse.Namespace, Output], int]


# --- rendering --------------------------------------------------------------------------


def _page(output: Output, body: dict[str, Any], columns: list[tuple[str, str]]) -> int:
    return print_page(output, body, columns)


def _command_outcome(output: Output, command: dict[str, Any]) -> int:
    """Print a command's outcome; the exit code says whether the charger did it."""
    if output.raw_json:
        output.json(command)
        return exit_code(command)
    output.line(f"{command['action']} -> {command['status']}  (command {command['commandId']})")
    result = command.get("result")
    if result is not None and command["action"] in configuration.CONFIGURATION_ACTIONS:
        output.line(configuration.render(command["action"], result))
    elif result is not None:
        output.line(json.dumps(result, indent=2, sort_keys=True))
    if command.get("error"):
        error = command["error"]
        output.line(f"{error.get('code', '')}: {error.get('description', '')}".strip())
    return exit_code(command)


def _api_error(output: Output, exc: ApiError) -> int:
    if output.raw_json and exc.body is not None:
        output.json(exc.body)
        return API_ERROR
    details = exc.details
    headline = exc.message
    if isinstance(details, list):
        # A detail that only repeats the message names its field in the headline instead.
        repeats = [d for d in details if isinstance(d, dict) and d.get("message") == headline]
        if len(repeats) == 1 and "field" in repeats[0]:
            headline = f"{repeats[0]['field']}: {headline}"
        details = [d for d in details if d not in repeats]
    output.error(f"{headline} ({exc.status} {exc.code})")
    if isinstance(details, list):
        for item in details:
            if isinstance(item, dict) and "field" in item:
                output.error(f"  {item['field']}: {item.get('message', '')}")
            else:
                output.error(f"  {item}")
    elif isinstance(details, dict):
        for key, value in details.items():
            output.error(f"  {key}: {value}")
    command = exc.body.get("command") if isinstance(exc.body, dict) else None
    if isinstance(command, dict):
        output.error(
            f"  command {command.get('commandId')} is {command.get('status')}; "
            f"check later: chargers command-status {command.get('chargePointId')} "
            f"{command.get('commandId')}"
        )
    return API_ERROR


# --- chargers ---------------------------------------------------------------------------


def chargers_list(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.get(
        "/chargers",
        limit=args.limit,
        cursor=args.cursor,
        registrationStatus=args.registration_status,
        online=args.online,
        tag=args.tag,
    )
    return _page(output, body, CHARGER_COLUMNS)


def chargers_get(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.get(f"/chargers/{quote(args.charger)}")
    if output.raw_json:
        output.json(body)
        return OK
    connection = body.get("connection") or {}
    shown = {
        **body,
        "lastActiveAt": connection.get("lastActiveAt"),
        "tags": ", ".join(body.get("tags") or []) or None,
    }
    output.line(fields(shown, CHARGER_FIELDS))
    if connection:
        output.line(
            f"Connection:       {connection.get('connectionId')} ({connection.get('state')})"
        )
    output.line()
    connectors = body.get("connectors") or []
    output.line(table(connectors, CONNECTOR_COLUMNS) if connectors else "(no connector status)")
    return OK


def _saved(output: Output, body: dict[str, Any]) -> int:
    if output.raw_json:
        output.json(body)
        return OK
    output.line(fields(body, CHARGER_FIELDS[:5]))
    if body.get("password"):
        output.line(f"\nPassword (shown once, store it now): {body['password']}")
    return OK


def chargers_register(client: Client, args: argparse.Namespace, output: Output) -> int:
    request: dict[str, Any] = {
        "chargePointId": args.charger,
        "registrationStatus": args.registration_status,
        "validationMode": args.validation_mode,
    }
    if args.password is not None:
        request["password"] = args.password
    if args.generate_password:
        request["generatePassword"] = True
    return _saved(output, client.request("POST", "/chargers", body=request))


def chargers_update(client: Client, args: argparse.Namespace, output: Output) -> int:
    request: dict[str, Any] = {}
    if args.registration_status:
        request["registrationStatus"] = args.registration_status
    if args.validation_mode:
        request["validationMode"] = args.validation_mode
    if args.password is not None:
        request["password"] = args.password
    if args.generate_password:
        request["generatePassword"] = True
    if args.clear_password:
        request["password"] = None
    if not request:
        output.error("nothing to change (see --help)")
        return USAGE
    path = f"/chargers/{quote(args.charger)}"
    return _saved(output, client.request("PATCH", path, body=request))


def chargers_tag(client: Client, args: argparse.Namespace, output: Output) -> int:
    request = {"addTags": args.add or [], "removeTags": args.remove or []}
    if not request["addTags"] and not request["removeTags"]:
        output.error("nothing to change: --add TAG and/or --remove TAG")
        return USAGE
    body = client.request("PATCH", f"/chargers/{quote(args.charger)}", body=request)
    if output.raw_json:
        output.json(body)
    else:
        output.line(f"{body['chargePointId']}: {', '.join(body.get('tags') or []) or '(no tags)'}")
    return OK


def chargers_delete(client: Client, args: argparse.Namespace, output: Output) -> int:
    client.request("DELETE", f"/chargers/{quote(args.charger)}")
    if not output.raw_json:
        output.line(f"deleted {args.charger}")
    return OK


def chargers_rotate_password(client: Client, args: argparse.Namespace, output: Output) -> int:
    """A01: the CSMS generates a new password and sends it; it is never shown (only the
    charger holds it), and becomes the charger's once the charger accepts it."""
    body = client.request(
        "POST",
        f"/chargers/{quote(args.charger)}/password/rotate",
        query={"wait": not args.no_wait, "timeout": args.timeout},
    )
    if output.raw_json:
        output.json(body)
        return exit_code(body["command"])
    code = _command_outcome(output, body["command"])
    state = body["password"]
    if body["passwordChanged"]:
        until = state.get("previousPasswordValidUntil")
        output.line(
            "password changed"
            + (f"; the old one opens connections until {until} at most" if until else "")
        )
    elif state.get("rotationCommandId"):
        output.line("password not changed yet: it changes if the charger accepts it")
    else:
        output.line("password not changed: the charger keeps its current one")
    return code


def command_status(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.get(f"/chargers/{quote(args.charger)}/commands/{quote(args.command_id)}")
    return _command_outcome(output, body)


# --- id tags ----------------------------------------------------------------------------


def id_tags_list(client: Client, args: argparse.Namespace, output: Output) -> int:
    return _page(
        output, client.get("/id-tags", limit=args.limit, cursor=args.cursor), ID_TAG_COLUMNS
    )


def id_tags_get(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.get(f"/id-tags/{quote(args.id_tag)}")
    if output.raw_json:
        output.json(body)
    else:
        output.line(table([body], ID_TAG_COLUMNS))
    return OK


def id_tags_put(client: Client, args: argparse.Namespace, output: Output) -> int:
    request = {
        "status": args.status,
        "expiryDate": args.expiry,
        "parentIdTag": args.parent,
        "ownerId": args.owner,
    }
    body = client.request(
        "PUT",
        f"/id-tags/{quote(args.id_tag)}",
        body={k: v for k, v in request.items() if v is not None},
    )
    if output.raw_json:
        output.json(body)
    else:
        output.line(table([body], ID_TAG_COLUMNS))
    return OK


def id_tags_delete(client: Client, args: argparse.Namespace, output: Output) -> int:
    client.request("DELETE", f"/id-tags/{quote(args.id_tag)}")
    if not output.raw_json:
        output.line(f"deleted {args.id_tag}")
    return OK


# --- sessions and energy ----------------------------------------------------------------


def session_energy(session: dict[str, Any]) -> str | None:
    """The final energy of a stopped session; of a running one, the energy so far from the
    last meter reading the telemetry consumer stored (marked live)."""
    if session.get("energyWh") is not None:
        return str(session["energyWh"])
    start, last = session.get("meterStartWh"), session.get("lastMeterWh")
    if session.get("status") == "active" and start is not None and last is not None:
        # A reading below the start is a meter reset: no trustworthy figure yet.
        return f"{last - start} (live)" if last >= start else None
    return None


def sessions_list(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.get(
        "/sessions",
        chargePointId=args.charger,
        idTag=args.id_tag,
        status=args.status,
        limit=args.limit,
        cursor=args.cursor,
        **{"from": args.since, "to": args.until},
    )
    rows = [{**s, "energy": session_energy(s)} for s in body.get("items", [])]
    return _page(output, {**body, "items": rows} if not output.raw_json else body, SESSION_COLUMNS)


def energy(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.get(
        f"/chargers/{quote(args.charger)}/energy", **{"from": args.since, "to": args.until}
    )
    if output.raw_json:
        output.json(body)
        return OK
    output.line(f"{body['chargePointId']}  {body['firstDay']} .. {body['lastDay']}")
    output.line(table(body["days"], ENERGY_COLUMNS) if body["days"] else "(no sessions)")
    output.line(f"total: {body['energyWh']} Wh in {body['sessions']} session(s)")
    return OK


# --- commands ---------------------------------------------------------------------------


def _send(
    client: Client, charger: str, action: str, payload: Any, wait: bool, timeout: int | None
) -> dict[str, Any]:
    return dict(
        client.request(
            "POST",
            f"/chargers/{quote(charger)}/commands/{quote(action)}",
            query={"wait": wait, "timeout": timeout},
            body=payload,
        )
    )


def command(client: Client, args: argparse.Namespace, output: Output) -> int:
    try:
        payload = json.loads(args.payload)
    except ValueError as exc:
        output.error(f"--payload is not JSON: {exc}")
        return USAGE
    if not isinstance(payload, dict):
        output.error("--payload must be a JSON object")
        return USAGE
    body = _send(client, args.charger, args.action, payload, not args.no_wait, args.timeout)
    return _command_outcome(output, body)


def _protocol_command(
    build: Callable[[str | None, argparse.Namespace], tuple[str, Any]],
) -> Handler:
    """A shortcut: read the charger's protocol, build the matching action and payload."""

    def run(client: Client, args: argparse.Namespace, output: Output) -> int:
        protocol = client.get(f"/chargers/{quote(args.charger)}").get("protocol")
        action, payload = build(protocol, args)
        body = _send(client, args.charger, action, payload, not args.no_wait, None)
        return _command_outcome(output, body)

    return run


def _split_ids(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def local_list(client: Client, args: argparse.Namespace, output: Output) -> int:
    request: dict[str, Any] = {"updateType": "Full"}
    if args.ids is not None:
        request = {"updateType": "Differential", "idTags": _split_ids(args.ids)}
    body = client.request(
        "POST",
        f"/chargers/{quote(args.charger)}/local-list",
        query={"wait": not args.no_wait},
        body=request,
    )
    return _command_outcome(output, body)


def _reservation_outcome(output: Output, body: dict[str, Any]) -> int:
    if output.raw_json:
        output.json(body)
        return exit_code(body["command"])
    output.line(fields(body["reservation"], RESERVATION_FIELDS))
    output.line()
    return _command_outcome(output, body["command"])


def reserve(client: Client, args: argparse.Namespace, output: Output) -> int:
    expiry = datetime.now(UTC) + timedelta(minutes=args.minutes)
    request = {
        "connectorId": args.connector,
        "idTag": args.id_tag,
        "expiryDate": expiry.isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    body = client.request(
        "POST",
        f"/chargers/{quote(args.charger)}/reservations",
        query={"wait": not args.no_wait},
        body=request,
    )
    return _reservation_outcome(output, body)


def cancel_reservation(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.request(
        "DELETE",
        f"/chargers/{quote(args.charger)}/reservations/{args.reservation_id}",
        query={"wait": not args.no_wait},
    )
    return _reservation_outcome(output, body)


# --- cost profiles ----------------------------------------------------------------------


def cost_profiles_list(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.get("/cost-profiles")
    if output.raw_json:
        output.json(body)
        return OK
    rows = [
        {
            "name": p["name"],
            "interval": f"{p['meterValueSampleIntervalS']} s",
            "measurands": ",".join(p["sampledMeasurands"]),
            "aligned": (
                f"{p['clockAlignedDataIntervalS']} s" if p["clockAlignedDataIntervalS"] else "off"
            ),
            "heartbeat": f"{p['heartbeatIntervalS']} s",
        }
        for p in body["items"]
    ]
    output.line(table(rows, COST_PROFILE_COLUMNS))
    if args.verbose:
        for p in body["items"]:
            output.line(f"\n{p['name']}: {p['description']}")
            for item in p["ocpp16"]:
                output.line(f"  1.6   ChangeConfiguration {item['key']} = {item['value']}")
            for item in p["ocpp201"]:
                name = f"{item['component']}.{item['variable']}"
                output.line(f"  2.0.1 SetVariables {name} = {item['value']}")
    return OK


def cost_profiles_apply(client: Client, args: argparse.Namespace, output: Output) -> int:
    """Exit 1 when any charger got nothing (unknown, offline, busy)."""
    if args.chargers is not None:
        if args.registration_status:
            output.error("--chargers names the chargers: leave out --status")
            return USAGE
        group: dict[str, Any] = {"chargePointIds": _split_ids(args.chargers)}
    else:
        selector: dict[str, Any] = {}
        if args.online is not None:
            selector["online"] = args.online
        if args.registration_status:
            selector["registrationStatus"] = args.registration_status
        if not selector:
            output.error("name the chargers: --chargers A,B or --online/--offline/--status")
            return USAGE
        group = {"selector": selector}
    body = client.request("POST", f"/cost-profiles/{quote(args.profile)}/apply", body=group)
    if output.raw_json:
        output.json(body)
    else:
        rows = [
            {
                **c,
                "detail": (
                    f"{c['refusal']['code']}: {c['refusal']['message']}"
                    if c["refusal"]
                    else " ".join(cmd["commandId"] for cmd in c["commands"])
                ),
            }
            for c in body["chargers"]
        ]
        output.line(table(rows, APPLY_COLUMNS))
        output.line(
            f"\n{body['profile']}: sent to {body['sent']}, refused by {body['refused']}; "
            "follow each command with `chargers command-status CP COMMAND_ID`"
        )
    return API_ERROR if body["refused"] else OK


# --- parser -----------------------------------------------------------------------------


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


STATUSES = ["Accepted", "Pending", "Rejected"]
Builder = Callable[[str | None, argparse.Namespace], tuple[str, Any]]


def _add(
    sub: Any, name: str, handler: Handler, help_text: str, charger: bool = True
) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    p.set_defaults(handler=handler)
    if charger:
        p.add_argument("charger", metavar="CP", help="charge point id")
    return p


def _paging(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=None, help="page size (1-100)")
    p.add_argument("--cursor", default=None, help="the cursor printed by the previous page")


def _no_wait(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--no-wait", action="store_true", help="do not wait for the charger's answer")
    return p


def _charger_parsers(commands: Any) -> None:
    chargers = commands.add_parser("chargers", help="the charger registry").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    p = _add(chargers, "list", chargers_list, "list chargers", charger=False)
    _paging(p)
    p.add_argument(
        "--status", dest="registration_status", choices=STATUSES, help="only this registration"
    )
    online = p.add_mutually_exclusive_group()
    online.add_argument(
        "--online", dest="online", action="store_true", default=None, help="only connected ones"
    )
    online.add_argument("--offline", dest="online", action="store_false", help="only offline ones")
    p.add_argument("--tag", help="only chargers carrying this tag")
    _add(chargers, "get", chargers_get, "show a charger with connectors and connection")
    p = _add(chargers, "register", chargers_register, "register a charger")
    p.add_argument(
        "--status",
        dest="registration_status",
        default="Accepted",
        choices=STATUSES,
        help="the BootNotification answer it gets (default %(default)s)",
    )
    p.add_argument(
        "--validation-mode",
        default="strict",
        choices=["strict", "lenient"],
        help="lenient tolerates known vendor deviations (default %(default)s)",
    )
    password = p.add_mutually_exclusive_group()
    password.add_argument("--password", help="HTTP Basic password (16-40 printable ASCII)")
    password.add_argument(
        "--generate-password", action="store_true", help="generate one (shown once)"
    )
    p = _add(chargers, "update", chargers_update, "change a charger")
    p.add_argument(
        "--status", dest="registration_status", choices=STATUSES, help="new registration status"
    )
    p.add_argument(
        "--validation-mode", choices=["strict", "lenient"], help="new schema validation mode"
    )
    password = p.add_mutually_exclusive_group()
    password.add_argument("--password", help="set this password")
    password.add_argument(
        "--generate-password", action="store_true", help="rotate to a generated one"
    )
    password.add_argument("--clear-password", action="store_true", help="remove the password")
    p = _add(chargers, "tag", chargers_tag, "add or remove a charger's tags (campaign selectors)")
    p.add_argument("--add", action="append", metavar="TAG", help="add this tag (repeatable)")
    p.add_argument("--remove", action="append", metavar="TAG", help="remove it (repeatable)")
    _add(chargers, "delete", chargers_delete, "delete a charger")
    p = _no_wait(
        _add(
            chargers,
            "rotate-password",
            chargers_rotate_password,
            "send the charger a new generated password (A01; never shown)",
        )
    )
    p.add_argument("--timeout", type=int, default=None, help="the command's deadline, seconds")
    p = _add(chargers, "command-status", command_status, "a command's outcome")
    p.add_argument("command_id", metavar="COMMAND_ID", help="the id a command printed")
    firmware.add_diagnostics_parsers(chargers, _add)
    firmware_campaigns.add_charger_parser(chargers, _add)


def _id_tag_parsers(commands: Any) -> None:
    id_tags = commands.add_parser("id-tags", help="id tags (RFID cards, tokens)").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    _paging(_add(id_tags, "list", id_tags_list, "list id tags", charger=False))
    for name, handler, text in (
        ("get", id_tags_get, "show an id tag"),
        ("delete", id_tags_delete, "delete an id tag"),
    ):
        _add(id_tags, name, handler, text, charger=False).add_argument(
            "id_tag", metavar="TAG", help="the id tag"
        )
    p = _add(id_tags, "put", id_tags_put, "create or replace an id tag", charger=False)
    p.add_argument("id_tag", metavar="TAG", help="the id tag")
    p.add_argument(
        "--status",
        default="Accepted",
        choices=["Accepted", "Blocked", "Expired", "Invalid"],
        help="what chargers are told about it (default %(default)s)",
    )
    p.add_argument("--expiry", help="RFC 3339 date-time, e.g. 2030-12-31T23:59:59Z")
    p.add_argument("--parent", help="parent (group) id tag")
    p.add_argument("--owner", help="owner id")


def _report_parsers(commands: Any) -> None:
    sessions = commands.add_parser("sessions", help="charging sessions").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    p = _add(
        sessions,
        "list",
        sessions_list,
        "sessions: the whole network's newest first, or of a charger / an id tag",
        charger=False,
    )
    p.add_argument("--charger", help="charge point id")
    p.add_argument("--id-tag", help="id tag")
    p.add_argument(
        "--from",
        dest="since",
        metavar="TIME",
        help="started at or after (RFC 3339); all chargers: default 7 days ago, "
        "at most 31 days before --to",
    )
    p.add_argument(
        "--to", dest="until", metavar="TIME", help="started at or before (RFC 3339; default now)"
    )
    p.add_argument(
        "--status",
        choices=["active", "completed", "replaced", "orphan"],
        help="only sessions in this state",
    )
    _paging(p)
    p = _add(commands, "energy", energy, "energy per day of a charger")
    p.add_argument("--from", dest="since", help="first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="until", help="last day (YYYY-MM-DD)")


SHORTCUTS: list[tuple[str, str, Builder]] = [
    (
        "remote-start",
        "start a session (RemoteStartTransaction / RequestStartTransaction)",
        lambda proto, a: ocpp.remote_start(proto, a.id_tag, a.connector),
    ),
    (
        "remote-stop",
        "stop a session (RemoteStopTransaction / RequestStopTransaction)",
        lambda proto, a: ocpp.remote_stop(proto, a.transaction),
    ),
    (
        "reset",
        "reset the charger (Soft/Hard; 2.0.1: OnIdle/Immediate)",
        lambda proto, a: ocpp.reset(proto, a.hard),
    ),
    (
        "unlock",
        "unlock a connector (UnlockConnector)",
        lambda proto, a: ocpp.unlock(proto, a.connector, a.evse),
    ),
    (
        "get-config",
        "read configuration (GetConfiguration / GetVariables)",
        lambda proto, a: ocpp.get_config(proto, a.key or []),
    ),
    (
        "set-config",
        "change configuration (ChangeConfiguration / SetVariables)",
        lambda proto, a: ocpp.set_config(proto, a.key, a.value),
    ),
    (
        "trigger",
        "ask the charger to send a message (TriggerMessage)",
        lambda proto, a: ocpp.trigger(proto, a.message, a.connector),
    ),
]


def _shortcut_parsers(commands: Any) -> None:
    parsers = {
        name: _no_wait(_add(commands, name, _protocol_command(build), text))
        for name, text, build in SHORTCUTS
    }
    parsers["remote-start"].add_argument("--id-tag", required=True, help="who charges")
    parsers["remote-start"].add_argument(
        "--connector", type=_positive, help="connector (1.6) / EVSE (2.0.1)"
    )
    parsers["remote-stop"].add_argument("--transaction", required=True, help="transaction id")
    parsers["reset"].add_argument(
        "--hard", action="store_true", help="Hard (2.0.1: Immediate) instead of Soft (OnIdle)"
    )
    parsers["unlock"].add_argument(
        "--connector", type=_positive, required=True, help="the connector to unlock"
    )
    parsers["unlock"].add_argument("--evse", type=_positive, help="2.0.1: the connector's EVSE")
    parsers["get-config"].add_argument(
        "--key", action="append", help="key (2.0.1: Component.Variable); repeatable"
    )
    parsers["set-config"].add_argument("key", metavar="KEY", help="key (2.0.1: Component.Variable)")
    parsers["set-config"].add_argument("value", metavar="VALUE", help="the new value")
    parsers["trigger"].add_argument("message", metavar="MESSAGE", help="e.g. StatusNotification")
    parsers["trigger"].add_argument(
        "--connector", type=_positive, help="connector (1.6) / EVSE (2.0.1)"
    )


def _command_parsers(commands: Any) -> None:
    p = _no_wait(_add(commands, "command", command, "send any OCPP command"))
    p.add_argument("action", metavar="ACTION", help="OCPP action, e.g. ClearCache")
    p.add_argument("--payload", default="{}", help="the request payload as JSON")
    p.add_argument("--timeout", type=int, default=None, help="command deadline in seconds")
    _shortcut_parsers(commands)
    p = _no_wait(_add(commands, "local-list", local_list, "send the local authorization list"))
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--full", action="store_true", help="all id tags")
    which.add_argument("--ids", help="differential update of these tags: A,B,C")
    p = _no_wait(_add(commands, "reserve", reserve, "reserve a connector (ReserveNow)"))
    p.add_argument("--connector", type=_positive, required=True, help="connector (0: any)")
    p.add_argument("--id-tag", required=True, help="the id tag it is reserved for")
    p.add_argument("--minutes", type=int, required=True, help="reservation length")
    p = _no_wait(_add(commands, "cancel-reservation", cancel_reservation, "cancel a reservation"))
    p.add_argument("reservation_id", metavar="ID", type=int, help="the reservation id")


def _cost_profile_parsers(commands: Any) -> None:
    profiles = commands.add_parser(
        "cost-profiles", help="charger settings that decide the AWS bill"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    p = _add(profiles, "list", cost_profiles_list, "the cost profiles", charger=False)
    p.add_argument("-v", "--verbose", action="store_true", help="with the OCPP settings")
    p = _add(
        profiles,
        "apply",
        cost_profiles_apply,
        "apply a cost profile to chargers (ChangeConfiguration / SetVariables)",
        charger=False,
    )
    p.add_argument("profile", metavar="PROFILE", help="e.g. lean")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--chargers", help="these chargers: A,B,C (at most 500)")
    group.add_argument(
        "--online", dest="online", action="store_true", default=None, help="the connected ones"
    )
    group.add_argument("--offline", dest="online", action="store_false", help="the offline ones")
    p.add_argument(
        "--status", dest="registration_status", choices=STATUSES, help="those with this status"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m csms_cli", description="Operate the charging network (operator API)."
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("CSMS_API_URL", DEFAULT_URL),
        help="operator API base URL (env CSMS_API_URL; default %(default)s)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("CSMS_TOKEN", LOCAL_DEV_TOKEN),
        help="bearer token (env CSMS_TOKEN; default: the local development token)",
    )
    parser.add_argument("--json", action="store_true", help="print the API's JSON as is")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _charger_parsers(commands)
    _id_tag_parsers(commands)
    _report_parsers(commands)
    _command_parsers(commands)
    _cost_profile_parsers(commands)
    firmware_subjects = firmware.add_firmware_parsers(commands, _add)
    firmware_campaigns.add_parsers(
        firmware_subjects,
        lambda sub, name, handler, help_text: _add(sub, name, handler, help_text, False),
    )
    drivers.add_parsers(
        commands, lambda sub, name, handler, help_text: _add(sub, name, handler, help_text, False)
    )
    site_subjects = sites.add_parsers(
        commands, lambda sub, name, handler, help_text: _add(sub, name, handler, help_text, False)
    )
    grid.add_parsers(
        site_subjects,
        lambda sub, name, handler, help_text: _add(sub, name, handler, help_text, False),
    )
    return parser


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    output = Output(args.json, out or sys.stdout, err or sys.stderr)
    client = Client(args.url, args.token)
    try:
        return int(args.handler(client, args, output))
    except ocpp.UsageError as exc:
        output.error(str(exc))
        return USAGE
    except ApiError as exc:
        return _api_error(output, exc)
    except Unreachable as exc:
        output.error(str(exc))
        return API_ERROR
