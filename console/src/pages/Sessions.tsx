import { Link, useSearchParams } from "react-router";
import { api, call } from "../api/client";
import { ErrorAlert } from "../components/Alert";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { StateBadge } from "../components/StateBadge";
import { formatDateTime, formatDuration, formatWh } from "../format";
import { LIST_POLL, usePolling } from "../hooks/usePolling";
import { filledPage, Pager, usePager } from "../paging";

const STATUSES = ["active", "completed", "replaced", "orphan"] as const;
type Status = (typeof STATUSES)[number];

/** datetime-local (the browser's zone) -> ISO 8601 UTC, or undefined. */
function isoOf(local: string | null): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function SessionsPage() {
  const [params, setParams] = useSearchParams();
  const set = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const status = params.get("status");
  const pager = usePager(params.toString());
  const poll = usePolling(
    (signal) =>
      filledPage((cursor, limit) => call(
        api().GET("/api/sessions", {
          params: {
            query: {
              cursor,
              chargePointId: params.get("charger") || undefined,
              idTag: params.get("idTag") || undefined,
              status: STATUSES.includes(status as Status) ? (status as Status) : undefined,
              from: isoOf(params.get("from")),
              to: isoOf(params.get("to")),
              limit,
            },
          },
          signal,
        }),
      ), pager.cursor),
    `${params.toString()}|${pager.cursor ?? ""}`,
    LIST_POLL,
  );
  const text = (name: string, label: string, type = "text") => (
    <label>
      {label}
      <input
        type={type}
        defaultValue={params.get(name) ?? ""}
        onChange={type === "text" ? undefined : (e) => set(name, e.target.value)}
        onBlur={(e) => set(name, e.target.value.trim())}
        onKeyDown={(e) => {
          if (e.key === "Enter") set(name, e.currentTarget.value.trim());
        }}
      />
    </label>
  );
  const items = poll.data?.items ?? [];
  return (
    <>
      <PageHeader title="Sessions">
        <LiveStatus poll={poll} />
      </PageHeader>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        {text("charger", "Charger")}
        {text("idTag", "Id tag")}
        <label>
          Status
          <select value={status ?? ""} onChange={(e) => set("status", e.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        {text("from", "Started from", "datetime-local")}
        {text("to", "Started until", "datetime-local")}
      </form>
      <ErrorAlert error={poll.error} />
      <table>
        <caption className="visually-hidden">Sessions</caption>
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Charger</th>
            <th scope="col">Status</th>
            <th scope="col">Id tag</th>
            <th scope="col">Started</th>
            <th scope="col">Stopped</th>
            <th scope="col">Duration</th>
            <th scope="col">Energy</th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={`${s.chargePointId}/${s.transactionId}`}>
              <td>
                <Link to={`/sessions/${encodeURIComponent(s.chargePointId)}/${encodeURIComponent(s.transactionId)}`}>
                  {s.transactionId}
                </Link>
              </td>
              <td>{s.chargePointId}</td>
              <td>
                <StateBadge state={s.status} testId="session-status" />
              </td>
              <td>{s.idTag ?? "—"}</td>
              <td>{formatDateTime(s.startedAt)}</td>
              <td>{formatDateTime(s.stoppedAt)}</td>
              <td>{formatDuration(s.durationS)}</td>
              <td>{formatWh(s.energyWh ?? (s.lastMeterWh != null && s.meterStartWh != null ? s.lastMeterWh - s.meterStartWh : null))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {poll.data && items.length === 0 ? <p>No session matches.</p> : null}
      <Pager pager={pager} nextCursor={poll.data?.nextCursor} />
    </>
  );
}
