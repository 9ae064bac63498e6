"""An OpenADR 3 VEN: the site's grid limits, prices and carbon from a VTN (docs/adr/0050).

It speaks the OpenADR 3 REST API the way the openadr3-client package does (OAuth 2 client
credentials against the VTN's token URL, configured or discovered at GET /auth/server, HTTP
Basic with the client id and secret, the token cached for half its lifetime; GET /programs
and /events, paged with skip and limit; POST /subscriptions), on the standard library:
openadr3-client needs Python >= 3.12 and the development environment runs 3.11 (ADR 0050
says why, and when to switch).

Mapping (OpenADR 3.0.1 definitions):

- IMPORT_CAPACITY_LIMIT / EXPORT_CAPACITY_LIMIT -> import/export limits. Units from the
  payload descriptor (event first, then program): KW (the default), W, MW, or A (per phase).
- PRICE -> a price per kWh in the descriptor's currency (units KWH, the default, MWH or WH:
  the value is per that much energy). GHG -> gCO2/kWh (units G_PER_KWH, the default, or
  KG_PER_MWH, the same number).
- Other payload types are not ours and are left out; an interval's first value counts.
- Timing: an interval's own intervalPeriod, else the event's, else the program's. Intervals
  that inherit are sequential: the i-th (in the order given) starts at start + i x duration.
  A duration of PT0S, or of 9999 years or more, is "until further notice". randomizeStart is
  not applied: a limit holds from the earliest moment the VTN allows.

A poll returns everything the VTN publishes for us (`SignalSnapshot`): what it no longer
lists is withdrawn. A malformed event in a poll is left out and logged (the others still
count); a malformed notification is answered 400 with its problems and changes nothing.
"""

from __future__ import annotations

import base64
import calendar
import hmac
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from shared.ports.grid_signals import (
    GridSignal,
    GridSignalUnavailable,
    NotificationOutcome,
    SignalError,
    SignalKind,
    SignalSnapshot,
    SignalUpdate,
)

logger = logging.getLogger(__name__)

PAGE = 50
MAX_PAGES = 100
MAX_NOTIFICATION_BYTES = 256 * 1024
OPEN_ENDED_YEARS = 9999

# (method, url, headers, body, timeout seconds) -> (status, body); raises OSError when the
# server cannot be reached (an HTTP error status is an answer, not an exception).
Http = Callable[[str, str, dict[str, str], bytes | None, float], tuple[int, bytes]]


