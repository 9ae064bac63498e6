import { Link, useParams } from "react-router";
import { api, call } from "../api/client";
import { ErrorAlert } from "../components/Alert";
import { CurveChart } from "../components/charts";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { StateBadge } from "../components/StateBadge";
import { formatDateTime, formatDuration, formatW, formatWh } from "../format";
import { LIST_POLL, usePolling } from "../hooks/usePolling";

export function SessionDetailPage() {
  const { chargePointId = "", transactionId = "" } = useParams();
  const path = { chargePointId, transactionId };
  const poll = usePolling(
    async (signal) => {
      const [session, curve] = await Promise.all([
        call(api().GET("/api/chargers/{chargePointId}/sessions/{transactionId}", { params: { path }, signal })),
        call(api().GET("/api/chargers/{chargePointId}/sessions/{transactionId}/meter-values", { params: { path }, signal })),
      ]);
      return { session, curve };
    },
    `${chargePointId}/${transactionId}`,
    LIST_POLL,
  );
  const session = poll.data?.session;
  const points = poll.data?.curve.points ?? [];
  return (
    <>
      <PageHeader title={`Session ${transactionId}`}>
        <LiveStatus poll={poll} />
      </PageHeader>
      <p>
        <Link to="/sessions">All sessions</Link> · Charger{" "}
        <Link to={`/chargers/${encodeURIComponent(chargePointId)}`}>{chargePointId}</Link>
      </p>
      <ErrorAlert error={poll.error} />
      {session ? (
        <>
          <section className="card">
            <h2>Energy and power</h2>
            {points.length ? (
              <CurveChart title="Energy and power over the session" points={points} />
            ) : (
              <p>No meter values are stored for this session yet.</p>
            )}
          </section>
          <div className="cards">
            <section className="card">
              <h2>Session</h2>
              <dl className="facts">
                <dt>Status</dt>
                <dd>
                  <StateBadge state={session.status} testId="session-status" />
                </dd>
                <dt>Id tag</dt>
                <dd>{session.idTag ?? "—"}</dd>
                <dt>Connector</dt>
                <dd>{session.evseId != null ? `EVSE ${session.evseId} / ` : ""}{session.connectorId ?? "—"}</dd>
                <dt>Started</dt>
                <dd>{formatDateTime(session.startedAt)}</dd>
                <dt>Stopped</dt>
                <dd>{formatDateTime(session.stoppedAt)}</dd>
                <dt>Stop reason</dt>
                <dd>{session.stopReason ?? "—"}</dd>
                <dt>Duration</dt>
                <dd>{formatDuration(session.durationS)}</dd>
                <dt>Energy</dt>
                <dd>{formatWh(session.energyWh)}</dd>
              </dl>
            </section>
            <section className="card">
              <h2>Readings</h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">At</th>
                    <th scope="col">Energy</th>
                    <th scope="col">Mean power</th>
                  </tr>
                </thead>
                <tbody>
                  {points.map((p, i) => (
                    <tr key={`${p.at}-${i}`}>
                      <td>{formatDateTime(p.at)}</td>
                      <td>{formatWh(p.energyWh)}</td>
                      <td>{formatW(p.powerW)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </div>
        </>
      ) : null}
    </>
  );
}
