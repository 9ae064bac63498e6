/** A site's view (docs/adr/0053-console-site-view.md): its grid connection and circuits with the
 * load the last allocation permits on each node per phase, its EVSEs under that allocation,
 * the nodes over-subscribed, the grid limit it is allocated under now and ahead, each node's load
 * over time against its limit, and the electrical model as editable JSON. Each missing piece (no model, no allocation yet, no history) says
 * what to do about it. */

import { useState } from "react";
import { Link, useParams } from "react-router";
import { ApiProblem, api, call } from "../api/client";
import type { components } from "../api/schema";
import { ErrorAlert } from "../components/Alert";
import { PageHeader } from "../components/Layout";
import { LiveStatus } from "../components/LiveStatus";
import { type GridLine, SiteLoadChart } from "../components/SiteLoadChart";
import { StateBadge } from "../components/StateBadge";
import { formatDateTime } from "../format";
import { usePolling } from "../hooks/usePolling";
import "../components/siteView.css";
import { SiteGrid } from "./SiteGrid";
import { SiteModelEditor } from "./SiteModelEditor";
import { SiteTree } from "./SiteTree";
import { amps, flatten, modelTree, nodeSeries, overloadedNodes, type LoadHistory } from "./siteModel";

type GridView = components["schemas"]["GridView"];

const SITE_POLL = { intervalMs: 30_000, maxIntervalMs: 300_000 };
// The history gains at most a sample a minute.
const HISTORY_POLL = { intervalMs: 60_000, maxIntervalMs: 300_000 };
const RANGES: [string, string, number][] = [
  ["1h", "Last hour", 1],
  ["24h", "Last 24 hours", 24],
  ["3d", "Last 3 days", 72],
  ["8d", "Last 8 days", 192],
];

/** The answer, or null when the API says there is none (404). */
async function orNone<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 404) return null;
    throw error;
  }
}

/** The grid limit in force now, for the chart of the grid connection: from the start of the
 * signal that sets it (of its binding source, at its value), or from now when none says. */
function gridLine(grid: GridView | null): GridLine | null {
  const limit = grid?.limitA;
  if (!grid || !limit || (limit.L1 === null && limit.L2 === null && limit.L3 === null)) return null;
  const at = new Date(grid.at).getTime();
  const setting = grid.signals.filter(
    (s) =>
      s.kind === "import_limit" &&
      new Date(s.start).getTime() <= at &&
      (grid.sources ?? []).includes(s.source) &&
      (["L1", "L2", "L3"] as const).some((ph) => limit[ph] !== null && s.maxCurrent?.[ph] === limit[ph]),
  );
  const since = setting.length ? Math.max(...setting.map((s) => new Date(s.start).getTime())) : at;
  return { since, limit: { L1: limit.L1, L2: limit.L2, L3: limit.L3 } };
}

function LoadOverTime({
  history,
  node,
  hasAllocation,
  grid,
}: {
  history: LoadHistory;
  node: string;
  hasAllocation: boolean;
  grid: GridLine | null;
}) {
  const points = nodeSeries(history, node);
  return (
    <>
      {points.length ? (
        <SiteLoadChart
          title={`Allocated load on ${node} per phase`}
          points={points}
          from={new Date(history.from).getTime()}
          to={new Date(history.to).getTime()}
          stepMinutes={history.stepMinutes}
          grid={grid}
        />
      ) : (
        <p data-testid="no-history">
          No load was recorded on {node} in this range.{" "}
          {hasAllocation
            ? "A sample is kept for each minute the site is allocated (for 8 days): pick a longer range, or wait for the next allocation."
            : "Load is recorded each time the site is allocated, which starts once it has an electrical model and an EVSE's state changes."}
        </p>
      )}
    </>
  );
}

