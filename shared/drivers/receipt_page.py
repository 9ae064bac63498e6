"""A receipt as a printable HTML page (self-contained: no scripts, no external resources,
every value escaped) and as plain text (the e-mailed receipt's text part)."""

from __future__ import annotations

from html import escape

from shared.models.receipt import Receipt

_UNITS = {"ENERGY": "kWh", "TIME": "h", "PARKING_TIME": "h", "FLAT": "session"}
_OUTCOMES = {
    "captured": "Paid from the amount held on your payment method",
    "charged": "Charged to your payment method",
    "released": "Nothing to pay: the amount held was released",
    "outstanding": "Not yet paid: your payment method was declined",
    "invoice": "To be invoiced: no payment method on file",
}


def money(minor: int, currency: str) -> str:
    return f"{minor // 100}.{minor % 100:02d} {currency}"


def _volume(dimension: str, volume: int) -> str:
    if dimension == "ENERGY":
        return f"{volume / 1000:.3f} kWh"
    if dimension in ("TIME", "PARKING_TIME"):
        return f"{volume // 3600} h {volume % 3600 // 60:02d} min"
    return "1"


def _total(label: str, minor: int, currency: str, css: str = "") -> str:
    row = f"<tr class={css}>" if css else "<tr>"
    amount = escape(money(minor, currency))
    return f"{row}<td colspan=3>{escape(label)}</td><td class=n>{amount}</td></tr>"


def receipt_html(receipt: Receipt) -> str:
    c = receipt.currency
    rows = "".join(
        "<tr>"
        f"<td>{escape(line.dimension.replace('_', ' ').title())}</td>"
        f"<td>{escape(_volume(line.dimension, line.volume))}</td>"
        f"<td>{escape(money(line.unit_price, c))} / {_UNITS.get(line.dimension, '')}</td>"
        f"<td class=n>{escape(money(line.amount, c))}</td>"
        "</tr>"
        for line in receipt.lines
    )
    facts = [
        ("Charger", receipt.charge_point_id),
        ("Session", receipt.transaction_id),
        ("Started", receipt.started_at or "-"),
        ("Stopped", receipt.stopped_at or "-"),
        ("Energy", f"{receipt.energy_wh / 1000:.3f} kWh"),
        ("Duration", _volume("TIME", receipt.duration_s)),
        ("Tariff", f"{receipt.tariff_id} (version {receipt.tariff_version})"),
        ("Payment", ", ".join(receipt.payment_ids) or "-"),
    ]
    fact_rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    tax = f"{receipt.tax_rate_bp / 100:g} %"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Receipt {escape(receipt.charge_point_id)} {escape(receipt.transaction_id)}</title>
<style>
body{{font:14px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;color:#111}}
table{{border-collapse:collapse;width:100%;margin:1em 0}}
th,td{{text-align:left;padding:.3em .5em;border-bottom:1px solid #ddd}}
.n{{text-align:right}} .total td{{font-weight:bold;border-top:2px solid #111}}
</style></head><body>
<h1>Charging receipt</h1>
<p>Issued {escape(receipt.issued_at)}</p>
<table>{fact_rows}</table>
<table><tr><th>Item</th><th>Used</th><th>Price</th><th class=n>Amount</th></tr>{rows}
<tr><td colspan=3>Total excluding tax</td><td class=n>{
        escape(money(receipt.total_excl_tax, c))
    }</td></tr>
<tr><td colspan=3>Tax ({escape(tax)})</td><td class=n>{escape(money(receipt.tax, c))}</td></tr>
<tr class=total><td colspan=3>Total</td><td class=n>{
        escape(money(receipt.total_incl_tax, c))
    }</td></tr>
</table>
<p>{escape(_OUTCOMES[receipt.outcome])}: {escape(money(receipt.paid_minor, c))} paid{
        f", {escape(money(receipt.outstanding_minor, c))} owed" if receipt.outstanding_minor else ""
    }.</p>
</body></html>
"""


def receipt_text(receipt: Receipt) -> str:
    """The same receipt as plain text, with the same amounts and wording as the page."""
    c = receipt.currency
    lines = [
        "Charging receipt",
        f"Issued {receipt.issued_at}",
        "",
        f"Charger:  {receipt.charge_point_id}",
        f"Session:  {receipt.transaction_id}",
        f"Started:  {receipt.started_at or '-'}",
        f"Stopped:  {receipt.stopped_at or '-'}",
        f"Energy:   {receipt.energy_wh / 1000:.3f} kWh",
        f"Duration: {_volume('TIME', receipt.duration_s)}",
        f"Tariff:   {receipt.tariff_id} (version {receipt.tariff_version})",
        "",
    ]
    for line in receipt.lines:
        name = line.dimension.replace("_", " ").title()
        used = _volume(line.dimension, line.volume)
        unit = f"{money(line.unit_price, c)} / {_UNITS.get(line.dimension, '')}"
        lines.append(f"{name}: {used} at {unit} = {money(line.amount, c)}")
    lines += [
        "",
        f"Total excluding tax: {money(receipt.total_excl_tax, c)}",
        f"Tax ({receipt.tax_rate_bp / 100:g} %): {money(receipt.tax, c)}",
        f"Total: {money(receipt.total_incl_tax, c)}",
        "",
        f"{_OUTCOMES[receipt.outcome]}: {money(receipt.paid_minor, c)} paid"
        + (f", {money(receipt.outstanding_minor, c)} owed" if receipt.outstanding_minor else "")
        + ".",
    ]
    return "\n".join(lines) + "\n"
