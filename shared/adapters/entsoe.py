"""Day-ahead prices from the ENTSO-E Transparency Platform (document type A44), as price
signals per kWh (docs/adr/0050-grid-signals.md).

The answer is an IEC 62325 Publication_MarketDocument, read with the standard library's
ElementTree: entsoe-py would bring pandas into a Lambda for one XML document.

- Each TimeSeries carries its currency (`currency_Unit.name`) and the energy its prices are
  per (`price_Measure_Unit.name`, MWH); each Period a time interval and a resolution (PT15M,
  PT30M, PT60M, or any PTnM / PTnH / P1D) and Points by position (1 = the period's start).
- Curve A03 (variable-sized blocks) leaves out a position whose price equals the one before:
  a missing position carries the last price forward to the next given one or the period's
  end. Curve A01 gives every position; a gap there stays a gap.
- Where several series cover the same time (a zone publishing 15- and 60-minute prices) the
  finest resolution is taken and the overlapping coarser periods are left out.
- An Acknowledgement_MarketDocument with reason 999 means "no data yet" (an empty list);
  any other acknowledgement, an HTTP error or an unreadable document is GridSignalUnavailable.
- A document with a DTD is refused before parsing (no entity expansion from a remote answer).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

from shared.ports.grid_signals import GridSignal, GridSignalUnavailable, SignalError

DEFAULT_ENDPOINT = "https://web-api.tp.entsoe.eu/api"
SOURCE = "entsoe"
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
_ENERGY = {"MWH": 1000.0, "KWH": 1.0}  # prices per this much energy -> per kWh
_RESOLUTION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")

# (url, timeout seconds) -> (status, body); raises OSError when the server cannot be reached
Get = Callable[[str, float], tuple[int, bytes]]


def urllib_get(url: str, timeout_s: float) -> tuple[int, bytes]:
    import urllib.error  # on first use: http.client and ssl stay off the cold start
    import urllib.request

    if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        raise OSError("the price feed is asked over https only")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310
            return response.status, response.read(MAX_DOCUMENT_BYTES + 1)
    except urllib.error.HTTPError as error:
        return error.code, error.read(MAX_DOCUMENT_BYTES + 1)


class DocumentError(ValueError):
    """A document that is not a readable A44 answer."""


def resolution(value: str) -> timedelta:
    match = _RESOLUTION.match(value.strip())
    if match is None or value.strip() in ("P", "PT"):
        raise DocumentError(f"resolution {value!r} is not a duration of days, hours, minutes")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    step = timedelta(days=days, hours=hours, minutes=minutes)
    if not step:
        raise DocumentError(f"resolution {value!r} is zero")
    return step


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: ElementTree.Element, path: str) -> str:
    node: ElementTree.Element | None = element
    for name in path.split("/"):
        node = _child(node, name) if node is not None else None
    if node is None or node.text is None:
        raise DocumentError(f"{_local(element.tag)} has no {path}")
    return node.text.strip()


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise DocumentError(f"{value!r} is not a date-time") from None
    if moment.tzinfo is None:
        raise DocumentError(f"{value!r} has no time zone")
    return moment.astimezone(UTC)


def parse_day_ahead(
    document: bytes, received_at: datetime, source: str = SOURCE
) -> list[GridSignal]:
    """The price signals of an A44 document, in time order (see the module docstring)."""
    if len(document) > MAX_DOCUMENT_BYTES:
        raise DocumentError("the document is too large")
    if b"<!DOCTYPE" in document or b"<!ENTITY" in document:
        raise DocumentError("a document with a DTD is refused")
    try:
        root = ElementTree.fromstring(document)  # noqa: S314 - no DTD, size bounded
    except ElementTree.ParseError as error:
        raise DocumentError(f"not XML: {error}") from None
    if _local(root.tag) == "Acknowledgement_MarketDocument":
        reason = _child(root, "Reason")
        code = _text(reason, "code") if reason is not None else ""
        if code == "999":
            return []
        text = _child(reason, "text") if reason is not None else None
        detail = text.text if text is not None and text.text else code
        raise DocumentError(f"the platform refused the request: {detail}")
    if _local(root.tag) != "Publication_MarketDocument":
        raise DocumentError(f"{_local(root.tag)} is not a Publication_MarketDocument")
    periods: list[tuple[timedelta, datetime, datetime, list[GridSignal]]] = []
    for series in _children(root, "TimeSeries"):
        currency = _text(series, "currency_Unit.name")
        unit = _text(series, "price_Measure_Unit.name").upper()
        if unit not in _ENERGY:
            raise DocumentError(f"prices per {unit} are not per MWH or KWH")
        curve = _child(series, "curveType")
        fill_forward = curve is None or (curve.text or "").strip() == "A03"
        for period in _children(series, "Period"):
            step = resolution(_text(period, "resolution"))
            start = _moment(_text(period, "timeInterval/start"))
            end = _moment(_text(period, "timeInterval/end"))
            if end <= start:
                raise DocumentError("a period ends before it starts")
            signals = _period_signals(
                period,
                start,
                end,
                step,
                fill_forward,
                currency,
                _ENERGY[unit],
                (source, received_at),
            )
            periods.append((step, start, end, signals))
    taken: list[tuple[datetime, datetime]] = []
    found: list[GridSignal] = []
    for _step, start, end, signals in sorted(periods, key=lambda p: (p[0], p[1])):
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue  # a coarser series over the same time
        taken.append((start, end))
        found.extend(signals)
    found.sort(key=lambda s: s.start)
    return found


def _period_signals(
    period: ElementTree.Element,
    start: datetime,
    end: datetime,
    step: timedelta,
    fill_forward: bool,
    currency: str,
    per_kwh: float,
    origin: tuple[str, datetime],
) -> list[GridSignal]:
    slots = (end - start) // step
    prices: dict[int, float] = {}
    for point in _children(period, "Point"):
        try:
            position = int(_text(point, "position"))
            amount = float(_text(point, "price.amount"))
        except ValueError:
            raise DocumentError("a Point's position or price.amount is not a number") from None
        if not 1 <= position <= slots:
            raise DocumentError(f"position {position} is outside the period's {slots} slots")
        prices[position] = amount
    source, received_at = origin
    group = start.date().isoformat()
    found: list[GridSignal] = []
    last: float | None = None
    for position in range(1, slots + 1):
        price = prices.get(position, last if fill_forward else None)
        last = price
        if price is None:
            continue
        begins = start + step * (position - 1)
        try:
            found.append(
                GridSignal(
                    source=source,
                    kind="price",
                    start=begins,
                    end=min(begins + step, end),
                    received_at=received_at,
                    value=price / per_kwh,
                    currency=currency,
                    group=group,
                )
            )
        except SignalError as error:
            raise DocumentError(f"position {position}: {error}") from None
    return found


class EntsoeDayAhead:
    """PriceFeed over the Transparency Platform's REST API (a security token per account).
    `zone` is the bidding zone's EIC code (10YNL----------L, 10Y1001A1001A82H, ...)."""

    def __init__(
        self,
        security_token: str,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        timeout_s: float = 20.0,
        get: Get = urllib_get,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.security_token = security_token
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self._get = get
        self._clock = clock

    def url(self, zone: str, start: datetime, end: datetime) -> str:
        def stamp(moment: datetime) -> str:
            return moment.astimezone(UTC).strftime("%Y%m%d%H%M")

        query: dict[str, Any] = {
            "securityToken": self.security_token,
            "documentType": "A44",
            "in_Domain": zone,
            "out_Domain": zone,
            "periodStart": stamp(start),
            "periodEnd": stamp(end),
        }
        return f"{self.endpoint}?{urlencode(query)}"

    def prices(self, zone: str, start: datetime, end: datetime) -> list[GridSignal]:
        try:
            status, body = self._get(self.url(zone, start, end), self.timeout_s)
        except OSError as error:
            raise GridSignalUnavailable(f"the price feed cannot be reached: {error}") from error
        # the platform answers "no data" as an acknowledgement document, also with a 4xx
        if status != 200 and b"Acknowledgement_MarketDocument" not in body:
            raise GridSignalUnavailable(f"the price feed answered {status}")
        try:
            signals = parse_day_ahead(body, self._clock())
        except DocumentError as error:
            raise GridSignalUnavailable(str(error)) from error
        return [s for s in signals if s.start < end and (s.end is None or s.end > start)]