export function SitePage() {
  const { locationId = "" } = useParams();
  const [range, setRange] = useState("24h");
  const [picked, setPicked] = useState<string | null>(null);
  const hours = RANGES.find(([key]) => key === range)?.[2] ?? 24;
  const path = { locationId };
  const poll = usePolling(
    async (signal) => {
      const [location, model, allocation, grid, schedule, sources] = await Promise.all([
        call(api().GET("/api/locations/{locationId}", { params: { path }, signal })),
        orNone(call(api().GET("/api/locations/{locationId}/electrical", { params: { path }, signal }))),
        orNone(call(api().GET("/api/locations/{locationId}/allocation", { params: { path }, signal }))),
        orNone(call(api().GET("/api/locations/{locationId}/grid", { params: { path }, signal }))),
        // Only whether they exist: the panel's empty state says how to set them.
        orNone(call(api().GET("/api/locations/{locationId}/grid/schedule", { params: { path }, signal }))),
        orNone(call(api().GET("/api/locations/{locationId}/grid/sources", { params: { path }, signal }))),
      ]);
      return { location, model, allocation, grid, configured: { schedule: schedule !== null, sources: sources !== null } };
    },
    locationId,
    SITE_POLL,
  );
  const data = poll.data;
  const model = data?.model ?? null;
  const allocation = data?.allocation ?? null;
  const roots = model ? modelTree(model.nodes, model.evses) : [];
  const nodeIds = flatten(roots).map((item) => item.node.id);
  const node = picked && nodeIds.includes(picked) ? picked : nodeIds[0];
  // Its own poll, of the node shown only: another range or node reloads the chart alone.
  const history = usePolling(
    (signal) => {
      if (!node) return Promise.resolve(null);
      const from = new Date(Date.now() - hours * 3_600_000).toISOString();
      return call(
        api().GET("/api/locations/{locationId}/load-history", { params: { path, query: { from, node } }, signal }),
      );
    },
    `${locationId}/${range}/${node ?? ""}`,
    HISTORY_POLL,
  );
  const overloaded = overloadedNodes(allocation?.overloaded ?? []);
  const name = data?.location.location.name ?? locationId;
  return (
    <>
      <PageHeader title={`Site ${name}`}>
        <LiveStatus poll={poll} />
      </PageHeader>
      <p>
        <Link to="/sites">All sites</Link>
        {data ? ` · ${data.location.availableEvses} of ${data.location.evses.length} EVSEs available` : ""}
      </p>
      <ErrorAlert error={poll.error} />
      {data ? (
        <>
          {overloaded.size ? (
            <div className="alert alert-warn" data-testid="overloaded">
              <strong>Over-subscribed: </strong>
              the EVSEs that take no limits or are idle alone can draw more than{" "}
              {[...overloaded].map(([node, what]) => `${node} (${what.join(", ")})`).join("; ")} allows. No allocation
              can keep these limits: lower their maximum or default limits, or move them to another circuit.
            </div>
          ) : null}
          {!model ? (
            <div className="alert alert-info" data-testid="no-model">
              <strong>No electrical model yet.</strong> Without one this site’s chargers are not limited. Write the model
              below (or with <code>python -m csms_cli sites electrical put {locationId} model.json</code>) and save it.
            </div>
          ) : !allocation ? (
            <div className="alert alert-info" data-testid="no-allocation">
              <strong>No allocation yet.</strong> The site is allocated when one of its EVSEs changes state (a session starts
              or stops); its loads and EVSE limits appear here then.
            </div>
          ) : null}
          {model ? (
            <section className="card" aria-labelledby="site-tree-heading">
              <h2 id="site-tree-heading">Grid connection and circuits</h2>
              {allocation ? (
                <p className="muted">
                  What the allocation of {formatDateTime(allocation.at)} permits per phase (model revision{" "}
                  {allocation.modelRevision}); not meter readings.
                </p>
              ) : null}
              <SiteTree roots={roots} loads={allocation?.nodes ?? []} overloaded={overloaded} />
            </section>
          ) : null}
          <SiteGrid locationId={locationId} grid={data.grid} configured={data.configured} />
          {allocation ? (
            <section className="card" aria-labelledby="site-evses-heading">
              <h2 id="site-evses-heading">EVSEs under the allocation</h2>
              <table className="site-evses">
                <thead>
                  <tr>
                    <th scope="col">EVSE</th>
                    <th scope="col">Charger</th>
                    <th scope="col">Node</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Allocated limit</th>
                    <th scope="col">Since</th>
                  </tr>
                </thead>
                <tbody>
                  {allocation.evses.map((evse) => (
                    <tr key={evse.id} data-evse={evse.id}>
                      <td>{evse.id}</td>
                      <td>
                        <Link to={`/chargers/${encodeURIComponent(evse.chargePointId)}`}>{evse.chargePointId}</Link> #{evse.evseId}
                      </td>
                      <td>{evse.node}</td>
                      <td>
                        <StateBadge state={evse.kind} testId="evse-kind" />
                      </td>
                      <td data-testid="evse-limit">
                        {evse.kind !== "active"
                          ? "—"
                          : evse.limitA === null || evse.limitA === undefined
                            ? "not yet allocated"
                            : evse.limitA === 0
                              ? "paused (0 A)"
                              : `${amps(evse.limitA)} per phase`}
                      </td>
                      <td>
                        {formatDateTime(evse.changedAt)}
                        {evse.runningSince && evse.runningSince !== evse.changedAt ? (
                          <span className="muted"> (charging since {formatDateTime(evse.runningSince)})</span>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="muted">
                Active: charging under its limit. Reserved: takes no limits or does not answer, so its maximum is held.
                Idle: no session, its default limit held.
              </p>
            </section>
          ) : null}
          {model ? (
            <section className="card" aria-labelledby="site-history-heading">
              <h2 id="site-history-heading">Load over time</h2>
              <div className="filters">
                <label>
                  Range
                  <select value={range} onChange={(event) => setRange(event.target.value)}>
                    {RANGES.map(([key, label]) => (
                      <option key={key} value={key}>
                        {label}
                      </option>
                    ))}
                  </select>
                </label>
                {nodeIds.length > 1 ? (
                  <label>
                    Node
                    <select value={node} onChange={(event) => setPicked(event.target.value)}>
                      {nodeIds.map((id) => (
                        <option key={id} value={id}>
                          {id}
                        </option>
                      ))}
                    </select>
                  </label>
                ) : null}
              </div>
              <ErrorAlert error={history.error} />
              {history.data && node ? (
                <LoadOverTime
                  history={history.data}
                  node={node}
                  hasAllocation={allocation !== null}
                  // The grid limits the connection: the root of the tree.
                  grid={node === roots[0]?.node.id ? gridLine(data.grid) : null}
                />
              ) : (
                <p className="muted">Loading…</p>
              )}
            </section>
          ) : null}
          <SiteModelEditor locationId={locationId} model={model} location={data.location} onSaved={poll.refresh} />
        </>
      ) : null}
    </>
  );
}
