/** How numbers and times read on screen (times in the browser's zone, 24-hour clock). */

export function formatWh(wh: number | null | undefined): string {
  if (wh === null || wh === undefined) return "—";
  if (Math.abs(wh) >= 1000) return `${(wh / 1000).toLocaleString("en-GB", { maximumFractionDigits: 2 })} kWh`;
  return `${wh.toLocaleString("en-GB")} Wh`;
}

export function formatW(w: number | null | undefined): string {
  if (w === null || w === undefined) return "—";
  if (Math.abs(w) >= 1000) return `${(w / 1000).toLocaleString("en-GB", { maximumFractionDigits: 1 })} kW`;
  return `${w.toLocaleString("en-GB")} W`;
}

export function clock(date: Date | number): string {
  return new Date(date).toLocaleTimeString("en-GB", { hour12: false });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium", hour12: false });
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s} s` : `${s} s`;
}

/** How many minor units a currency's unit has, as a power of ten (EUR 2, JPY 0). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en-GB", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** An amount in the currency's minor units (cents; yen have none). */
export function formatMoney(minor: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat("en-GB", { style: "currency", currency });
    return format.format(minor / 10 ** minorDigits(currency));
  } catch {
    return `${minor} ${currency} (minor units)`;
  }
}

/** YYYY-MM-DD of a date in UTC (the API's days are UTC days). */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function daysAgo(days: number, from = new Date()): Date {
  return new Date(from.getTime() - days * 86_400_000);
}