def urllib_http(
    method: str, url: str, headers: dict[str, str], body: bytes | None, timeout_s: float
) -> tuple[int, bytes]:
    import urllib.error  # on first use: http.client and ssl stay off the cold start
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise OSError(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class EventProblem(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


_DURATION = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def end_of(start: datetime, duration: str) -> datetime | None:
    """start + an ISO 8601 duration; None for "until further notice" (PT0S, 9999 years, or
    past the calendar). Raises ValueError for a duration that is not one."""
    match = _DURATION.match(duration) if isinstance(duration, str) else None
    if match is None or duration in ("P", "PT") or duration.endswith("T"):
        raise ValueError(f"duration {duration!r} is not an ISO 8601 duration")
    years, months, weeks, days, hours, minutes = (int(g or 0) for g in match.groups()[:6])
    seconds = float(match[7] or 0)
    if years >= OPEN_ENDED_YEARS:
        return None
    span = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    if not (years or months) and not span:
        return None
    try:
        moment = start
        if years or months:
            total = moment.month - 1 + months + 12 * years
            year, month = moment.year + total // 12, total % 12 + 1
            day = min(moment.day, calendar.monthrange(year, month)[1])
            moment = moment.replace(year=year, month=month, day=day)
        return moment + span
    except (OverflowError, ValueError):
        return None


def _timestamp(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{where} is not a date-time")
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise ValueError(f"{where} {value!r} is not a date-time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{where} {value!r} has no time zone")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Descriptor:
    units: str | None
    currency: str | None


def descriptors(obj: Mapping[str, Any]) -> dict[str, Descriptor]:
    found: dict[str, Descriptor] = {}
    for item in obj.get("payloadDescriptors") or []:
        if isinstance(item, Mapping) and isinstance(item.get("payloadType"), str):
            units = item.get("units")
            currency = item.get("currency")
            found[item["payloadType"]] = Descriptor(
                units.upper() if isinstance(units, str) else None,
                currency if isinstance(currency, str) else None,
            )
    return found


_LIMITS: dict[str, SignalKind] = {
    "IMPORT_CAPACITY_LIMIT": "import_limit",
    "EXPORT_CAPACITY_LIMIT": "export_limit",
}
_POWER_UNITS = {"W": 1.0, "KW": 1000.0, "MW": 1_000_000.0}
_ENERGY_UNITS = {"KWH": 1.0, "MWH": 1000.0, "WH": 0.001}  # per this much energy -> per kWh
_GHG_UNITS = {"G_PER_KWH": 1.0, "KG_PER_MWH": 1.0, "G_PER_MWH": 0.001}


def _payload_signal(
    payload_type: str,
    number: float,
    descriptor: Descriptor | None,
    where: str,
) -> dict[str, Any] | None:
    units = descriptor.units if descriptor else None
    if payload_type in _LIMITS:
        if units == "A":
            return {"kind": _LIMITS[payload_type], "amps": (number, number, number)}
        factor = _POWER_UNITS.get(units or "KW")
        if factor is None:
            raise ValueError(f"{where}: units {units!r} of {payload_type} are not W, KW, MW or A")
        return {"kind": _LIMITS[payload_type], "watts": number * factor}
    if payload_type == "PRICE":
        energy = _ENERGY_UNITS.get(units or "KWH")
        if energy is None:
            raise ValueError(f"{where}: units {units!r} of PRICE are not KWH, MWH or WH")
        currency = descriptor.currency if descriptor else None
        return {"kind": "price", "value": number / energy, "currency": currency}
    if payload_type == "GHG":
        factor = _GHG_UNITS.get(units or "G_PER_KWH")
        if factor is None:
            raise ValueError(f"{where}: units {units!r} of GHG are not G_PER_KWH or KG_PER_MWH")
        return {"kind": "carbon", "value": number * factor}
    return None


def event_signals(
    event: Any,
    program: Mapping[str, Any] | None,
    source: str,
    received_at: datetime,
) -> list[GridSignal]:
    """An OpenADR 3 event as signals (see the module docstring); EventProblem lists what
    makes it unreadable."""
    if not isinstance(event, Mapping):
        raise EventProblem(["the event is not an object"])
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise EventProblem(["the event has no id"])
    program = program or {}
    known = {**descriptors(program), **descriptors(event)}
    default_period = event.get("intervalPeriod") or program.get("intervalPeriod")
    intervals = event.get("intervals")
    if not isinstance(intervals, list):
        raise EventProblem([f"event {event_id}: intervals is not a list"])
    problems: list[str] = []
    found: list[GridSignal] = []
    for index, interval in enumerate(intervals):
        where = f"event {event_id} interval {index}"
        try:
            found.extend(
                _interval_signals(
                    interval, default_period, index, where, known, (source, received_at, event_id)
                )
            )
        except SignalError as error:
            problems.extend(f"{where}: {p}" for p in error.problems)
        except ValueError as error:
            problems.append(str(error))
    if problems:
        raise EventProblem(problems)
    return found


def _interval_signals(
    interval: Any,
    default_period: Any,
    index: int,
    where: str,
    known: Mapping[str, Descriptor],
    origin: tuple[str, datetime, str],
) -> list[GridSignal]:
    if not isinstance(interval, Mapping):
        raise ValueError(f"{where} is not an object")
    start, end = _interval_times(interval.get("intervalPeriod"), default_period, index, where)
    source, received_at, group = origin
    found: list[GridSignal] = []
    for payload in interval.get("payloads") or []:
        if not isinstance(payload, Mapping) or not isinstance(payload.get("type"), str):
            raise ValueError(f"{where}: a payload has no type")
        values = payload.get("values")
        if not isinstance(values, list) or not values:
            raise ValueError(f"{where}: payload {payload['type']} has no values")
        number = values[0]
        if not isinstance(number, int | float) or isinstance(number, bool):
            raise ValueError(f"{where}: payload {payload['type']} value is not a number")
        fields = _payload_signal(payload["type"], float(number), known.get(payload["type"]), where)
        if fields is not None:
            found.append(
                GridSignal(
                    source=source,
                    start=start,
                    end=end,
                    received_at=received_at,
                    group=group,
                    **fields,
                )
            )
    return found


def _interval_times(
    own: Any, default: Any, index: int, where: str
) -> tuple[datetime, datetime | None]:
    period = own if own is not None else default
    if not isinstance(period, Mapping):
        raise ValueError(f"{where} has no intervalPeriod (nor has its event or program)")
    start = _timestamp(period.get("start"), f"{where}: intervalPeriod.start")
    duration = period.get("duration", "PT0S")
    end = end_of(start, duration)
    if own is None and index:
        if end is None:
            raise ValueError(f"{where}: sequential intervals need a finite duration")
        step = end - start
        start, end = start + step * index, end + step * index
    return start, end


class OpenAdrVen:
    """A VEN of one VTN (`source` names it in signals)."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        token_url: str | None = None,
        scopes: tuple[str, ...] = (),
        program_ids: tuple[str, ...] = (),
        ven_name: str = "csms",
        source: str = "openadr",
        timeout_s: float = 10.0,
        http: Http = urllib_http,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url  # None: discovered from the VTN on first use
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self.program_ids = frozenset(program_ids)
        self.ven_name = ven_name
        self.source = source
        self.timeout_s = timeout_s
        self._http = http
        self._clock = clock
        self._lock = threading.Lock()
        self._token: tuple[datetime, str] | None = None
        self._programs: dict[str, Mapping[str, Any]] = {}

    # --- authentication (as openadr3-client's OAuthTokenManager does it) -----------------

    def _access_token(self) -> str:
        with self._lock:
            now = self._clock()
            if self._token is not None and self._token[0] > now:
                return self._token[1]
            token_url = self.token_url or self._discover_token_url()
            basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            form = {"grant_type": "client_credentials"}
            if self.scopes:
                form["scope"] = " ".join(self.scopes)
            status, body = self._send(
                "POST",
                token_url,
                {
                    "Authorization": f"Basic {basic}",
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                },
                urlencode(form).encode(),
            )
            answer = _json(body) if status == 200 else None
            token = answer.get("access_token") if isinstance(answer, dict) else None
            if not isinstance(token, str) or not token:
                raise GridSignalUnavailable(f"the VTN's token endpoint answered {status}")
            lifetime = answer.get("expires_in", 3600) if isinstance(answer, dict) else 3600
            if not isinstance(lifetime, int | float) or isinstance(lifetime, bool):
                lifetime = 3600
            self._token = (now + timedelta(seconds=max(0, int(lifetime)) // 2), token)
            return token

    def _discover_token_url(self) -> str:
        """GET /auth/server (OpenADR 3.1 discovery), as openadr3-client does without a token
        URL; a VTN that does not answer it has its token endpoint at /auth/token."""
        status, body = self._send(
            "GET", f"{self.base_url}/auth/server", {"Accept": "application/json"}, None
        )
        answer = _json(body) if status == 200 else None
        found = answer.get("tokenURL") if isinstance(answer, dict) else None
        url = (
            found if isinstance(found, str) and found.startswith(("https://", "http://")) else None
        )
        self.token_url = url or f"{self.base_url}/auth/token"
        return self.token_url

    def _send(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, bytes]:
        try:
            return self._http(method, url, headers, body, self.timeout_s)
        except OSError as error:
            raise GridSignalUnavailable(f"the VTN cannot be reached: {error}") from error

    def _request(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        body = None if payload is None else json.dumps(payload).encode()
        for attempt in (1, 2):
            headers = {
                "Authorization": f"Bearer {self._access_token()}",
                "Accept": "application/json",
            }
            if body is not None:
                headers["Content-Type"] = "application/json"
            status, raw = self._send(method, f"{self.base_url}{path}", headers, body)
            if status == 401 and attempt == 1:
                with self._lock:
                    self._token = None  # revoked or expired early: one fresh token, once
                continue
            return status, _json(raw)
        raise AssertionError("unreachable")

    def _pages(self, path: str, query: dict[str, str]) -> list[Any]:
        items: list[Any] = []
        for page in range(MAX_PAGES):
            params = urlencode({**query, "skip": page * PAGE, "limit": PAGE})
            status, answer = self._request("GET", f"{path}?{params}")
            if status != 200 or not isinstance(answer, list):
                raise GridSignalUnavailable(f"GET {path} answered {status}")
            items.extend(answer)
            if len(answer) < PAGE:
                return items
        raise GridSignalUnavailable(f"GET {path}: more than {MAX_PAGES} pages")

    # --- the port -------------------------------------------------------------------------

    def poll(self) -> SignalSnapshot:
        received_at = self._clock()
        programs = {
            p["id"]: p
            for p in self._pages("/programs", {})
            if isinstance(p, Mapping)
            and isinstance(p.get("id"), str)
            and (not self.program_ids or p["id"] in self.program_ids)
        }
        self._programs = programs
        signals: list[GridSignal] = []
        for program_id, program in programs.items():
            for event in self._pages("/events", {"programID": program_id}):
                if isinstance(event, Mapping) and event.get("programID") not in (None, program_id):
                    continue  # a VTN that ignores the filter
                try:
                    signals.extend(event_signals(event, program, self.source, received_at))
                except EventProblem as problem:
                    logger.warning(
                        "OpenADR event left out",
                        extra={"vtn": self.source, "problems": problem.problems},
                    )
        return SignalSnapshot(self.source, received_at, tuple(signals))

    def subscribe(self, callback_url: str, bearer_token: str) -> str | None:
        """One subscription per callback URL: an existing one is kept (subscribing again
        after a retry does not double the notifications)."""
        status, existing = self._request(
            "GET", "/subscriptions?" + urlencode({"clientName": self.ven_name})
        )
        if status in (404, 405, 501):
            return None
        if status == 200 and isinstance(existing, list):
            for item in existing:
                for operation in (item or {}).get("objectOperations") or []:
                    if (
                        isinstance(operation, Mapping)
                        and operation.get("callbackUrl") == callback_url
                    ):
                        return str(item.get("id"))
        subscription = {
            "clientName": self.ven_name,
            "objectOperations": [
                {
                    "objects": ["EVENT", "PROGRAM"],
                    "operations": ["POST", "PUT", "DELETE"],
                    "callbackUrl": callback_url,
                    "bearerToken": bearer_token,
                }
            ],
        }
        status, created = self._request("POST", "/subscriptions", subscription)
        if status in (404, 405, 501):
            return None
        if status not in (200, 201) or not isinstance(created, Mapping) or not created.get("id"):
            raise GridSignalUnavailable(f"POST /subscriptions answered {status}")
        return str(created["id"])

    def notification(
        self, headers: dict[str, str], body: bytes | str, bearer_token: str
    ) -> NotificationOutcome:
        """A VTN's notification to our callback: 401 unless it carries our bearer token;
        400 with the problems when it is not a notification we can read; otherwise 200 and
        the update (None for what is not an event of our programs)."""
        if not _authorised(headers, bearer_token):
            return NotificationOutcome(401, problems=("missing or wrong bearer token",))
        raw = body.encode() if isinstance(body, str) else body
        if len(raw) > MAX_NOTIFICATION_BYTES:
            return NotificationOutcome(400, problems=("the notification is too large",))
        message = _json(raw)
        problems = _envelope_problems(message)
        if problems:
            return NotificationOutcome(400, problems=tuple(problems))
        object_type, operation, item = (
            message["objectType"],
            message["operation"],
            message["object"],
        )
        if object_type == "PROGRAM" and isinstance(item.get("id"), str):
            if not self.program_ids or item["id"] in self.program_ids:
                self._programs[item["id"]] = item  # its descriptors for the events that follow
            return NotificationOutcome(200)
        if object_type != "EVENT":
            return NotificationOutcome(200)
        program_id = item.get("programID")
        if self.program_ids and program_id not in self.program_ids:
            return NotificationOutcome(200)
        received_at = self._clock()
        event_id = item.get("id")
        if not isinstance(event_id, str) or not event_id:
            return NotificationOutcome(400, problems=("the event has no id",))
        if operation == "DELETE":
            update = SignalUpdate(self.source, event_id, received_at, (), deleted=True)
            return NotificationOutcome(200, update)
        program = self._programs.get(program_id) if isinstance(program_id, str) else None
        try:
            signals = event_signals(item, program, self.source, received_at)
        except EventProblem as problem:
            return NotificationOutcome(400, problems=tuple(problem.problems))
        return NotificationOutcome(
            200, SignalUpdate(self.source, event_id, received_at, tuple(signals))
        )


def _authorised(headers: Mapping[str, str], bearer_token: str) -> bool:
    supplied = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = supplied.partition(" ")
    return (
        scheme.lower() == "bearer"
        and bool(bearer_token)
        and hmac.compare_digest(token.strip().encode(), bearer_token.encode())
    )


def _envelope_problems(message: Any) -> list[str]:
    if not isinstance(message, Mapping):
        return ["the body is not a JSON object"]
    problems = []
    if not isinstance(message.get("objectType"), str):
        problems.append("objectType is missing")
    if message.get("operation") not in ("GET", "POST", "PUT", "DELETE"):
        problems.append("operation is not one of GET, POST, PUT, DELETE")
    if not isinstance(message.get("object"), Mapping):
        problems.append("object is missing")
    return problems


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
