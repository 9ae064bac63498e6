import { useSearchParams } from "react-router";
import { api, call } from "../api/client";
import { ErrorAlert } from "../components/Alert";
import { BarChart } from "../components/charts";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { download, safeFilePart, toCsv } from "../csv";
import { daysAgo, formatWh, utcDay } from "../format";
import { useOnce } from "../hooks/useOnce";
import { usePolling } from "../hooks/usePolling";
import { chargerOptions, siteOptions } from "../lookups";

interface Row {
  period: string;
  energyWh: number;
  sessions: number;
}

const ENERGY_POLL = { intervalMs: 60_000, maxIntervalMs: 300_000 };

async function chargerDays(chargePointId: string, from: string, to: string, signal: AbortSignal): Promise<Row[]> {
  const report = await call(
    api().GET("/api/chargers/{chargePointId}/energy", {
      params: { path: { chargePointId }, query: { from, to } },
      signal,
    }),
  );
  return everyDay(from, to, report.days.map((d) => ({ period: d.day, energyWh: d.energyWh, sessions: d.sessions })));
}

/** Every day from..to (a charger's report lists only days with energy), sums per day. */
function everyDay(from: string, to: string, rows: Row[]): Row[] {
  const first = new Date(`${from}T00:00:00Z`).getTime();
  const last = new Date(`${to}T00:00:00Z`).getTime();
  if (Number.isNaN(first) || Number.isNaN(last) || first > last || last - first > 366 * 86_400_000) {
    throw new Error("Choose a range of at most 366 days: From must be a day on or before To.");
  }
  const byDay = new Map<string, Row>();
  for (let day = new Date(`${from}T00:00:00Z`); utcDay(day) <= to; day = new Date(day.getTime() + 86_400_000)) {
    byDay.set(utcDay(day), { period: utcDay(day), energyWh: 0, sessions: 0 });
  }
  for (const row of rows) {
    const sum = byDay.get(row.period) ?? { period: row.period, energyWh: 0, sessions: 0 };
    byDay.set(row.period, { ...sum, energyWh: sum.energyWh + row.energyWh, sessions: sum.sessions + row.sessions });
  }
  return [...byDay.values()].sort((a, b) => a.period.localeCompare(b.period));
}

/** A site's energy: the sum of its chargers' days (the chargers bound to its EVSEs). */
async function siteDays(locationId: string, from: string, to: string, signal: AbortSignal): Promise<Row[]> {
  const site = await call(api().GET("/api/locations/{locationId}", { params: { path: { locationId } }, signal }));
  const chargers = [...new Set((site.location.evses ?? []).flatMap((e) => (e.charger ? [e.charger.chargePointId] : [])))];
  const reports = await Promise.all(chargers.map((cp) => chargerDays(cp, from, to, signal)));
  return everyDay(from, to, reports.flat());
}

export function EnergyPage() {
  const [params, setParams] = useSearchParams();
  const scope = params.get("scope") ?? "network";
  const granularity = scope === "network" && params.get("granularity") === "hour" ? "hour" : "day";
  const from = params.get("from") ?? utcDay(daysAgo(granularity === "hour" ? 0 : 13));
  const to = params.get("to") ?? utcDay(new Date());
  const charger = params.get("charger") ?? "";
  const site = params.get("site") ?? "";
  const chargers = useOnce(chargerOptions, "chargers");
  const sites = useOnce(siteOptions, "sites");
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    setParams(next, { replace: true });
  };
  const target = scope === "charger" ? charger || chargers.data?.[0] || "" : scope === "site" ? site || sites.data?.[0]?.id || "" : "";
  const poll = usePolling<Row[]>(
    async (signal) => {
      if (scope === "charger") return target ? chargerDays(target, from, to, signal) : [];
      if (scope === "site") return target ? siteDays(target, from, to, signal) : [];
      const answer = await call(api().GET("/api/energy", { params: { query: { from, to, granularity } }, signal }));
      return answer.items;
    },
    `${scope}|${target}|${from}|${to}|${granularity}`,
    ENERGY_POLL,
  );
  const rows = poll.data ?? [];
  const scopeName = scope === "network" ? "network" : `${scope}-${target}`;
  const fileName = `energy-${safeFilePart(scopeName)}-${from}-${to}.csv`;
  const total = rows.reduce((sum, r) => sum + r.energyWh, 0);
  return (
    <>
      <PageHeader title="Energy">
        <LiveStatus poll={poll} />
      </PageHeader>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Scope
          <select value={scope} onChange={(e) => set({ scope: e.target.value })}>
            <option value="network">Whole network</option>
            <option value="charger">One charger</option>
            <option value="site">One site</option>
          </select>
        </label>
        {scope === "charger" ? (
          <label>
            Charger
            <select value={target} onChange={(e) => set({ charger: e.target.value })}>
              {(chargers.data ?? []).map((id) => (
                <option key={id}>{id}</option>
              ))}
            </select>
          </label>
        ) : null}
        {scope === "site" ? (
          <label>
            Site
            <select value={target} onChange={(e) => set({ site: e.target.value })}>
              {(sites.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {scope === "network" ? (
          <label>
            Per
            <select value={granularity} onChange={(e) => set({ granularity: e.target.value, from: "", to: "" })}>
              <option value="day">Day</option>
              <option value="hour">Hour</option>
            </select>
          </label>
        ) : null}
        <label>
          From (UTC day)
          <input type="date" value={from} onChange={(e) => set({ from: e.target.value })} />
        </label>
        <label>
          To (UTC day)
          <input type="date" value={to} onChange={(e) => set({ to: e.target.value })} />
        </label>
        <button
          type="button"
          className="button button-primary"
          disabled={rows.length === 0}
          onClick={() =>
            download(
              fileName,
              toCsv(["period", "energyWh", "sessions"], rows.map((r) => [r.period, r.energyWh, r.sessions])),
            )
          }
        >
          Export CSV
        </button>
      </form>
      <ErrorAlert error={chargers.error ?? sites.error ?? poll.error} />
      <section className="card">
        <h2>
          Energy per {granularity}: {formatWh(total)}
        </h2>
        <BarChart
          title={`Energy per ${granularity}, ${scope === "network" ? "whole network" : target}`}
          bars={rows.map((r) => ({ key: r.period, label: granularity === "hour" ? r.period.slice(11, 13) + "h" : r.period.slice(5), value: r.energyWh }))}
          format={formatWh}
        />
      </section>
      <table>
        <caption>Energy per {granularity} (UTC)</caption>
        <thead>
          <tr>
            <th scope="col">Period</th>
            <th scope="col">Energy (Wh)</th>
            <th scope="col">Sessions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.period}>
              <td>{r.period}</td>
              <td>{r.energyWh}</td>
              <td>{r.sessions}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
