import { Link } from "react-router";
import { api, call } from "../api/client";
import type { Answer } from "../api/client";
import { ErrorAlert } from "../components/Alert";
import { BarChart } from "../components/charts";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { StateBadge } from "../components/StateBadge";
import { StateLegend } from "../components/StateLegend";
import { daysAgo, formatDateTime, formatWh, utcDay } from "../format";
import { OVERVIEW_POLL, usePolling } from "../hooks/usePolling";

type Overview = Answer<"/api/overview">;
type Energy = Answer<"/api/energy">;

export const STATES = ["available", "charging", "occupied", "faulted", "unavailable", "offline", "unknown"] as const;

async function loadOverview(signal: AbortSignal): Promise<{ overview: Overview; hours: Energy; days: Energy }> {
  const today = utcDay(new Date());
  const [overview, hours, days] = await Promise.all([
    call(api().GET("/api/overview", { signal })),
    call(api().GET("/api/energy", { params: { query: { granularity: "hour", from: today, to: today } }, signal })),
    call(api().GET("/api/energy", { params: { query: { granularity: "day", from: utcDay(daysAgo(13)), to: today } }, signal })),
  ]);
  return { overview, hours, days };
}

function hourLabel(period: string): string {
  const date = new Date(period);
  return Number.isNaN(date.getTime()) ? period : `${String(date.getUTCHours()).padStart(2, "0")}h`;
}

function dayLabel(period: string): string {
  return period.slice(5); // MM-DD
}

export function OverviewPage() {
  const poll = usePolling(loadOverview, "overview", OVERVIEW_POLL);
  const overview = poll.data?.overview;
  return (
    <>
      <PageHeader title="Overview">
        <LiveStatus poll={poll} />
      </PageHeader>
      <ErrorAlert error={poll.error} />
      {overview ? (
        <>
          <div className="cards">
            <section className="card">
              <h2>Chargers by state</h2>
              <p className="big-number">{overview.chargers.total} chargers</p>
              <ul className="state-counts">
                {STATES.map((state) => (
                  <li key={state}>
                    <Link to={`/chargers?state=${state}`}>
                      <StateBadge state={state} testId={`count-${state}`} />
                      <span className="count">{overview.chargers.byState[state] ?? 0}</span>
                    </Link>
                  </li>
                ))}
              </ul>
              <StateLegend />
            </section>
            <section className="card">
              <h2>Sessions today</h2>
              <dl className="facts">
                <dt>Charging now</dt>
                <dd>
                  {overview.sessions.charging} {overview.sessions.charging === 1 ? "connector" : "connectors"}
                </dd>
                <dt>Stopped today (UTC)</dt>
                <dd>{overview.sessions.stoppedToday}</dd>
                <dt>Energy of today&apos;s sessions</dt>
                <dd>{formatWh(overview.sessions.energyTodayWh)}</dd>
              </dl>
              <p className="muted">Energy counts when a session stops: today&apos;s total is that of the sessions stopped today.</p>
            </section>
          </div>
          <div className="cards">
            <section className="card">
              <h2>Energy per hour (today, UTC)</h2>
              <BarChart
                title="Energy per hour today"
                bars={(poll.data?.hours.items ?? []).map((i) => ({ key: i.period, label: hourLabel(i.period), value: i.energyWh }))}
                format={formatWh}
              />
            </section>
            <section className="card">
              <h2>Energy per day (14 days)</h2>
              <BarChart
                title="Energy per day, last 14 days"
                bars={(poll.data?.days.items ?? []).map((i) => ({ key: i.period, label: dayLabel(i.period), value: i.energyWh }))}
                format={formatWh}
              />
            </section>
          </div>
          <section className="card">
            <h2>Recent faults</h2>
            {overview.recentFaults.length === 0 ? (
              <p>No charger reports a fault.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Charger</th>
                    <th scope="col">Connector</th>
                    <th scope="col">Status</th>
                    <th scope="col">Error</th>
                    <th scope="col">Info</th>
                    <th scope="col">At</th>
                  </tr>
                </thead>
                <tbody>
                  {overview.recentFaults.map((fault) => (
                    <tr key={`${fault.chargePointId}-${fault.evseId ?? ""}-${fault.connectorId ?? ""}-${fault.at}`}>
                      <td>
                        <Link to={`/chargers/${encodeURIComponent(fault.chargePointId)}`}>{fault.chargePointId}</Link>
                      </td>
                      <td>{fault.evseId != null ? `EVSE ${fault.evseId} / ` : ""}{fault.connectorId ?? "—"}</td>
                      <td>
                        <StateBadge state={fault.status} testId="fault-status" />
                      </td>
                      <td>{[fault.errorCode, fault.vendorErrorCode].filter(Boolean).join(" / ") || "—"}</td>
                      <td>{fault.info ?? "—"}</td>
                      <td>{formatDateTime(fault.at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      ) : null}
    </>
  );
}
