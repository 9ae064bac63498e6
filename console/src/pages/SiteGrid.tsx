/** The site's grid (docs/adr/0053-console-site-view.md, ADR 0052): whether a grid signal limits
 * the site now, the limit per phase in force and the one the site is allocated under, the source
 * that binds, when that may change next, the limits in force or coming over the next two days
 * and the prices ahead. A site with neither a schedule nor sources says how to set them. */

import type { components } from "../api/schema";
import { formatDateTime } from "../format";
import { amps, kilowatts } from "./siteModel";

type GridView = components["schemas"]["GridView"];
type PhaseLimit = components["schemas"]["PhaseLimitBody"];
type Signal = components["schemas"]["GridSignalBody"];
type Step = components["schemas"]["StepBody"];

const PHASES = ["L1", "L2", "L3"] as const;

/** "40 A per phase", each phase's limit when they differ, "no limit" where a phase has none. */
export function phaseLimit(limit: PhaseLimit | null | undefined): string {
  if (!limit) return "no limit";
  const values = PHASES.map((phase) => limit[phase]);
  if (values.every((v) => v === null)) return "no limit";
  if (values.every((v) => v === values[0])) return `${amps(values[0])} per phase`;
  return PHASES.map((phase, i) => `${phase} ${values[i] === null ? "no limit" : amps(values[i])}`).join(", ");
}

/** The time without the seconds: the limits ahead change on the minute. */
function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString("en-GB", { weekday: "short", day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", hour12: false });
}

/** "schedule", "openadr:dso-congestion", ... as an operator reads it. */
export function sourceName(source: string | null | undefined): string {
  if (!source) return "—";
  if (source === "schedule") return "the operator's schedule";
  const [kind, rest] = source.split(/:(.*)/s);
  if (kind === "openadr") return rest ? `OpenADR VTN (${rest})` : "OpenADR VTN";
  if (kind === "entsoe") return rest ? `ENTSO-E (${rest})` : "ENTSO-E";
  return source;
}

function signalLimit(signal: Signal): string {
  const parts = [];
  if (signal.maxCurrent) parts.push(phaseLimit(signal.maxCurrent));
  if (signal.maxPowerW !== null && signal.maxPowerW !== undefined) parts.push(kilowatts(signal.maxPowerW));
  return parts.join(" and ") || "—";
}

function price(step: Step): string {
  const value = step.value.toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 4 });
  return `${value}${step.currency ? ` ${step.currency}` : ""}/kWh`;
}

function Prices({ prices }: { prices: Step[] }) {
  if (!prices.length) return null;
  const cheapest = prices.reduce((a, b) => (b.value < a.value ? b : a));
  const dearest = prices.reduce((a, b) => (b.value > a.value ? b : a));
  return (
    <>
      <h3>Prices ahead</h3>
      <p data-testid="grid-prices">
        From {price(cheapest)} (cheapest from {when(cheapest.start)}) to {price(dearest)} (from {when(dearest.start)}),{" "}
        {prices.length} steps until {when(prices[prices.length - 1]!.end)}; source {sourceName(prices[0]!.source)}.
      </p>
      <details>
        <summary>Every price step</summary>
        <table className="grid-prices">
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">Until</th>
              <th scope="col">Price</th>
            </tr>
          </thead>
          <tbody>
            {prices.map((step) => (
              <tr key={`${step.source}/${step.start}`}>
                <td>{when(step.start)}</td>
                <td>{when(step.end)}</td>
                <td>{price(step)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

/** The panel. `grid` null: this deployment keeps no grid signals (the API answered 404). */
export function SiteGrid({
  locationId,
  grid,
  configured,
}: {
  locationId: string;
  grid: GridView | null;
  configured: { schedule: boolean; sources: boolean };
}) {
  const heading = <h2 id="site-grid-heading">Grid</h2>;
  if (!grid) {
    return (
      <section className="card" aria-labelledby="site-grid-heading">
        {heading}
        <p className="muted" data-testid="grid-unavailable">
          This platform keeps no grid signals: the site is allocated under its electrical model alone.
        </p>
      </section>
    );
  }
  if (!configured.schedule && !configured.sources) {
    return (
      <section className="card" aria-labelledby="site-grid-heading">
        {heading}
        <div data-testid="grid-empty">
          <p>
            <strong>No grid schedule or sources.</strong> The site is allocated under its electrical model alone. To
            follow the grid operator, give it a schedule of limits (recurring windows in the site’s time zone) or the
            sources to poll (an OpenADR VTN, ENTSO-E prices):
          </p>
          <pre className="grid-commands">
            <code>
              python -m csms_cli sites grid schedule put {locationId} schedule.json{"\n"}
              python -m csms_cli sites grid sources put {locationId} sources.json
            </code>
          </pre>
          <p className="muted">The user guide’s “Setting up a site’s grid” shows both files.</p>
        </div>
      </section>
    );
  }
  const allocatedDiffers = phaseLimit(grid.allocatorLimitA) !== phaseLimit(grid.limitA);
  const perPhaseSources = grid.sources && new Set(grid.sources).size > 1;
  const imports = grid.signals;
  return (
    <section className="card" aria-labelledby="site-grid-heading">
      {heading}
      <dl className="facts grid-facts">
        <dt>Now</dt>
        <dd data-testid="grid-limited">
          {grid.limited ? (
            <span className="badge badge-warn">limited by the grid</span>
          ) : (
            <span className="badge badge-ok">not limited by the grid</span>
          )}
        </dd>
        <dt>In force</dt>
        <dd data-testid="grid-limit">{phaseLimit(grid.limitA)}</dd>
        <dt>Allocated under</dt>
        <dd data-testid="grid-allocated">
          {phaseLimit(grid.allocatorLimitA)}
          {allocatedDiffers && grid.upcomingAt ? (
            <span className="muted"> (a drop at {when(grid.upcomingAt)} counts already)</span>
          ) : null}
        </dd>
        <dt>Source</dt>
        <dd data-testid="grid-source">
          {grid.limitA ? sourceName(grid.source) : "—"}
          {perPhaseSources ? (
            <span className="muted">
              {" "}
              ({PHASES.map((phase, i) => `${phase}: ${sourceName(grid.sources![i])}`).join(", ")})
            </span>
          ) : null}
        </dd>
        <dt>Next change</dt>
        <dd data-testid="grid-next-change">{grid.nextChange ? when(grid.nextChange) : "none in the next two days"}</dd>
        <dt>Follows</dt>
        <dd>
          {[configured.schedule ? "a schedule" : null, configured.sources ? "polled sources" : null]
            .filter(Boolean)
            .join(" and ")}{" "}
          <span className="muted">(as of {formatDateTime(grid.at)})</span>
        </dd>
      </dl>
      <h3>Limits in force or coming (two days)</h3>
      {imports.length ? (
        <table className="grid-signals">
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">Until</th>
              <th scope="col">Limit</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {imports.map((signal) => (
              <tr key={`${signal.source}/${signal.group}/${signal.start}/${signal.kind}`} data-signal={signal.source}>
                <td>{new Date(signal.start).getTime() <= new Date(grid.at).getTime() ? "now" : when(signal.start)}</td>
                <td>{signal.end ? when(signal.end) : "until further notice"}</td>
                <td>
                  {signalLimit(signal)}
                  {signal.kind === "export_limit" ? <span className="muted"> (export)</span> : null}
                </td>
                <td>{sourceName(signal.source)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted" data-testid="no-grid-signals">
          No grid limit in force or coming in the next two days.
        </p>
      )}
      <Prices prices={grid.prices} />
    </section>
  );
}
